"""Keyword ranking, rank fusion and query hints."""

from __future__ import annotations

from webbscope.discovery import resolve_place
from webbscope.semantic import KeywordIndex, hybrid, parse_hints, reciprocal_rank_fusion, tokens


def test_tokens_drop_stopwords_and_leading_zeros_match() -> None:
    assert tokens("MIRI images of the 02731 programme") == ["miri", "02731", "2731", "programme"]


def test_bm25_ranks_the_record_with_more_matching_words_first() -> None:
    kw = KeywordIndex()
    kw.put("a", "ngc 3324 nircam f444w")
    kw.put("b", "ngc 3324 miri f770w")
    kw.put("c", "stephans quintet nircam f200w")
    attrs = {k: {"ok": True} for k in "abc"}
    hits = kw.search("nircam ngc 3324", None, attrs)
    assert [h.id for h in hits] == ["a", "b", "c"]
    assert set(hits[0].matched) == {"nircam", "ngc", "3324"}
    # filters apply: only what passes comes back
    assert [h.id for h in kw.search("nircam", lambda a: False, attrs)] == []
    kw.remove("a")
    assert [h.id for h in kw.search("f444w", None, attrs)] == []


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion({"keyword": ["x", "y"], "semantic": ["y", "z"]})
    assert [f.id for f in fused] == ["y", "x", "z"]
    assert fused[0].ranks == {"keyword": 2, "semantic": 1}


def test_hybrid_says_why_and_drops_weak_semantic_matches() -> None:
    ranked = hybrid([("a", 3.0, ["miri"])], [("b", 0.6), ("a", 0.5), ("c", 0.05)], min_score=0.2)
    assert [r.id for r in ranked] == ["a", "b"]
    assert ranked[0].why == ["matched words: miri", "similar in meaning (0.50)"]
    assert [
        r.id for r in hybrid([("a", 3.0, ["miri"])], [("b", 0.6)], min_score=0.2, mode="keyword")
    ] == ["a"]


def test_the_issues_example_becomes_three_chips() -> None:
    hints = parse_hints("MIRI images of Carina longer than 10 microns", resolve_place)
    by_key = {c.key: c for c in hints.chips}
    assert by_key["instrument"].params == {"instrument": ["MIRI"]}
    assert by_key["wavelength_min"].params == {"wavelength_min": 10.0}
    near = by_key["near"].params
    assert abs(near["ra"] - 159.2) < 0.5 and abs(near["dec"] + 58.6) < 0.5
    assert by_key["near"].label == "Near Carina Nebula"
    assert "10" not in hints.residual and "miri" not in hints.residual.lower()
    # a dropped chip no longer filters
    assert "instrument" not in hints.params(["instrument"])


def test_filters_levels_and_ranges_are_understood() -> None:
    hints = parse_hints("my level 3 F444W data between 2 and 5 µm", None)
    params = hints.params()
    assert params["filter"] == ["F444W"]
    assert params["processing_level"] == ["3"]
    assert params["owner"] == "me"
    assert (params["wavelength_min"], params["wavelength_max"]) == (2.0, 5.0)
    assert parse_hints("galaxies", resolve_place).chips == []
