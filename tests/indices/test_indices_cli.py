"""``segregation indices`` on the command line: a CSV in, the tidy result out."""

from __future__ import annotations

import pandas as pd
import pytest

import segregation as seg
from segregation.cli import main


@pytest.fixture
def areas_csv(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(
        "regsokod,abroad,population\n0114R001,10,20\n0114R002,0,20\n0180R001,30,60\n"
        "0180R002,5,40\n",
        encoding="utf-8",
    )
    return path


def test_cli_writes_the_same_result_as_compute(areas_csv, tmp_path):
    out = tmp_path / "result.csv"
    code = main(["indices", str(areas_csv), "--group", "abroad", "--total", "population",
                 "--by", "kommunkod", "--indices", "dissimilarity", "gini", "--out", str(out)])  # fmt: skip
    assert code == 0
    got = pd.read_csv(out, dtype={"kommunkod": str}).set_index("kommunkod")
    frame = pd.read_csv(areas_csv, dtype={"regsokod": str}).set_index("regsokod")
    expected = seg.indices.compute(frame, group="abroad", total="population", by="kommunkod",
                                   indices=["dissimilarity", "gini"])  # fmt: skip
    pd.testing.assert_frame_equal(
        got, expected, check_dtype=False, check_names=False, check_index_type=False
    )


def test_cli_reports_bad_column_without_traceback(areas_csv, capsys):
    code = main(["indices", str(areas_csv), "--group", "abroad", "--total", "populatio"])
    assert code == 1
    assert "'populatio' not in the frame" in capsys.readouterr().err
