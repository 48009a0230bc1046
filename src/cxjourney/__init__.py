"""cxjourney: customer experience measured along the customer journey."""

__version__ = "0.1.0"


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    # Lazy, so that `import cxjourney` stays cheap: cxjourney.connect("workspace") is the Python API.
    if name in ("connect", "Connection"):
        from cxjourney import python_api

        return getattr(python_api, name)
    raise AttributeError(f"module 'cxjourney' has no attribute {name!r}")
