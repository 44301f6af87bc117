#!/usr/bin/env python3
"""Run the semantic search evaluation and write its table into docs/guide/search.md.

    .venv/bin/python scripts/semantic_eval.py          # rewrite the table in the docs
    .venv/bin/python scripts/semantic_eval.py --check  # exit 1 if the docs differ

The labelled queries are src/webbscope/demo/search_eval.json; tests/unit/semantic/
test_evaluation.py recomputes the table and checks that hybrid beats both rankings."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "guide" / "search.md"
START, END = "<!-- evaluation:start -->", "<!-- evaluation:end -->"


def current_table(doc: Path = DOC) -> str:
    text = doc.read_text()
    return text[text.index(START) + len(START) : text.index(END)].strip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the docs")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from webbscope.demo import demo_library, evaluate_search, evaluation_table, labelled_queries
    from webbscope.semantic import Embedder, default_model_dir

    scores = evaluate_search(Embedder(default_model_dir()))
    table = evaluation_table(scores, len(labelled_queries()), len(demo_library()))
    print(table)
    if args.check:
        return 0 if table == current_table() else 1
    text = DOC.read_text()
    before, after = text[: text.index(START) + len(START)], text[text.index(END) :]
    DOC.write_text(f"{before}\n{table}{after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
