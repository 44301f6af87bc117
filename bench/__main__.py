"""`python -m bench [name ...]`: run the benchmarks (all by default) and print their tables."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = [
    "library_bench",
    "jobs_bench",
    "archive_bench",
    "imaging_bench",
    "engine_bench",
    "composite_bench",
    "analysis_bench",
    "semantic_bench",
    "thumbnail_bench",
    "auth_bench",
    "replica_bench",
]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"== {name}: not present", flush=True)
                continue
            raise
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        module.main()
        print(f"== {name}: {time.perf_counter() - start:.1f} s\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
