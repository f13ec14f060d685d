"""by="kommunkod"/"lanskod" read from DeSO and RegSO codes in the index."""

from __future__ import annotations

import pandas as pd
import pytest

import segregation as seg


def _frame(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"g": [1, 5, 2, 8], "t": [10, 10, 10, 10]}, index=codes)


def test_kommun_and_lan_come_from_codes_of_either_edition_and_level():
    codes = ["0114R001_RegSO2025", "0114R002_RegSO2025", "0380A0010", "0380C1020"]
    by_kommun = seg.indices.compute(_frame(codes), group="g", total="t", by="kommunkod",
                                    indices="dissimilarity")  # fmt: skip
    assert by_kommun.index.tolist() == ["0114", "0380"]
    assert by_kommun["n_areas"].tolist() == [2, 2]
    by_lan = seg.indices.compute(_frame(codes), group="g", total="t", by="lanskod",
                                 indices="dissimilarity")  # fmt: skip
    assert by_lan.index.tolist() == ["01", "03"]
    # D of 0114 by hand: shares 0.1 and 0.5, P = 0.3: (|0.1-0.3| + |0.5-0.3|) * 10 / (2*20*0.21)
    assert by_kommun.loc["0114", "dissimilarity"] == pytest.approx(4 / 8.4)


def test_a_malformed_or_unknown_code_is_named_when_by_is_derived():
    with pytest.raises(seg.InvalidCodeError, match="0114R0X1"):
        seg.indices.compute(_frame(["0114R001", "0114R0X1", "0380A0010", "0380C1020"]),
                            group="g", total="t", by="kommunkod")  # fmt: skip
    with pytest.raises(seg.InvalidCodeError, match="9999R001"):
        seg.indices.compute(_frame(["0114R001", "9999R001", "0380A0010", "0380C1020"]),
                            group="g", total="t", by="kommunkod")  # fmt: skip
