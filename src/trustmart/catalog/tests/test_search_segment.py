"""Segmentation: how text becomes index tokens and queries become terms (no database)."""

from __future__ import annotations

from trustmart.catalog.search import build_document, query_terms
from trustmart.catalog.search.index import ProductText
from trustmart.catalog.search.segment import document_tokens, normalise, whole_token


def test_search_mode_indexes_a_compound_and_its_parts() -> None:
    tokens = document_tokens("西湖龙井礼盒装")
    for token in ("西湖", "龙井", "礼盒", "盒装", "礼盒装"):
        assert token in tokens


def test_a_query_keeps_the_words_as_typed_and_their_parts_for_the_fallback() -> None:
    terms = query_terms("西湖龙井礼盒装")
    assert terms.words == ("西湖", "龙井", "礼盒装")
    assert set(terms.parts) >= {"西湖", "龙井", "礼盒装", "礼盒", "盒装"}
    assert query_terms("龙井 礼盒").words == ("龙井", "礼盒")
    assert query_terms("保湿面霜").words == ("保湿", "面霜")


def test_punctuation_spaces_and_stopwords_give_no_terms() -> None:
    for query in ("", "   ", "，。！？", "!!! ... ---", "《》【】", "的"):
        assert not query_terms(query)
        assert query_terms(query).words == ()


def test_latin_letters_and_digits_are_folded_and_split() -> None:
    assert normalise("ＩＰＨＯＮＥ １５") == "iphone 15"  # full-width, as phone keyboards type
    assert query_terms("iPhone 256G").words == ("iphone", "256g")
    tokens = document_tokens("Apple iPhone15 Pro")
    assert {"apple", "iphone15", "iphone", "15", "pro"} <= set(tokens)
    assert "g" not in document_tokens("50g")  # one-letter runs are noise


def test_html_is_stripped_and_entities_decoded() -> None:
    tokens = document_tokens("<p>深层<strong>补水</strong>&nbsp;&lt;温和&gt;</p>")
    assert tokens == ["深层", "补水", "温和"]


def test_whole_names_are_kept_as_one_token() -> None:
    assert whole_token("La Mer") == "lamer"
    assert whole_token("三只松鼠") == "三只松鼠"
    assert whole_token("！") == ""


def test_the_document_weights_name_and_brand_and_includes_categories() -> None:
    document = build_document(ProductText(
        name="保湿面霜", subtitle="", brand="珀莱雅", description="<p>补水</p>",
        categories=["面部护肤", "美妆护肤"]))
    tokens = document.split()
    assert tokens.count("面霜") == 2 and tokens.count("珀莱雅") == 2
    assert tokens.count("补水") == 1
    assert {"面部护肤", "面部", "护肤", "美妆护肤", "美妆"} <= set(tokens)
