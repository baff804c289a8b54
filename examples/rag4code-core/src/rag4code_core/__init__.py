"""rag4code core: the interfaces plugins implement, and plugin discovery.

Plugins are separate distributions (rag4code-qdrant, rag4code-chroma, ...)
that register an adapter class under the ``rag4code.plugins`` entry-point
group. The core never imports them by name, so which plugins are installed,
and from where (an editable clone or a released tag), is decided entirely by
the environment that ``hpm sync`` builds.
"""

from __future__ import annotations

import importlib.metadata
import sys
from typing import Protocol, runtime_checkable

VERSION = "0.1.0"
PLUGIN_GROUP = "rag4code.plugins"


@runtime_checkable
class VectorStore(Protocol):
    """A vector database adapter: the slot HPM's ``vector-db`` group fills."""

    name: str

    def add(self, doc_id: str, vector: list[float]) -> None:
        """Store a document's embedding."""
        ...

    def search(self, vector: list[float], k: int = 3) -> list[str]:
        """Ids of the ``k`` stored documents nearest to ``vector``."""
        ...


def load_plugins() -> dict[str, type]:
    """Every installed plugin's adapter class, by entry-point name."""
    return {ep.name: ep.load() for ep in importlib.metadata.entry_points(group=PLUGIN_GROUP)}


def describe_plugins() -> list[dict[str, object]]:
    """For each installed plugin: its name, version, where its code was imported from,
    and whether its adapter satisfies :class:`VectorStore`."""
    out: list[dict[str, object]] = []
    for name, cls in sorted(load_plugins().items()):
        module = sys.modules[cls.__module__]
        out.append(
            {
                "name": name,
                "module": cls.__module__,
                "version": getattr(module, "VERSION", None),
                "file": module.__file__,
                "vector_store": isinstance(cls(), VectorStore),
            }
        )
    return out
