"""Chroma adapter for rag4code.

An in-memory stand-in with Chroma's default metric (squared L2 distance), so
the example needs no server. It satisfies ``rag4code_core.VectorStore``
structurally: the plugin does not import the core.
"""

from __future__ import annotations

VERSION = "1.0.0"


class ChromaStore:
    """Nearest documents by squared Euclidean distance."""

    name = "chroma"

    def __init__(self) -> None:
        self._points: dict[str, list[float]] = {}

    def add(self, doc_id: str, vector: list[float]) -> None:
        self._points[doc_id] = list(vector)

    def search(self, vector: list[float], k: int = 3) -> list[str]:
        def distance(other: list[float]) -> float:
            return sum((a - b) ** 2 for a, b in zip(vector, other))

        return sorted(self._points, key=lambda d: distance(self._points[d]))[:k]
