"""H5 pages of the catalog: buyers (product page, categories), the merchant console for
products, and the operators' review pages."""

from . import buyer, merchant, ops

__all__ = ["buyer", "merchant", "ops"]
