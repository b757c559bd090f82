"""H5 pages of orders: the address book, shipping rules and the cart (``cart``); checkout and
the buyer's, merchant's and operators' order pages (``orders``). ``urls`` imports each."""
