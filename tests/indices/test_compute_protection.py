"""Indices computed from protected or perturbed counts say so in their result."""

from __future__ import annotations

import pandas as pd

import segregation as seg


def _counts(seed: int = 3) -> pd.DataFrame:
    frame = seg.synthetic(seg.load_regso(kommun=["0380", "0381"]), seed=seed)
    return frame[["born_abroad", "born_in_sweden"]]


def test_raw_counts_carry_no_protection_flag():
    result = seg.indices.compute(_counts(), group="born_abroad", against="born_in_sweden")
    assert result.attrs["segregation"]["protection"] is None


def test_indices_from_suppressed_estimates_are_flagged_as_protected_and_estimated():
    estimate = seg.disclosure.protect(_counts(), min_count=5, levels=["regso", "kommun"]).estimate()
    result = seg.indices.compute(estimate, group="born_abroad", against="born_in_sweden")
    info = result.attrs["segregation"]["protection"]
    assert info["protected"] is True
    assert info.get("estimated") is True


def test_indices_from_cell_key_perturbed_counts_are_flagged_with_the_method():
    counts = _counts()
    frame = seg.disclosure.perturb(counts, seed=1).wide()
    result = seg.indices.compute(
        frame[["born_abroad", "born_in_sweden"]], group="born_abroad", against="born_in_sweden"
    )
    info = result.attrs["segregation"]["protection"]
    assert info["protected"] is True
    assert info["method"] == "cell_key" and info["additive"] is False


def test_area_types_from_perturbed_counts_are_flagged():
    columns = [
        "population", "population_20_64", "low_economic_standard", "low_education",
        "assistance_or_unemployment",
    ]  # fmt: skip
    counts = seg.synthetic(seg.load_regso(lan="03"), seed=5)[columns]

    def index_of(frame):
        return seg.typology.socioeconomic_index(
            frame, population="population", population_20_64="population_20_64"
        )

    raw = index_of(counts)
    assert raw.attrs["protection"] is None
    perturbed = seg.disclosure.perturb(counts, seed=2).wide()[columns]
    index = index_of(perturbed)
    types = seg.typology.area_types(index)
    assert index.attrs["protection"]["method"] == "cell_key"
    assert types.attrs["protection"]["method"] == "cell_key"


def test_results_from_synthetic_counts_say_they_are_synthetic():
    counts = seg.synthetic(seg.load_regso(lan="03"), seed=8)
    result = seg.indices.compute(counts, group="born_abroad", total="population")
    assert result.attrs["segregation"]["synthetic"]["seed"] == 8
    index = seg.typology.socioeconomic_index(
        counts, population="population", population_20_64="population_20_64"
    )
    assert index.attrs["synthetic"]["seed"] == 8
    assert seg.typology.area_types(index).attrs["synthetic"]["seed"] == 8
    real = counts.copy()
    real.attrs = {}
    assert (
        seg.indices.compute(real, group="born_abroad", total="population").attrs["segregation"][
            "synthetic"
        ]
        is None
    )


def test_multiscalar_profiles_and_local_measures_carry_the_same_marks():
    counts = seg.synthetic(seg.load_regso(kommun="0380"), seed=4)
    estimate = seg.disclosure.protect(
        counts[["born_abroad", "born_in_sweden"]], min_count=5, levels=["regso", "kommun"]
    ).estimate()
    layer = seg.load_regso(kommun="0380")[["geometry"]].join(estimate)
    layer.attrs.update(estimate.attrs)  # a join keeps the left frame's attrs
    profile = seg.indices.multiscalar(
        layer, "dissimilarity", distances=[1000.0], group="born_abroad", against="born_in_sweden"
    )
    assert profile.attrs["segregation"]["protection"]["estimated"] is True
    quotients = seg.location_quotients(layer, groups=["born_abroad", "born_in_sweden"])
    assert quotients.attrs["segregation"]["protection"]["protected"] is True
    synthetic = seg.location_quotients(counts, groups=["born_abroad", "born_in_sweden"])
    assert synthetic.attrs["segregation"]["synthetic"]["seed"] == 4
