"""Claims about reading SCB exports, matching labels to RegSO and joining onto boundaries."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segregation as seg
from segregation.data.scb_files import InvalidCountError, check_counts
from segregation.errors import (
    EditionMismatchError,
    InvalidCodeError,
    SegregationError,
    UnmatchedError,
)

BORN = "regso_born_in_sweden_total_2020_2023.csv"
TENURE = "regso_dwellings_by_tenure_2020_2023.csv"
WAGE = "regso_mean_wage_income_2020_2023.csv"
POPULATION_2023, BORN_IN_SWEDEN_2023 = 10_551_707, 8_381_080
DWELLINGS_2023 = {"hyresrätt": 2_021_973, "bostadsrätt": 1_261_725, "äganderätt": 1_927_693}
TENURE_COLUMNS = {
    "hyresrätt": "hyresratt",
    "bostadsrätt": "bostadsratt",
    "äganderätt": "aganderatt",
}


@pytest.fixture(scope="module")
def regso():
    return seg.load_regso()


@pytest.fixture(scope="module")
def born(shared_data):
    return seg.read_scb(shared_data / "regso_stats" / BORN)


@pytest.fixture(scope="module")
def tenure(shared_data):
    return seg.read_scb(shared_data / "regso_stats" / TENURE)


@pytest.fixture(scope="module")
def match(born, regso):
    return seg.match_areas(born["region"], regso)


def quiet_join(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seg.SegregationWarning)
        return seg.join(*args, **kwargs)


# ----------------------------------------------------------------- real files
def test_born_file_gives_scb_totals_for_2023(born):
    assert list(born.columns) == ["region", "födelseregion", "kön", "year", "value"]
    assert born["year"].dtype.kind == "i" and sorted(born["year"].unique()) == [
        2020,
        2021,
        2022,
        2023,
    ]
    y = born[born["year"] == 2023]
    assert y.loc[y["födelseregion"] == "totalt", "value"].sum() == POPULATION_2023
    assert y.loc[y["födelseregion"] == "Sverige", "value"].sum() == BORN_IN_SWEDEN_2023
    assert born.attrs["measure"] == "Antal" and born.attrs["kind"] == "count"
    assert born.attrs["report"]["encoding"] == "utf-8-sig"
    assert born.attrs["report"]["rows"] == 3363 * 2 * 4


def test_tenure_file_gives_scb_dwelling_totals_for_2023(tenure):
    y = tenure[tenure["year"] == 2023].groupby("upplåtelseform")["value"].sum()
    for form, total in DWELLINGS_2023.items():
        assert y[form] == total


def test_wage_file_keeps_measure_and_unit(shared_data):
    wage = seg.read_scb(shared_data / "regso_stats" / WAGE)
    assert wage.attrs["measure"] == "Medelvärde för samtliga"
    assert wage.attrs["unit"] == "tkr"
    assert wage.attrs["kind"] == "other"
    assert wage["value"].dtype == float
    first = wage[(wage["region"] == "Upplands Väsby (Bollstanäs)") & (wage["year"] == 2023)]
    assert first["value"].item() == pytest.approx(409.7)


def test_all_but_a_handful_of_labels_match_and_each_unmatched_gets_a_suggestion(match, regso):
    result = match
    assert result.summary["labels"] == 3363
    assert result.summary["exact"] == 3323
    assert result.summary["unmatched"] == len(result.report) == 7
    assert result.report["suggestion"].notna().all()
    assert result.report["suggestion"].isin(regso.index).all()
    assert result.mapping.is_unique  # no two labels on one area


def test_kiruna_labels_are_edition_changes_not_guesses(born, regso):
    result = seg.match_areas(born["region"], regso, accept_spelling=True)
    kiruna = result.report[result.report["kommunkod"] == "2584"]
    assert sorted(kiruna["label"]) == ["Kiruna (Bolaget )", "Kiruna (Övre Norrmalm)"]
    assert (kiruna["reason"] == "edition change").all()
    assert not result.mapping.index.str.startswith("Kiruna (Bolaget").any()
    assert result.summary["unmatched"] == 2


def test_spelling_differences_suggest_the_right_area(match):
    report = match.report.set_index("label")
    expected = {
        "Täby (Näsby Park)": "Täby (Näsbypark)",
        "Täby (Karlsund)": "Täby (Karlslund)",
        "Arboga (Nästkvarn-Studrestaden)": "Arboga (Nästkvarn-Sturestaden)",
        "Värmdö (Norra Värdölandet-Skärgården)": "Värmdö (Norra Värmdölandet-Skärgården)",
        "Malmö (RegSO-Ön norr)": "Malmö (RegSO-Ön)",
    }
    for label, area in expected.items():
        assert report.loc[label, "reason"] == "spelling"
        assert report.loc[label, "suggestion_label"] == area


def test_joined_plus_reported_rows_add_up_to_scb_totals(born, tenure, regso, match):
    joined = quiet_join(
        regso,
        born,
        year=2023,
        match=match,
        columns={"Sverige": "born_in_sweden", "totalt": "population"},
        totals={"born_in_sweden": "population"},
    )
    report = joined.attrs["report"]
    assert len(joined) == 3363 and joined.index.equals(regso.index)
    for column, total in (("population", POPULATION_2023), ("born_in_sweden", BORN_IN_SWEDEN_2023)):
        reported = sum(row[column] for row in report["data_without_areas"])
        assert joined[column].sum() + reported == total
    assert report["matched"] + len(report["data_without_areas"]) == 3363

    dwellings = quiet_join(regso, tenure, year=2023, columns=TENURE_COLUMNS, match=match)
    for form, total in DWELLINGS_2023.items():
        column = TENURE_COLUMNS[form]
        reported = sum(r[column] for r in dwellings.attrs["report"]["data_without_areas"])
        assert dwellings[column].sum() + reported == total


def test_join_with_accepted_spelling_leaves_only_the_edition_changes(born, regso):
    match = seg.match_areas(born["region"], regso, accept_spelling=True)
    joined = quiet_join(regso, born, year=2023, match=match, columns={"totalt": "population"})
    report = joined.attrs["report"]
    assert [r["region"] for r in report["data_without_areas"]] == [
        "Kiruna (Bolaget )",
        "Kiruna (Övre Norrmalm)",
    ]
    assert all(r["reason"] == "edition change" for r in report["data_without_areas"])
    # Kiruna's merged Norrmalm and Gällivare's new area have no 2020-edition row
    assert report["areas_without_data"] == ["2523R011", "2584R015"]
    assert joined.loc["0160R013", "population"] == 1840  # Täby (Näsby Park)


def test_join_warns_and_raises_on_unmatched(born, regso, match):
    with pytest.warns(seg.SegregationWarning, match="7 areas have no data"):
        seg.join(regso, born, year=2023, columns={"totalt": "population"})  # matches by itself
    with pytest.raises(UnmatchedError, match="Värmdö"):
        seg.join(
            regso,
            born,
            year=2023,
            columns={"totalt": "population"},
            match=match,
            on_unmatched="raise",
        )


def test_strict_matching_lists_labels_with_suggestions(born, regso):
    with pytest.raises(UnmatchedError, match=r"7 labels match no area: .*Näsbypark"):
        seg.match_areas(born["region"], regso, strict=True)


# ----------------------------------------------------------------- formats
def _sample(born: pd.DataFrame, n_regions: int = 40) -> pd.DataFrame:
    regions = born["region"].unique()[:n_regions]
    return born[born["region"].isin(regions)].reset_index(drop=True)


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    wide = frame.pivot_table(
        index=["region", "födelseregion", "kön"], columns="year", values="value", sort=False
    )
    wide.columns = [f"Antal {y}" for y in wide.columns]
    return wide.reset_index()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
    )


@pytest.mark.parametrize(
    ("sep", "encoding"),
    [(",", "utf-8"), (";", "cp1252"), ("\t", "utf-8-sig"), (";", "latin-1"), ("\t", "cp1252")],
    ids=["comma-utf8", "semicolon-cp1252", "tab-bom", "semicolon-latin1", "tab-cp1252"],
)
def test_csv_dialects_and_encodings_read_alike(born, tmp_path, sep, encoding):
    sample = _sample(born)
    path = tmp_path / "export.csv"
    _wide(sample).to_csv(path, sep=sep, index=False, encoding=encoding)
    frame = seg.read_scb(path)
    _same(
        frame.sort_values(["region", "födelseregion", "year"]),
        sample.sort_values(["region", "födelseregion", "year"]),
    )
    assert frame.attrs["report"]["sep"] == sep


def test_decimal_comma_and_thousands_spaces_are_read(tmp_path):
    path = tmp_path / "wage.csv"
    path.write_bytes(
        "region;kön;Medelvärde, tkr 2023\nÅre (Järpen);totalt;409,7\nÅre (Duved);totalt;1 204,5\n".encode(
            "cp1252"
        )
    )
    frame = seg.read_scb(path)
    assert frame["value"].tolist() == [409.7, 1204.5]
    assert frame["region"].tolist() == ["Åre (Järpen)", "Åre (Duved)"]
    assert frame.attrs["report"]["encoding"] == "cp1252"


def test_title_lines_and_footnotes_are_skipped_and_kept(tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text(
        "Folkmängd efter region och år\n\n"
        '"region","Antal 2022","Antal 2023"\n"Åre (Järpen)",3100,3120\n"Åre (Duved)",..,.\n'
        "\nFotnot: .. = uppgift saknas\n",
        encoding="utf-8",
    )
    frame = seg.read_scb(path)
    assert frame["value"].isna().sum() == 2
    assert frame.attrs["report"]["missing"] == {"..": 1, ".": 1}
    assert frame.attrs["report"]["missing_examples"] == ["Åre (Duved) 2022", "Åre (Duved) 2023"]
    assert frame.attrs["report"]["notes"] == ["Fotnot: .. = uppgift saknas"]


def test_dash_means_zero_and_is_counted(tmp_path):
    path = tmp_path / "dash.csv"
    path.write_text('"region","Antal 2023"\n"A (a)",-\n"A (b)",5\n', encoding="utf-8")
    frame = seg.read_scb(path)
    assert frame["value"].tolist() == [0, 5]
    assert frame.attrs["report"]["dash_zero"] == 1


def test_long_format_with_year_column(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("region;år;Antal\n0114R001;2022;5982\n0114R001;2023;5920\n", encoding="utf-8")
    frame = seg.read_scb(path)
    assert frame[["year", "value"]].to_numpy().tolist() == [[2022, 5982], [2023, 5920]]
    assert frame.attrs["measure"] == "Antal"


def test_xlsx_with_title_and_merged_cells_reads_like_csv(born, tmp_path):
    import openpyxl

    sample = _sample(born, 10)
    wide = _wide(sample)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Folkmängd efter region, födelseregion, kön och år"])
    sheet.append([])
    sheet.append(list(wide.columns))
    previous = None
    for row in wide.itertuples(index=False):
        values = list(row)
        shown = ["" if values[0] == previous else values[0], *values[1:]]  # merged region cells
        previous = values[0]
        sheet.append(
            [
                None if v == "" else (int(v) if isinstance(v, (np.integer, float)) else v)
                for v in shown
            ]
        )
    path = tmp_path / "export.xlsx"
    book.save(path)
    frame = seg.read_scb(path)
    key = ["region", "födelseregion", "year"]
    _same(frame.sort_values(key), sample.sort_values(key))
    assert frame.attrs["report"]["filled_down"] == 10
    assert frame.attrs["report"]["format"] == "xlsx"


def test_jsonstat2_file_reads_codes_years_and_markers(tmp_path):
    data = {
        "version": "2.0",
        "class": "dataset",
        "label": "Folkmängd efter region, födelseregion och år",
        "id": ["Region", "Fodelseregion", "ContentsCode", "Tid"],
        "size": [2, 2, 1, 2],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "dimension": {
            "Region": {
                "label": "region",
                "category": {
                    "index": {"0114R001_RegSO2025": 0, "0114R002_RegSO2025": 1},
                    "label": {"0114R001_RegSO2025": "Bollstanäs", "0114R002_RegSO2025": "Hammarby"},
                },
            },
            "Fodelseregion": {
                "label": "födelseregion",
                "category": {"index": ["11", "TOT"], "label": {"11": "Sverige", "TOT": "totalt"}},
            },
            "ContentsCode": {
                "label": "tabellinnehåll",
                "category": {
                    "index": {"BE0101N1": 0},
                    "label": {"BE0101N1": "Antal"},
                    "unit": {"BE0101N1": {"base": "antal", "decimals": 0}},
                },
            },
            "Tid": {"label": "år", "category": {"index": {"2022": 0, "2023": 1}}},
        },
        "value": [4916, 4843, 5982, 5920, None, 1894, 2806, 2884],
        "status": {"4": ".."},
    }
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    frame = seg.read_scb(path)
    assert list(frame.columns) == ["region", "födelseregion", "year", "value"]
    assert frame["region"].iloc[0] == "0114R001_RegSO2025"
    assert frame.loc[frame["födelseregion"] == "totalt", "value"].tolist() == [
        5982,
        5920,
        2806,
        2884,
    ]
    assert frame["value"].isna().sum() == 1
    assert frame.attrs["report"]["missing"] == {"..": 1}
    assert frame.attrs["measure"] == "Antal" and frame.attrs["unit"] == "antal"
    assert frame.attrs["labels"]["region"]["0114R002_RegSO2025"] == "Hammarby"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.one_of(st.integers(0, 10**7), st.sampled_from(["..", "."])), min_size=1, max_size=30
    ),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    names=st.lists(
        st.text("abcåäöÅÄÖ -", min_size=1, max_size=12).map(str.strip).filter(bool),
        min_size=1,
        max_size=30,
        unique=True,
    ),
)
def test_any_dialect_round_trips_values_and_markers(tmp_path_factory, values, sep, encoding, names):
    n = min(len(values), len(names))
    labels = [f"Åre ({name})" for name in names[:n]]
    lines = [sep.join(['"region"', '"Antal 2023"'])] + [
        sep.join([f'"{label}"', str(v)]) for label, v in zip(labels, values[:n], strict=True)
    ]
    path = tmp_path_factory.mktemp("rt") / "export.csv"
    path.write_bytes("\n".join(lines).encode(encoding))
    frame = seg.read_scb(path)
    assert frame["region"].tolist() == labels
    expected = [None if isinstance(v, str) else v for v in values[:n]]
    got = [None if pd.isna(v) else int(v) for v in frame["value"]]
    assert got == expected
    markers = sum(1 for v in values[:n] if isinstance(v, str))
    assert sum(frame.attrs["report"]["missing"].values()) == markers


def test_unreadable_values_are_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('"region","Antal 2023"\n"A (a)",12x\n"A (b)",5\n', encoding="utf-8")
    with pytest.raises(SegregationError, match=r"1 values are neither numbers .*12x"):
        seg.read_scb(path)


def test_unknown_file_type_says_which_are_read(tmp_path):
    path = tmp_path / "export.px"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(SegregationError, match=r"expected \.csv"):
        seg.read_scb(path)


# ----------------------------------------------------------------- validation
def _codes(n: int) -> pd.Index:
    return pd.Index([f"0114R{i:03d}" for i in range(1, n + 1)], name="regsokod")


def test_negative_counts_name_first_five_rows_and_count():
    frame = pd.DataFrame({"population": [-1, -2, 3, -4, -5, -6, -7, 8]}, index=_codes(8))
    with pytest.raises(InvalidCountError) as info:
        check_counts(frame)
    message = str(info.value)
    assert message.startswith("6 rows have a negative count in 'population'")
    assert (
        "0114R001 (-1), 0114R002 (-2), 0114R004 (-4), 0114R005 (-5), 0114R006 (-6) and 1 more"
        in message
    )


def test_non_integer_counts_are_named():
    frame = pd.DataFrame({"population": [10.0, 2.5, 3.0]}, index=_codes(3))
    with pytest.raises(
        InvalidCountError, match=r"1 row has a non-whole count in 'population': 0114R002 \(2.5\)"
    ):
        check_counts(frame)


def test_group_larger_than_total_is_named():
    frame = pd.DataFrame({"population": [10, 5, 7], "born_abroad": [3, 6, 9]}, index=_codes(3))
    with pytest.raises(
        InvalidCountError,
        match=r"2 rows have born_abroad > population: 0114R002 \(6 > 5\), 0114R003 \(9 > 7\)",
    ):
        check_counts(frame, totals={"born_abroad": "population"})


def test_duplicated_codes_are_named():
    frame = pd.DataFrame(
        {"population": [1, 2, 3]}, index=pd.Index(["0114R001", "0114R002", "0114R001"])
    )
    with pytest.raises(InvalidCodeError, match="1 code occurs on more than one row: 0114R001"):
        check_counts(frame)


def test_check_counts_rejects_codes_of_two_editions_naming_both():
    frame = pd.DataFrame(
        {"population": [1, 2, 3]}, index=pd.Index(["0114R001", "0114R002_RegSO2025", "0114R003"])
    )
    with pytest.raises(
        EditionMismatchError, match=r"1 suffixed \(e.g. 0114R002_RegSO2025\) and 2 .*0114R001"
    ):
        check_counts(frame)
    suffixed = pd.DataFrame(
        {"population": [1, 2]}, index=["0114R001_RegSO2025", "0114R002_RegSO2025"]
    )
    check_counts(suffixed)  # one edition: fine


def test_check_counts_rejects_deso_and_regso_codes_together():
    frame = pd.DataFrame({"population": [1, 2]}, index=["0114A0010", "0114R001"])
    with pytest.raises(InvalidCodeError, match=r"1 DeSO \(e.g. 0114A0010\) and 1 RegSO"):
        check_counts(frame)


def test_values_that_are_not_numbers_are_named_not_a_bare_value_error():
    frame = pd.DataFrame(
        {"population": ["10", "x", None, "5"], "born_abroad": [1, 1, 0, 1]}, index=_codes(4)
    )
    with pytest.raises(
        InvalidCountError,
        match=r"1 row has a value that is not a number in 'population': "
        r"0114R002 \('x'\)",
    ):
        check_counts(frame, totals={"born_abroad": "population"})
    frame.loc["0114R002", "population"] = "2"
    frame.loc["0114R004", "born_abroad"] = 6
    with pytest.raises(InvalidCountError, match=r"born_abroad > population: 0114R004 \(6 > 5\)"):
        check_counts(frame, totals={"born_abroad": "population"})


def test_a_column_that_is_not_there_is_named():
    frame = pd.DataFrame({"population": [1, 2]}, index=_codes(2))
    with pytest.raises(SegregationError, match="No column born_abroad to check; the frame has"):
        check_counts(frame, totals={"born_abroad": "population"})


def test_join_rejects_group_larger_than_total(regso):
    table = pd.DataFrame(
        {"population": [100, 50], "born_abroad": [10, 70]}, index=["0114R001", "0114R002"]
    )
    with pytest.raises(InvalidCountError, match="0114R002"):
        quiet_join(regso, table, totals={"born_abroad": "population"})


def test_join_rejects_mixed_editions(regso):
    table = pd.DataFrame({"population": [100, 50]}, index=["0114R001_RegSO2025", "0114R002"])
    with pytest.raises(EditionMismatchError):
        quiet_join(regso, table)


def test_join_rejects_two_rows_on_one_area(regso):
    table = pd.DataFrame({"population": [100, 50]}, index=["0114R001", "0114R001_RegSO2025"])
    with pytest.raises((InvalidCodeError, EditionMismatchError)):
        quiet_join(regso, table)
    labels = pd.DataFrame(
        {"population": [100, 50]},
        index=["Upplands Väsby (Bollstanäs)", "upplands väsby (bollstanäs)"],
    )
    with pytest.raises(
        InvalidCodeError, match=r"0114R001 \(rows Upplands Väsby \(Bollstanäs\), upplands"
    ):
        quiet_join(regso, labels)


def test_join_takes_suffixed_and_prefixed_codes(regso):
    table = pd.DataFrame(
        {"population": [100, 50]}, index=["0114R001_RegSO2025", "0114R002_RegSO2025"]
    )
    joined = quiet_join(regso, table)
    assert joined.loc["0114R001", "population"] == 100
    assert joined.attrs["report"]["matched"] == 2
    assert len(joined.attrs["report"]["areas_without_data"]) == 3361
    prefixed = pd.DataFrame(
        {"population": [7]}, index=["0114R002 Upplands Väsby (Hammarby-Vaxmyra)"]
    )
    assert quiet_join(regso, prefixed).loc["0114R002", "population"] == 7


def test_join_reports_codes_outside_the_areas(regso):
    areas = regso[regso["kommunkod"] == "0114"]
    table = pd.DataFrame({"population": [100, 50]}, index=["0114R001", "0180R001"])
    joined = quiet_join(areas, table)
    assert joined.attrs["report"]["data_without_areas"] == [
        {
            "region": "0180R001",
            "code": "0180R001",
            "reason": "code not among the areas",
            "population": 50,
        }
    ]


def test_join_needs_a_year_when_the_table_has_several(born, regso):
    with pytest.raises(SegregationError, match="pass year="):
        seg.join(regso, born)


def test_two_varying_categories_become_joined_column_names(regso):
    tidy = pd.DataFrame(
        {
            "region": ["0114R001"] * 4,
            "födelseregion": ["Sverige", "Sverige", "totalt", "totalt"],
            "kön": ["män", "kvinnor", "män", "kvinnor"],
            "year": [2023] * 4,
            "value": [2400, 2443, 2950, 2970],
        }
    )
    joined = quiet_join(
        regso, tidy, columns={"totalt / män": "men", "Sverige / kvinnor": "sw_women"}
    )
    assert joined.loc["0114R001", ["men", "sw_women"]].tolist() == [2950, 2443]


def test_header_is_found_when_most_rows_have_empty_cells(tmp_path):
    path = tmp_path / "sparse.csv"
    rows = ["Titel", '"region","kön","Antal 2021","Antal 2022","Antal 2023"']
    rows += [f'"Åre (a{i})","totalt",,,{i}' for i in range(6)]
    path.write_text("\n".join(rows), encoding="utf-8")
    frame = seg.read_scb(path)
    assert list(frame.columns) == ["region", "kön", "year", "value"]
    assert frame.attrs["report"]["empty"] == 12
    assert frame.loc[frame["year"] == 2023, "value"].tolist() == list(range(6))


def _two_editions(values_2020, values_2025):
    return pd.DataFrame(
        {"population": [*values_2020, *values_2025]},
        index=["0114R001", "0114R002", "0114R001_RegSO2025", "0114R002_RegSO2025"],
    )


def test_table_spanning_two_editions_joins_the_edition_with_values(regso):
    areas = regso[regso["kommunkod"] == "0114"]
    table = _two_editions([None, None], [5920, 2884])
    joined = quiet_join(areas, table)
    assert joined.loc[["0114R001", "0114R002"], "population"].tolist() == [5920, 2884]
    reported = joined.attrs["report"]["data_without_areas"]
    assert [(r["region"], r["reason"]) for r in reported] == [
        ("0114R001", "other edition"),
        ("0114R002", "other edition"),
    ]


def test_two_editions_with_values_need_an_explicit_edition(regso):
    areas = regso[regso["kommunkod"] == "0114"]
    table = _two_editions([6019, 2533], [5920, 2884])
    with pytest.raises(EditionMismatchError, match="mixed"):
        quiet_join(areas, table)
    older = quiet_join(areas, table, edition=2020)
    assert older.loc["0114R001", "population"] == 6019
    newer = quiet_join(areas, table, edition=2025)
    assert newer.loc["0114R001", "population"] == 5920
    assert sum(r["population"] for r in newer.attrs["report"]["data_without_areas"]) == 6019 + 2533


def test_unquoted_title_with_commas_is_not_taken_for_the_header(tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text(
        "Folkmängd efter region, kön och år\nregion,kön,Antal 2023\nÅre (Järpen),totalt,3120\n",
        encoding="utf-8",
    )
    frame = seg.read_scb(path)
    assert list(frame.columns) == ["region", "kön", "year", "value"]
    assert frame["value"].tolist() == [3120]


def test_wide_table_with_a_code_column_is_keyed_by_it(regso):
    table = pd.DataFrame({"regsokod": ["0114R001", "0114R002"], "population": [100, 50]})
    joined = quiet_join(regso[regso["kommunkod"] == "0114"], table)
    assert joined.loc["0114R002", "population"] == 50
    with pytest.raises(SegregationError, match="not indexed by area"):
        quiet_join(regso, pd.DataFrame({"population": [1, 2]}))


def test_total_rows_blank_labels_and_codes_among_labels_are_reported_not_guessed(regso):
    table = pd.DataFrame(
        {
            "region": [
                "Riket",
                "Upplands Väsby",
                "0114 Upplands Väsby",
                "Stockholms län",
                "Upplands Väsby (Bollstanäs)",
                None,
                "0114R002",
            ],
            "year": 2023,
            "value": [100, 50, 50, 80, 10, 5, 7],
        }
    )
    areas = regso[regso["kommunkod"] == "0114"]
    match = seg.match_areas(table["region"], areas, accept_spelling=True)
    reasons = match.report.set_index("label")["reason"].to_dict()
    assert reasons["Riket"] == "national total"
    assert reasons["Upplands Väsby"] == reasons["0114 Upplands Väsby"] == "kommun total"
    assert reasons["Stockholms län"] == "län total"
    assert reasons[""] == "blank label"
    assert "Upplands Väsby" not in match.mapping.index  # accept_spelling does not take it
    joined = quiet_join(areas, table, year=2023)
    assert joined.loc["0114R001", "value"] == 10 and joined.loc["0114R002", "value"] == 7
    lost = joined.attrs["report"]["data_without_areas"]
    assert sorted(r["reason"] for r in lost) == [
        "blank label",
        "kommun total",
        "kommun total",
        "län total",
        "national total",
    ]
    # nothing dropped: joined plus reported equals the table
    assert joined["value"].sum() + sum(r["value"] for r in lost) == table["value"].sum()
