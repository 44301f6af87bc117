"""Keyword ranking: BM25 over each record's keyword text (file name, target, instrument,
filter, programme, obs id, description, tags), with an inverted index kept current record by
record."""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webbscope.semantic._index import Allowed

_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
#: Words that carry no meaning for a library search.
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "show",
        "me",
        "find",
        "all",
        "any",
        "some",
        "my",
        "images",
        "image",
        "data",
        "files",
        "file",
        "records",
        "record",
    }
)
K1 = 1.2
B = 0.75


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers; a number with leading zeros also counts without them
    (programme 02731 is 2731)."""
    out: list[str] = []
    for t in _TOKEN.findall(text.lower()):
        if t in STOPWORDS:
            continue
        out.append(t)
        if t.isdigit() and t.startswith("0") and t.strip("0"):
            out.append(t.lstrip("0"))
        if "_" not in t and len(t) > 3 and t.endswith("s") and not t.endswith("ss"):
            out.append(t[:-1])  # a plain plural
    return out


@dataclass(frozen=True)
class KeywordHit:
    id: str
    score: float
    matched: tuple[str, ...]


class KeywordIndex:
    def __init__(self) -> None:
        self.postings: dict[str, dict[str, int]] = {}
        self.lengths: dict[str, int] = {}
        self.total_length = 0
        self._terms: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.lengths)

    def put(self, record_id: str, text: str) -> None:
        words = tokens(text)
        counts = Counter(words)
        with self._lock:
            self._drop(record_id)
            for term, n in counts.items():
                self.postings.setdefault(term, {})[record_id] = n
            self.lengths[record_id] = len(words)
            self.total_length += len(words)
            self._terms[record_id] = tuple(counts)

    def remove(self, record_id: str) -> None:
        with self._lock:
            self._drop(record_id)

    def _drop(self, record_id: str) -> None:
        for term in self._terms.pop(record_id, ()):
            posting = self.postings.get(term)
            if posting is not None:
                posting.pop(record_id, None)
                if not posting:
                    del self.postings[term]
        self.total_length -= self.lengths.pop(record_id, 0)

    def search(
        self,
        query: str,
        allowed: Allowed | None,
        attrs: Mapping[str, dict[str, Any]],
        limit: int = 1000,
    ) -> list[KeywordHit]:
        """Records matching at least one query word, best BM25 score first, among those
        `allowed` passes (`attrs` holds each record's fields)."""
        terms = list(dict.fromkeys(tokens(query)))
        with self._lock:
            n = len(self.lengths)
            if not terms or n == 0:
                return []
            avg = self.total_length / n
            scores: dict[str, float] = {}
            matched: dict[str, list[str]] = {}
            for term in terms:
                posting = self.postings.get(term)
                if not posting:
                    continue
                idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
                for rid, tf in posting.items():
                    norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[rid] / avg))
                    scores[rid] = scores.get(rid, 0.0) + idf * norm
                    matched.setdefault(rid, []).append(term)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        out: list[KeywordHit] = []
        for rid, score in ranked:
            a = attrs.get(rid)
            if a is None or (allowed is not None and not allowed(a)):
                continue
            out.append(KeywordHit(rid, score, tuple(matched[rid])))
            if len(out) >= limit:
                break
        return out
