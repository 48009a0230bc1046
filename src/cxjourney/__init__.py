"""cxjourney: customer experience measured along the customer journey."""

__version__ = "0.1.0"
