"""Record prose, the JWST filter table and the real embedding model."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from webbscope.jwst import effective_filter, filter_info, wavelength_words
from webbscope.semantic import (
    DIMENSION,
    Embedder,
    ModelUnavailable,
    TextContext,
    build_context,
    check_model_dir,
    record_text,
)

DOC = {
    "file_name": "jw02731-o001_t017_nircam_clear-f444w_i2d.fits",
    "source": "mast",
    "processing_level": "3",
    "product_type": "i2d",
    "tags": ["pillars"],
    "description": "Hot dust at the cliff edge",
    "metadata": {
        "instrument": "NIRCAM",
        "filter": "F444W",
        "pupil": "CLEAR",
        "target_name": "NGC 3324",
        "program": "02731",
        "exposure_time": 1288.4,
        "exposure_start": datetime(2022, 6, 3, 1, 2, tzinfo=UTC),
        "center_ra": 159.2,
        "center_dec": -58.6,
    },
}


def test_filters_have_pivot_wavelengths_from_the_jwst_tables() -> None:
    f444 = filter_info("F444W", "NIRCAM")
    assert f444 is not None and f444.pivot_um == pytest.approx(4.421) and f444.width == "wide"
    assert wavelength_words(f444) == "4.42 micron wide band"
    assert filter_info("F1130W", "MIRI").pivot_um == pytest.approx(11.309)  # type: ignore[union-attr]
    assert filter_info("F187N").width == "narrow"  # type: ignore[union-attr]
    assert effective_filter("F444W", "F405N") == "F405N"  # the pupil-wheel narrow band
    assert effective_filter("CLEAR-F090W") == "F090W"
    assert filter_info("G395M") is None and filter_info("CLEAR") is None


def test_record_prose_says_what_the_metadata_means() -> None:
    context = build_context(DOC, primary_cards={"TITLE": "Carina ERO", "PI_NAME": "K. Pontoppidan"})
    text = record_text(DOC, context)
    for words in (
        "JWST NIRCam resampled mosaic image of NGC 3324",
        "Cosmic Cliffs",
        "star-forming region",
        "F444W filter, the 4.42 micron wide band, covering 3.91 to 4.93 microns",
        "level 3 combined science product",
        "Exposure time 21 minutes, observed on 3 June 2022",
        "In the constellation Carina.",
        "JWST programme 2731, \u201cCarina ERO\u201d, principal investigator K. Pontoppidan",
        "imported from the MAST archive",
        "Hot dust at the cliff edge.",
        "Tags: pillars.",
    ):
        assert words in text, words


def test_a_derived_record_says_what_it_was_made_from() -> None:
    derived = {
        **DOC,
        "source": "derived",
        "product_type": "composite",
        "lineage": {"note": "RGB composite"},
    }
    text = record_text(
        derived, TextContext(inputs=["a_f090w.fits (NIRCAM F090W)", "b_f444w.fits (NIRCAM F444W)"])
    )
    assert "colour composite image" in text
    assert "Made from a_f090w.fits (NIRCAM F090W); b_f444w.fits (NIRCAM F444W)." in text


def test_missing_model_files_are_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelUnavailable, match=r"model\.safetensors"):
        check_model_dir(tmp_path)
    with pytest.raises(ModelUnavailable):
        check_model_dir(None)


def test_the_real_model_puts_related_sentences_close(embedder: Embedder) -> None:
    v = embedder.encode(
        [
            "planetary nebula: shells of gas around a dying star",
            "NGC 3132, the Southern Ring Nebula, a planetary nebula",
            "a barred spiral galaxy with dust lanes",
        ]
    )
    assert v.shape == (3, DIMENSION) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]
    # the same text gives the same vector
    assert np.allclose(
        embedder.encode(["planetary nebula: shells of gas around a dying star"])[0], v[0], atol=1e-3
    )
