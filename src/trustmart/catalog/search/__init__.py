"""Product search: Chinese word segmentation (jieba) and each database's full-text index.

Public surface, used by catalog core and the search pages:

- :func:`product_search_index` keeps the index of some products up to date (a write);
- :func:`product_search` is the search selector (a read).

How indexing and ranking work per database: ``docs/search.md``.
"""

from .index import build_document, product_search_index
from .query import Match, SearchResult, Sort, product_search
from .segment import query_terms

__all__ = ["Match", "SearchResult", "Sort", "build_document", "product_search",
           "product_search_index", "query_terms"]
