"""H5 pages of the catalog: buyers (``buyer``: product page, categories), the merchant console
(``merchant``), the operators' review pages (``ops``) and search (``search``). ``urls`` imports
each module it routes to."""
