import numpy as np
import pandas as pd
import pytest

from segregation.cli import main
from segregation.disclosure import (
    is_protected,
    perturb,
    perturbation_table,
    protect,
    protection_info,
)
from segregation.disclosure._marks import require_protected
from segregation.errors import SegregationError, UnprotectedDataError


@pytest.mark.parametrize("D,V,js", [(2, 1.0, 2), (3, 1.5, 2), (4, 2.0, 0)])
def test_perturbation_table_unbiased_bounded_and_no_small_values(D, V, js):
    t = perturbation_table(D, V, js)
    by_i = t.groupby("i")
    assert np.allclose(by_i["p"].sum(), 1)
    assert np.allclose(by_i.apply(lambda g: (g.p * g.v).sum(), include_groups=False), 0, atol=1e-9)
    assert (t["v"].abs() <= D).all()
    assert not t["j"].between(1, js).any() if js else True
    big = t[t.i == t.i.max()]
    assert np.isclose((big.p * big.v**2).sum(), V, atol=1e-6)


def test_same_seed_same_noise_other_seed_differs(uppsala):
    a = perturb(uppsala, seed=0, levels=["deso", "kommun"]).long
    b = perturb(uppsala, seed=0, levels=["deso", "kommun"]).long
    c = perturb(uppsala, seed=1, levels=["deso", "kommun"]).long
    assert a["value"].equals(b["value"])
    assert not a["value"].equals(c["value"])


def test_ckm_zeros_stay_small_values_vanish_and_frame_is_marked(uppsala):
    raw = uppsala.copy()
    out = perturb(raw, seed=3, js=2)
    long = out.long
    assert is_protected(long)
    assert protection_info(long)["method"] == "cell_key"
    assert not long["value"].between(1, 2).any()
    wide = out.wide()
    zero = raw.to_numpy() == 0
    assert (wide[raw.columns].to_numpy()[zero] == 0).all()
    noise = wide[raw.columns].to_numpy() - raw.loc[wide.index].to_numpy()
    assert np.abs(noise).max() <= 3
    assert abs(noise[~zero].mean()) < 0.2  # unbiased on 1,300 cells


def test_require_protected_refuses_raw_counts(uppsala):
    with pytest.raises(UnprotectedDataError, match="unsafe=True"):
        require_protected(uppsala, what="a map")
    require_protected(uppsala, unsafe=True)


def test_bad_counts_name_the_rows():
    counts = pd.DataFrame({"a": [3, -1, 2.5]}, index=["0114A0010", "0114A0020", "0114A0030"])
    with pytest.raises(SegregationError, match="0114A0020"):
        from segregation.disclosure import protect

        protect(counts)


def test_cli_writes_exactly_the_long_table_of_protect(tmp_path, shared_data, capsys):
    # the shipped CSV as it is: codes in 'deso', a 'kommun' code column that is no category
    src = shared_data / "reference" / "disclosure" / "uppsala_deso_5cat_thin.csv"
    out = tmp_path / "protected.csv"
    args = ["protect", str(src), "--area-column", "deso", "--min-count", "5", "--out", str(out)]
    assert main(args) == 0
    assert "['kommun']" in capsys.readouterr().out  # said, not silently dropped
    counts = pd.read_csv(src, dtype={"deso": str}).set_index("deso").drop(columns="kommun")
    expected = tmp_path / "expected.csv"
    protect(counts, 5).long.to_csv(expected, index=False)
    assert out.read_bytes() == expected.read_bytes()
    got = pd.read_csv(out, dtype={"code": str})
    assert set(got["level"]) == {"deso", "kommun", "lan", "riket"}
    assert set(got["category"]) == {"cat1", "cat2", "cat3", "cat4", "cat5", "total"}


def test_cli_column_with_scb_markers_raises_naming_the_row(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("deso;namn;a;b\n0114A0010;Norr;3;..\n0114A0020;Syd;30;12\n")
    code = main(["protect", str(src), "--area-column", "deso", "--out", str(tmp_path / "o.csv")])
    assert code == 1
    err = capsys.readouterr().err
    assert "0114A0010" in err and "'..'" in err
    assert not (tmp_path / "o.csv").exists()


def test_cli_writes_the_long_csv(tmp_path, uppsala):
    src = tmp_path / "in.csv"
    uppsala.reset_index().to_csv(src, index=False)
    out = tmp_path / "out.csv"
    code = main(
        [
            "protect",
            str(src),
            "--area-column",
            "deso",
            "--min-count",
            "5",
            "--levels",
            "deso",
            "kommun",
            "riket",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    got = pd.read_csv(out, dtype={"code": str})
    assert list(got.columns) == ["level", "code", "category", "value", "status"]
    assert (got["status"] == "secondary").sum() <= 173
    assert got.loc[got["status"] != "published", "value"].isna().all()


def test_export_refuses_raw_and_writes_protected(tmp_path, uppsala_protected, uppsala):
    from segregation.disclosure import export_table

    with pytest.raises(UnprotectedDataError):
        export_table(uppsala, tmp_path / "raw.csv")
    path = export_table(uppsala_protected.wide("kommun"), tmp_path / "k.csv")
    back = pd.read_csv(path, dtype={"kommun": str}).set_index("kommun")
    assert back.index.tolist() == sorted(uppsala.index.str[:4].unique())
    export_table(uppsala, tmp_path / "raw_ok.csv", unsafe=True)


def test_cli_regso_level_without_key_names_the_option(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("deso,a,b\n0114A0010,3,40\n0114A0020,30,50\n")
    out = str(tmp_path / "o.csv")
    args = ["protect", str(src), "--area-column", "deso", "--levels", "deso", "regso"]
    assert main([*args, "--out", out]) == 1
    assert "--regso-column" in capsys.readouterr().err
