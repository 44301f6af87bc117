"""The direction of the package dependencies: pure record helpers (`records/`) below the
database layer (`db/`), and the library's ingest and read model (`library/`) above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "webbscope"


def imports_of(package: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        out[str(path.relative_to(SRC))] = names
    return out


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("db", ("webbscope.library", "webbscope.services")),
        ("records", ("webbscope.db", "webbscope.library", "webbscope.services", "pymongo")),
    ],
)
def test_lower_layers_do_not_import_upper_ones(package: str, forbidden: tuple[str, ...]) -> None:
    bad = {
        module: sorted(n for n in names if n.startswith(forbidden))
        for module, names in imports_of(package).items()
        if any(n.startswith(forbidden) for n in names)
    }
    assert bad == {}
