"""Storage: the DuckDB file, its versioned schema, and the Ibis backend over it."""

from cxjourney.storage.migrations import SCHEMA_VERSION
from cxjourney.storage.store import Store, connect, connect_path, memory_store, migrate

__all__ = ["SCHEMA_VERSION", "Store", "connect", "connect_path", "memory_store", "migrate"]
