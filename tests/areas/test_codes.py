from __future__ import annotations

import pandas as pd
import pytest

import segregation as seg
from segregation.areas import codes


def test_parse_codes_derives_kommun_lan_and_category_for_every_level():
    parsed = seg.parse_codes(
        ["0114A0010", "0114C1010_DeSO2025", "0114R001", "0114R001_RegSO2025", "0114", "01", "00"]
    )
    assert parsed["level"].tolist() == ["deso", "deso", "regso", "regso", "kommun", "lan", "riket"]
    assert parsed["kommunkod"].tolist()[:5] == ["0114"] * 5
    assert parsed["lanskod"].tolist()[:6] == ["01"] * 6
    assert pd.isna(parsed["lanskod"].iloc[6])
    assert parsed["deso_category"].tolist()[:2] == ["A", "C"]
    assert parsed["edition"].tolist()[:4] == [pd.NA, 2025, pd.NA, 2025]
    assert parsed["base_code"].tolist()[:4] == ["0114A0010", "0114C1010", "0114R001", "0114R001"]
    assert parsed["kommunnamn"].iloc[0] == "Upplands Väsby"
    assert parsed["lansnamn"].iloc[0] == "Stockholms län"


def test_parse_codes_keeps_the_input_index_and_strips_space():
    series = pd.Series([" 2080R003 ", "2080"], index=["a", "b"])
    parsed = seg.parse_codes(series)
    assert parsed.index.tolist() == ["a", "b"]
    assert parsed["code"].tolist() == ["2080R003", "2080"]


def test_default_edition_fills_only_unsuffixed_areas():
    parsed = seg.parse_codes(["0114A0010", "0114R001_RegSO2025", "0114"], default_edition=2018)
    assert parsed["edition"].tolist() == [2018, 2025, pd.NA]


@pytest.mark.parametrize(
    "bad",
    [
        "0114A001",
        "0114D0010",
        "114",
        "0114R01",
        "0114A0010_DeSO2019",
        "0114R001_RegSO2018",
        "",
        None,
    ],
)
def test_malformed_code_raises_invalid_code_error_naming_value_and_position(bad):
    with pytest.raises(seg.InvalidCodeError) as info:
        seg.parse_codes(["0114A0010", bad])
    assert "position 1" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_kommun_is_reported_with_all_offending_values():
    with pytest.raises(seg.InvalidCodeError, match=r"2 codes name a kommun.*'9999'.*'0199R001'"):
        seg.parse_codes(["9999", "0114", "0199R001"])


def test_many_bad_codes_are_summarised_with_a_count():
    with pytest.raises(seg.InvalidCodeError, match=r"7 malformed codes: .* and 2 more"):
        seg.parse_codes([f"x{i}" for i in range(7)])


def test_kommun_and_lan_tables_are_complete():
    kommuner = codes.kommuner()
    assert len(kommuner) == 290
    assert kommuner.index.is_unique
    assert (kommuner.index.str[:2] == kommuner["lanskod"]).all()
    assert len(codes.lan()) == 21


def test_names_match_scbs_code_list(shared_data):
    listed = pd.read_csv(shared_data / "codes" / "lan_kommun_2021.csv", dtype=str)
    expected = listed[listed["level"] == "kommun"].set_index("code")["name"]
    ours = codes.kommuner()["kommunnamn"]
    pd.testing.assert_series_equal(
        ours.sort_index(), expected.sort_index(), check_names=False, check_index_type=False
    )


def test_mixed_editions_are_refused_with_examples_of_each():
    mixed = seg.parse_codes(["0114A0010_DeSO2025", "0114A0020"])
    with pytest.raises(seg.EditionMismatchError, match=r"0114A0010_DeSO2025.*0114A0020"):
        codes.check_single_edition(mixed)


def test_strip_and_add_suffix_round_trip():
    base = ["0114A0010", "0114R001"]
    suffixed = codes.add_edition_suffix(base, 2025)
    assert suffixed.tolist() == ["0114A0010_DeSO2025", "0114R001_RegSO2025"]
    assert codes.strip_edition(suffixed).tolist() == base
