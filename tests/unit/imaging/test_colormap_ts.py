"""The browser's colour maps are the engine's: the generated TypeScript module is checked in
and must equal what scripts/gen_colormaps.py writes from the engine's tables."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np

from webbscope.imaging import COLORMAPS, colormap_lut

ROOT = Path(__file__).resolve().parents[3]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_colormaps", ROOT / "scripts/gen_colormaps.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_module_equals_the_engine_tables() -> None:
    gen = _generator()
    assert gen.OUT.read_text() == gen.colormap_module(), (
        "frontend colour maps differ from the engine's: run scripts/gen_colormaps.py"
    )


def test_every_engine_map_is_in_the_browser_entry_for_entry() -> None:
    text = _generator().OUT.read_text()
    body = text[text.index("COLORMAP_RGB_HEX") :]
    for name in COLORMAPS:
        match = re.search(rf"\n  {name}:\n((?:    '[0-9a-f]+'(?: \+)?\n?)+),", body)
        assert match, f"{name} missing from the browser's maps"
        hex_rgb = "".join(re.findall(r"'([0-9a-f]+)'", match.group(1)))
        rgb = np.frombuffer(bytes.fromhex(hex_rgb), np.uint8).reshape(256, 3)
        np.testing.assert_array_equal(rgb, colormap_lut(name)[:, :3])
