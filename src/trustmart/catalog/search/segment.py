"""Chinese word segmentation for search: the one place that turns text into index tokens.

Documents and queries must be cut the same way, or a word in the index can never be found, so
both go through :func:`normalise` and jieba here. Documents use jieba's *search mode*
(``cut_for_search``), which emits a compound word and also its parts ("礼盒装" → 礼盒, 盒装,
礼盒装), so a query for a part finds the compound. Queries use the *precise mode* (``cut``): each
word the user typed is one term, and the search mode's parts are kept for the fallback.

jieba's dictionary takes about a second to load; it is loaded lazily, once per process, from the
file the package ships (nothing is ever downloaded).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.html import strip_tags

# Words too common to tell products apart; dropped from documents and queries alike.
_CHINESE_STOPWORDS = "的了和与及或是在也都就而之其等着被把这那个又很更最为以并从对不"
STOPWORDS = frozenset([*_CHINESE_STOPWORDS, "a", "an", "and", "the", "of", "for", "to", "in",
                       "on", "with", "by"])
# Index tokens are runs of letters, digits and CJK characters; everything else separates them.
_WORD = re.compile(r"[^\W_]+")
# Where letters meet digits inside an ASCII token ("iphone15" → "iphone", "15").
_ALNUM_PARTS = re.compile(r"[a-z]+|[0-9]+")
_ASCII_ALNUM = re.compile(r"[a-z0-9]+")
MAX_QUERY_TERMS = 12

_lock = threading.Lock()
_ready = False


def _jieba() -> Any:
    """The jieba module with its dictionary loaded (once per process, thread-safe)."""
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                # Keep jieba's dictionary cache in our data folder, not a shared /tmp file.
                cache_dir = Path(settings.DATA_DIR) / "cache"
                try:
                    cache_dir.mkdir(parents=True, exist_ok=True)
                    jieba.dt.tmp_dir = str(cache_dir)
                except OSError:
                    pass
                jieba.initialize()  # reads the dictionary the package ships; no network
                _ready = True
    return jieba


def warm_up() -> None:
    """Load the dictionary now (e.g. before timing), instead of on the first search."""
    _jieba()


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, HTML removed: the form both sides share."""
    if "<" in text or "&" in text:
        text = unescape(strip_tags(text))
    return unicodedata.normalize("NFKC", text).lower()


def _words(pieces: Iterable[str], *, split: bool) -> Iterator[str]:
    """Split jieba's pieces into index tokens, dropping punctuation and stopwords.

    With ``split``, an ASCII token that mixes letters and digits also yields its runs of two or
    more characters, so "iphone15" is found by "iphone" and by "15" ("50g" by "50").
    """
    for piece in pieces:
        for word in _WORD.findall(piece):
            if word in STOPWORDS:
                continue
            yield word
            if split and _ASCII_ALNUM.fullmatch(word):
                parts = _ALNUM_PARTS.findall(word)
                if len(parts) > 1:
                    yield from (part for part in parts if len(part) > 1)


def document_tokens(text: str) -> list[str]:
    """Index tokens of a piece of product text, in order, search mode (compounds and parts)."""
    text = normalise(text)
    if not text.strip():
        return []
    return list(_words(_jieba().cut_for_search(text), split=True))


def whole_token(text: str) -> str:
    """A name as one token ("三只松鼠", "la mer" → "lamer"), so it is found however jieba cuts."""
    return "".join(_WORD.findall(normalise(text)))


@dataclass(frozen=True)
class QueryTerms:
    """What a query asks for.

    ``words``: the precise-mode words; a product must contain every one (AND).
    ``parts``: the search-mode pieces of the same words, for the fallback (any of them, as a
    prefix) when no product contains every word.
    """

    words: tuple[str, ...]
    parts: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.words)


def query_terms(query: str) -> QueryTerms:
    """Cut a user's query into terms. Punctuation or whitespace alone gives no terms."""
    text = normalise(query)
    if not _WORD.search(text):
        return QueryTerms((), ())
    jieba = _jieba()
    words = _unique(_words(jieba.cut(text), split=False))[:MAX_QUERY_TERMS]
    parts = _unique([*words, *_words(jieba.cut_for_search(text), split=True)])
    return QueryTerms(tuple(words), tuple(parts[: 2 * MAX_QUERY_TERMS]))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
