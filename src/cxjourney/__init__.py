"""cxjourney."""
