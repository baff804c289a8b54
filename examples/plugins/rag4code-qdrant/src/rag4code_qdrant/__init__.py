"""Qdrant adapter for rag4code.

An in-memory stand-in with Qdrant's default metric (cosine similarity), so the
example needs no server. It satisfies ``rag4code_core.VectorStore``
structurally: the plugin does not import the core.
"""

from __future__ import annotations

import math

VERSION = "1.0.0"


class QdrantStore:
    """Nearest documents by cosine similarity."""

    name = "qdrant"

    def __init__(self) -> None:
        self._points: dict[str, list[float]] = {}

    def add(self, doc_id: str, vector: list[float]) -> None:
        self._points[doc_id] = list(vector)

    def search(self, vector: list[float], k: int = 3) -> list[str]:
        def cosine(other: list[float]) -> float:
            dot = sum(a * b for a, b in zip(vector, other))
            norm = math.hypot(*vector) * math.hypot(*other)
            return dot / norm if norm else 0.0

        ranked = sorted(self._points, key=lambda d: cosine(self._points[d]), reverse=True)
        return ranked[:k]
