"""The evaluation table in the docs is what the labelled queries give, and hybrid ranking
beats keyword-only and semantic-only on both measures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from webbscope.demo import demo_library, evaluate_search, evaluation_table, labelled_queries
from webbscope.semantic import Embedder

ROOT = Path(__file__).resolve().parents[3]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "semantic_eval", ROOT / "scripts" / "semantic_eval.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_labelled_set_is_big_enough_and_names_real_records() -> None:
    keys = {d["key"] for d in demo_library()}
    queries = labelled_queries()
    assert len(queries) >= 30
    for q in queries:
        assert q["relevant"] and set(q["relevant"]) <= keys, q["q"]


def test_hybrid_beats_both_and_the_docs_show_these_numbers(embedder: Embedder) -> None:
    scores = evaluate_search(embedder)
    hybrid, keyword, semantic = scores["hybrid"], scores["keyword"], scores["semantic"]
    assert hybrid.recall_at_10 > max(keyword.recall_at_10, semantic.recall_at_10)
    assert hybrid.mrr > max(keyword.mrr, semantic.mrr)
    table = evaluation_table(scores, len(labelled_queries()), len(demo_library()))
    documented = _script().current_table()
    if table != documented:
        # bfloat16 and float32 CPUs may differ in the last digit; the rows must agree closely.
        def numbers(t: str) -> list[float]:
            return [
                float(x)
                for line in t.splitlines()
                if line.startswith("| ") and "ranking" not in line
                for x in line.split("|")[2:4]
            ]

        assert all(
            abs(a - b) <= 0.02 for a, b in zip(numbers(table), numbers(documented), strict=True)
        ), f"rerun scripts/semantic_eval.py:\n{table}\n---\n{documented}"
