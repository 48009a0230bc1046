"""The demo online store: a seeded, deterministic business written into a workspace (``cxjourney demo``).

>>> from cxjourney.storage import memory_store
>>> from cxjourney.demo import generate
>>> counts = generate(memory_store(), seed=7, customers=300, events=20_000)  # doctest: +SKIP
"""

from cxjourney.demo.generate import DEFAULT_START, generate

__all__ = ["DEFAULT_START", "generate"]
