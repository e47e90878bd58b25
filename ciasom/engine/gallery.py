"""The allowed people of one broadcast and the rule that matches a face to one of them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EMBEDDING_SIZE = 128  # dlib ResNet descriptors

# Same person: median 0.39, p95 0.51; strangers wrongly matched: 0 % at 0.50, 0.5-2.6 % at
# 0.55 (DESIGN.md §5). A look counts only when it is clearly inside 0.50 ...
MATCH_DISTANCE = 0.50
# ... and clearly nearer to one person than to any other enrolled person.
MIN_MARGIN = 0.06


@dataclass(frozen=True)
class Match:
    person: str | None  # None: nobody allowed is clearly this face
    distance: float | None  # distance to the nearest allowed person, if any is enrolled


class Gallery:
    """Enrolled embeddings of the people a broadcast keeps visible (several photos each)."""

    def __init__(self, people: dict[str, np.ndarray]) -> None:
        self._names = list(people)
        self._embeddings = [
            np.asarray(e, dtype=np.float32).reshape(-1, EMBEDDING_SIZE) for e in people.values()
        ]

    @classmethod
    def empty(cls) -> Gallery:
        return cls({})

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def match(self, embedding: np.ndarray) -> Match:
        """Nearest person by their nearest photo; `person` only when the match is clear."""
        if not self._names:
            return Match(None, None)
        distances = [
            float(np.min(np.linalg.norm(e - embedding, axis=1))) if len(e) else np.inf
            for e in self._embeddings
        ]
        order = np.argsort(distances)
        best = float(distances[order[0]])
        runner_up = float(distances[order[1]]) if len(order) > 1 else np.inf
        clear = best <= MATCH_DISTANCE and runner_up - best >= MIN_MARGIN
        return Match(self._names[order[0]] if clear else None, best)
