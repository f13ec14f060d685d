"""``segregation typology`` writes the same types the estimator gives."""

from __future__ import annotations

import pandas as pd

import segregation as seg
from segregation.cli import main
from segregation.typology import GeodemographicTypology


def test_cli_writes_types_profiles_and_selection_equal_to_the_estimator(tmp_path, capsys):
    data = seg.synthetic(seg.load_regso(kommun="0180"), seed=4)
    X = pd.DataFrame(
        {
            "born_abroad": data["born_abroad"] / data["population"],
            "hyresratt": data["hyresratt"] / data["population"],
        }
    )
    X.to_csv(tmp_path / "in.csv")
    out = tmp_path / "out"
    assert main(["typology", str(tmp_path / "in.csv"), "--bootstrap", "5", "--out", str(out)]) == 0
    model = GeodemographicTypology(random_state=0).fit(X)
    types = pd.read_csv(out / "types.csv", index_col=0, dtype={"regsokod": str})
    assert types.index.tolist() == X.index.tolist()
    assert (types["type"].to_numpy() == model.labels_).all()
    assert (types["name_en"].to_numpy() == model.type_names_["en"].reindex(model.labels_)).all()
    selection = pd.read_csv(out / "k_selection.csv")
    assert selection["k"].tolist() == [4, 5, 6, 7, 8]
    assert selection.loc[selection["chosen"], "k"].item() == model.n_types_
    assert len(pd.read_csv(out / "stability.csv")) == model.n_types_ + 1
    assert model.k_choice_ in capsys.readouterr().out


def test_cli_unknown_column_is_a_plain_error(tmp_path, capsys):
    pd.DataFrame({"a": [1.0, 2.0]}, index=["0180R001", "0180R002"]).to_csv(tmp_path / "in.csv")
    assert main(["typology", str(tmp_path / "in.csv"), "--columns", "b"]) == 1
    assert "1 columns are not in in.csv (b)" in capsys.readouterr().err
