"""Models of the aftersales app."""
