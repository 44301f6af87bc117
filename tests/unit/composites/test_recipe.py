"""Recipes: canonical JSON, ids that depend only on the content, validation, output grids."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.wcs import WCS
from pydantic import ValidationError

from webbscope.composites.plan import check_size, estimate, output_grid
from webbscope.composites.recipe import (
    RecipeIn,
    canonical_json,
    canonical_recipe,
    check_recipe,
    parse_canonical,
    recipe_id,
    record_ids,
)
from webbscope.errors import BadRequest, PayloadTooLarge
from webbscope.imaging import SkyGrid

SHAS = {"a" * 24: "1" * 64, "b" * 24: "2" * 64}


def _recipe(**extra: object) -> RecipeIn:
    return RecipeIn.model_validate(
        {
            "channels": [
                {"record_id": "a" * 24, "color": "red"},
                {"record_id": "b" * 24, "color": 200},
            ],
            **extra,
        }
    )


def test_id_is_the_hash_of_the_canonical_recipe() -> None:
    one = canonical_recipe(_recipe(), SHAS)
    # The same content written differently (defaults spelled out, keys reordered): same recipe.
    spelled = RecipeIn.model_validate(
        {
            "grid": {"mode": "union"},
            "channels": [
                {"color": "red", "record_ids": ["a" * 24], "stretch": "asinh", "interval": "99.50"},
                {"record_id": "b" * 24, "color": 200.0, "weight": 1},
            ],
            "name": "a name is not part of the recipe",
        }
    )
    assert recipe_id(canonical_recipe(spelled, SHAS)) == recipe_id(one)
    assert len(recipe_id(one)) == 32
    assert one["inputs"] == [
        {"record_id": "a" * 24, "sha256": "1" * 64},
        {"record_id": "b" * 24, "sha256": "2" * 64},
    ]
    assert one["software"].startswith("webbscope ")
    # Any change of content, or of an input's bytes, is another composite.
    assert recipe_id(canonical_recipe(_recipe(adjust={"saturation": 1.2}), SHAS)) != recipe_id(one)
    assert recipe_id(canonical_recipe(_recipe(), {**SHAS, "b" * 24: "3" * 64})) != recipe_id(one)
    # Round trip: the stored recipe parses back to the same canonical form.
    again = canonical_recipe(parse_canonical(one), SHAS)
    assert canonical_json(again) == canonical_json(one)


def test_validation() -> None:
    with pytest.raises(ValidationError):
        RecipeIn.model_validate({"channels": []})
    with pytest.raises(ValidationError):
        RecipeIn.model_validate({"channels": [{"record_id": "x"}] * 9})
    with pytest.raises(ValidationError):
        RecipeIn.model_validate({"channels": [{}]})
    with pytest.raises(ValidationError):
        _recipe(output={"preset": "imax"})
    with pytest.raises(BadRequest) as err:
        check_recipe(RecipeIn.model_validate({"channels": [{"record_id": "x", "color": "nope"}]}))
    assert err.value.code == "unknown_colour"
    with pytest.raises(BadRequest):
        check_recipe(
            RecipeIn.model_validate({"channels": [{"record_id": "x"}], "grid": {"mode": "record"}})
        )
    assert record_ids(_recipe(grid={"mode": "record", "record_id": "c" * 24})) == [
        "a" * 24,
        "b" * 24,
        "c" * 24,
    ]


def _grid(n: int = 100) -> SkyGrid:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [10.0, 20.0]
    w.wcs.crpix = [50.5, 50.5]
    w.wcs.cdelt = [-1e-5, 1e-5]
    w.wcs.set()
    return SkyGrid(w, (n, n))


def test_output_geometry() -> None:
    ref = _grid()
    same = output_grid(ref, _recipe().output)
    assert same.shape == (100, 100)
    assert same.wcs is not None and np.allclose(same.wcs.wcs.crpix, [50.5, 50.5])
    half = output_grid(ref, _recipe(output={"scale": 0.5}).output)
    assert half.shape == (50, 50) and half.pixel_scale_arcsec() == pytest.approx(0.072, rel=1e-6)
    crop = output_grid(ref, _recipe(output={"crop": [10, 20, 40, 30]}).output)
    assert crop.shape == (30, 40)
    # display (x=10, y=20 from the top) is FITS pixel (10, 100-20-1): the crop's top-left pixel
    top_left = crop.wcs.pixel_to_world_values(0, 29)
    assert np.allclose(top_left, ref.wcs.pixel_to_world_values(10, 79))
    turned = output_grid(ref, _recipe(output={"rotate": 90}).output)
    assert turned.shape == (100, 100)
    wall = output_grid(ref, _recipe(output={"preset": "hd"}).output)
    assert wall.shape == (1080, 1920)
    with pytest.raises(PayloadTooLarge) as err:
        check_size(20_000, 20_000, 36_000_000)
    assert err.value.details["width"] == 20_000
    assert estimate(20_000, 20_000, 4, 36_000_000)["status"] == "fail"
    assert estimate(1000, 1000, 4, 36_000_000)["status"] == "ok"
