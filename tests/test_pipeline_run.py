"""Batch runs: identical bytes run after run, reproduce reports file by file, resume works."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from segregation.cli import main
from segregation.errors import UnmatchedError
from segregation.pipeline import ConfigError, reproduce, run
from segregation.pipeline.manifest import sha256_file

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "three_kommuner.toml"
KOMMUNER = ["0380", "0581", "2480"]
FOLDERS = ["0380_uppsala", "0581_norrkoping", "2480_umea"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("first")
    assert main(["run", str(EXAMPLE), "--out", str(out), "--quiet"]) == 0
    return out


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_example_writes_map_png_and_tables_per_kommun_and_a_summary(first_run):
    outputs = _manifest(first_run)["outputs"]
    for folder in FOLDERS:
        for name in ("areas.csv", "indices.csv", "map.html", "map.png"):
            assert f"kommuner/{folder}/{name}" in outputs
    assert "summary/indices.csv" in outputs and "index.html" in outputs
    page = (first_run / "index.html").read_text(encoding="utf-8")
    for folder in FOLDERS:
        assert f'href="kommuner/{folder}/map.html"' in page
    assert "Syntetiska data" in page
    summary = pd.read_csv(first_run / "summary/indices.csv", dtype={"kommunkod": str})
    assert summary["kommunkod"].tolist() == KOMMUNER
    # the summary's indices are the per-kommun files, to the last bit
    for code, folder in zip(KOMMUNER, FOLDERS, strict=True):
        one = pd.read_csv(first_run / "kommuner" / folder / "indices.csv", dtype={"kommunkod": str})
        row = summary.set_index("kommunkod").loc[code]
        assert one.loc[0, "dissimilarity"] == row["dissimilarity"]
    # every area of the kommun has one row, and area types count up to the areas
    areas = pd.read_csv(first_run / "kommuner/0380_uppsala/areas.csv", dtype={"regsokod": str})
    assert len(areas) == 61 and areas["regsokod"].str.startswith("0380R").all()
    types = summary.filter(like="n_area_type_").sum(axis=1)
    n_areas = [len(pd.read_csv(first_run / "kommuner" / f / "areas.csv")) for f in FOLDERS]
    assert types.tolist() == n_areas
    assert (first_run / "kommuner/0380_uppsala/map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # one row over all areas of the run: the indices of the three kommuner taken together
    import segregation as seg

    areas = seg.load_regso(kommun=KOMMUNER)
    counts = seg.synthetic(seg.load_regso(), seed=2025).loc[areas.index]
    together = seg.indices.compute(counts, group="born_abroad", total="population")
    overall = pd.read_csv(first_run / "summary/all_areas.csv")
    assert overall.loc[0, "dissimilarity"] == together.loc[0, "dissimilarity"]
    assert overall.loc[0, "n_kommuner"] == 3 and overall.loc[0, "n_areas"] == len(areas)
    # every table made from synthetic data says so on every row
    tables = [first_run / "summary/indices.csv", first_run / "summary/all_areas.csv"]
    tables += [
        first_run / "kommuner" / f / name for f in FOLDERS for name in ("areas.csv", "indices.csv")
    ]
    for path in tables:
        assert (
            pd.read_csv(path)["data"] == "Syntetiska data (inte statistik om verkliga personer)"
        ).all()


def test_only_protected_published_columns_leave_the_run(first_run):
    import segregation as seg

    areas = pd.read_csv(first_run / "kommuner/0380_uppsala/areas.csv", dtype={"regsokod": str})
    published = {"born_abroad", "not_born_abroad", "population", "born_abroad_share"}
    names = {"regsokod", "regsonamn", "kommunkod", "kommunnamn", "lanskod"}
    typed = {"socioeconomic_index", "area_type"}
    assert set(areas.columns) == published | names | typed | {"data"}
    # raw counts the run used but does not publish appear in no file
    raw = seg.synthetic(seg.load_regso(), seed=2025)
    unpublished = [c for c in raw.columns if c not in published and c not in names]
    manifest = _manifest(first_run)
    for rel in manifest["outputs"]:
        if rel.endswith((".csv", ".html")):
            text = (first_run / rel).read_text(encoding="utf-8")
            for column in unpublished:
                assert f'"{column}"' not in text and f",{column}," not in text, (rel, column)
    # every published count is at least the threshold or withheld
    counts = areas[["born_abroad", "not_born_abroad", "population"]]
    assert ((counts >= 5) | counts.isna()).all().all()
    assert manifest["protection"]["protected"] is True
    assert manifest["protection"]["min_count"] == 5


def test_manifest_records_versions_inputs_seeds_times_and_output_hashes(first_run):
    from segregation import __version__
    from segregation.areas.boundaries import boundaries_manifest

    m = _manifest(first_run)
    assert m["library"] == {"name": "deso-segregation", "version": __version__}
    assert m["environment"]["python"] == sys.version.split()[0]
    for dependency in ("numpy", "pandas", "geopandas", "folium", "matplotlib"):
        assert m["environment"]["dependencies"][dependency] != "not installed"
    assert m["git"] is None or len(m["git"]["commit"]) == 40
    assert m["seeds"] == {"synthetic": 2025, "indices": 0}
    assert m["config"]["run"]["kommuner"] == KOMMUNER
    # the embedded boundary layers hash to what their provenance manifest says
    shipped = boundaries_manifest()["outputs"]
    for name, item in shipped.items():
        assert m["inputs"][f"boundaries/{name}"]["sha256"] == item["sha256"]
    assert m["started"] <= m["finished"]
    for rel, digest in m["outputs"].items():
        assert sha256_file(first_run / rel) == digest


def test_reproducibility_guide_lists_every_field_of_the_manifest(first_run):
    import re

    guide = (REPO / "docs" / "reproducibility.md").read_text(encoding="utf-8")
    table = guide.split("## The manifest", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for row in re.findall(r"^\| (`.*?) \|", table, re.M):
        documented |= set(re.findall(r"`([\w.]+)`", row))
    manifest = _manifest(first_run)
    fields = set(manifest) | {f"environment.{key}" for key in manifest["environment"]}
    fields -= {"environment"}
    assert fields == documented


def test_run_twice_gives_identical_hashes_and_reproduce_says_so(first_run, tmp_path, capsys):
    second = tmp_path / "second"
    # the first run drew on two processes, this one on one: the order does not matter
    args = ["--out", str(second), "--workers", "1", "--quiet"]
    code = main(["reproduce", str(first_run / "manifest.json"), *args])
    printed = capsys.readouterr().out
    assert code == 0
    # the second run is a run like the first: its own manifest lists the same hashes
    assert _manifest(second)["outputs"] == _manifest(first_run)["outputs"]
    assert len(_manifest(second)["outputs"]) == 15
    assert "15 of 15 outputs identical: the run is identical." in printed
    assert printed.count("identical        kommuner/") == 12
    assert "input changed" not in printed and "CHANGED" not in printed


def _counts_file(folder: Path) -> Path:
    import segregation as seg

    areas = seg.load_regso(kommun=KOMMUNER)
    counts = seg.synthetic(areas, seed=11).drop(columns=["kommunkod", "lanskod"])
    path = folder / "counts.csv"
    counts.to_csv(path, lineterminator="\n")
    return path


def test_changed_input_byte_reports_the_outputs_it_changed(tmp_path):
    counts = _counts_file(tmp_path)
    config = tmp_path / "file.toml"
    config.write_text(
        '[run]\nkommuner = ["0380", "0581", "2480"]\nworkers = 1\n'
        '[input]\nsource = "file"\npath = "counts.csv"\n'
        "[outputs]\nhtml = false\npng = false\n",
        encoding="utf-8",
    )
    first = run(config, tmp_path / "a", progress=False)
    before = counts.read_bytes()
    lines = counts.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("0581R003,"))
    cells = lines[row].split(",")
    header = lines[0].split(",")
    at = header.index("born_abroad")
    cells[at] = str(int(cells[at]) - 1)  # one digit of one count: one byte here
    lines[row] = ",".join(cells)
    counts.write_text("".join(lines), encoding="utf-8")
    after = counts.read_bytes()
    assert len(after) == len(before)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1  # one byte

    report = reproduce(first.manifest, progress=False)
    assert report.inputs_changed == [f"counts ({counts.resolve()})"]
    changed = report.outputs["changed"]
    assert "kommuner/0581_norrkoping/indices.csv" in changed
    assert "kommuner/0581_norrkoping/areas.csv" in changed
    assert "summary/indices.csv" in changed
    assert "kommuner/0380_uppsala/indices.csv" in report.outputs["identical"]
    assert "kommuner/2480_umea/indices.csv" in report.outputs["identical"]
    assert not report.identical
    assert "CHANGED          kommuner/0581_norrkoping/indices.csv" in report.lines()


def test_interrupted_run_resumes_without_redrawing_finished_kommuner(first_run, tmp_path, capsys):
    out = tmp_path / "interrupted"
    command = [sys.executable, "-m", "segregation.cli", "run", str(EXAMPLE), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", "1", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    records = out / ".state" / "kommuner"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(records.glob("*.json")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = sorted(p.stem for p in records.glob("*.json"))
    assert finished_before and len(finished_before) < 3, "the run was not cut short"
    assert not (out / "manifest.json").exists()
    stamp = {p: p.stat().st_mtime_ns for p in (out / "kommuner").rglob("*") if p.is_file()}

    assert main(["run", str(EXAMPLE), "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr()
    # the progress bar starts at the kommuner already done and ends at all three
    assert f"kommuner: {100 * len(finished_before) / 3:3.0f}%" in printed.err
    assert "kommuner: 100%" in printed.err and "3/3" in printed.err
    assert f"Resumed: {len(finished_before)} kommuner were already done" in printed.out
    resumed = _manifest(out)
    assert resumed["resumed"] == finished_before
    assert resumed["outputs"] == _manifest(first_run)["outputs"]
    for path, mtime in stamp.items():
        if path.parent.name.split("_")[0] in finished_before:
            assert path.stat().st_mtime_ns == mtime, f"{path} was written again"


def test_changed_output_is_drawn_again_on_resume(first_run, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(first_run, out)
    (out / "kommuner/2480_umea/areas.csv").write_text("tampered\n", encoding="utf-8")
    result = run(EXAMPLE, out, progress=False, workers=1)
    assert result.drawn == ["2480"] and result.resumed == ["0380", "0581"]
    assert result.outputs == _manifest(first_run)["outputs"]


def test_other_config_in_same_folder_is_refused_unless_fresh(first_run, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(first_run, out)
    other = {"run": {"kommuner": ["0380"], "workers": 1}, "outputs": {"html": False, "png": False}}
    with pytest.raises(ConfigError, match="--fresh"):
        run(other, out, progress=False)
    result = run(other, out, progress=False, fresh=True)
    assert result.drawn == ["0380"] and result.resumed == []


def test_bad_config_on_the_command_line_names_key_and_exits_1(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("[outputs]\nmaps = true\n", encoding="utf-8")
    assert main(["run", str(config), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "Unknown key 'outputs.maps' in bad.toml" in err
    assert "Allowed keys in [outputs]:" in err and "html" in err


def test_counts_file_with_unknown_or_missing_areas_is_refused(tmp_path):
    counts = _counts_file(tmp_path)
    frame = pd.read_csv(counts, dtype={"regsokod": str})
    config = {
        "run": {"kommuner": ["0380"], "workers": 1},
        "input": {"source": "file", "path": str(counts)},
        "outputs": {"html": False, "png": False},
    }
    frame.iloc[:-2].to_csv(counts, index=False)  # two Umeå areas gone
    with pytest.raises(UnmatchedError, match=r"2 areas of the kommuner in counts.csv have no row"):
        run(config, tmp_path / "o1", progress=False)
    extra = pd.concat([frame, frame.iloc[[0]].assign(regsokod="0380R999")])
    extra.to_csv(counts, index=False)
    with pytest.raises(
        UnmatchedError, match=r"1 codes in counts.csv are not in the boundary layer: 0380R999"
    ):
        run(config, tmp_path / "o2", progress=False)


def test_per_lan_run_writes_one_set_of_files_per_lan(tmp_path):
    config = {
        "run": {"lan": ["03", "25"], "per": "lan", "workers": 1},
        "outputs": {"html": False, "png": True, "maps_for": ["03"]},
    }
    result = run(config, tmp_path, progress=False)
    assert result.units == ["03", "25"]
    assert "lan/03_uppsala-lan/map.png" in result.outputs
    assert "lan/25_norrbottens-lan/areas.csv" in result.outputs
    assert "lan/25_norrbottens-lan/map.png" not in result.outputs
    summary = pd.read_csv(tmp_path / "summary/indices.csv", dtype={"lanskod": str})
    assert summary["lanskod"].tolist() == ["03", "25"]
    # the län's indices are computed over all its areas, not averaged over kommuner
    import segregation as seg

    areas = seg.load_regso(lan="03")
    counts = seg.synthetic(seg.load_regso(), seed=2025).loc[areas.index]
    direct = seg.indices.compute(counts, group="born_abroad", total="population")
    assert summary.loc[0, "dissimilarity"] == direct.loc[0, "dissimilarity"]
    areas_csv = pd.read_csv(tmp_path / "lan/03_uppsala-lan/areas.csv")
    assert len(areas_csv) == len(areas)


def test_maps_for_a_kommun_outside_the_run_is_refused(tmp_path):
    config = {"run": {"kommuner": ["0380"]}, "outputs": {"maps_for": ["0180"]}}
    with pytest.raises(ConfigError, match=r"'outputs.maps_for' lists kommuner that are not in"):
        run(config, tmp_path, progress=False)


def test_deso_run_over_a_real_boundary_file(shared_data, tmp_path):
    boundaries = shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg"
    config = tmp_path / "deso.toml"
    config.write_text(
        f'[run]\nlevel = "deso"\nkommuner = ["0380", "0381"]\nworkers = 1\n'
        f'[input]\nboundaries = "{boundaries.as_posix()}"\nedition = 2018\n'
        "[outputs]\nhtml = false\npng = false\n",
        encoding="utf-8",
    )
    result = run(config, tmp_path / "out", progress=False)
    areas = pd.read_csv(tmp_path / "out/kommuner/0381_enkoping/areas.csv", dtype=str)
    assert areas["desokod"].str.match(r"^0381[ABC]\d{4}$").all() and len(areas) == 25
    assert result.inputs["boundaries"]["sha256"] == sha256_file(boundaries)
    summary = pd.read_csv(tmp_path / "out/summary/indices.csv", dtype={"kommunkod": str})
    assert summary["n_areas"].tolist() == [150, 25]


def test_deso_run_needs_a_boundary_file():
    with pytest.raises(ConfigError, match="at level 'deso' give the path"):
        run({"run": {"level": "deso"}}, "unused", progress=False)


def test_embedded_inputs_are_found_by_name_on_another_machine(first_run):
    from segregation.areas.boundaries import embedded_path
    from segregation.pipeline.manifest import input_path

    recorded = _manifest(first_run)["inputs"]["boundaries/regso_2025.parquet"]
    assert recorded["embedded"] is True
    moved = {**recorded, "path": "/elsewhere/site-packages/segregation/_boundaries/regso.parquet"}
    found = input_path("boundaries/regso_2025.parquet", moved)
    assert found == embedded_path("regso_2025.parquet")
    assert sha256_file(found) == recorded["sha256"]


def test_small_counts_are_withheld_in_tables_and_maps(tmp_path):
    import segregation as seg

    areas = seg.load_regso(kommun=["0380", "0381"])
    counts = seg.synthetic(areas, seed=3).drop(columns=["kommunkod", "lanskod"])
    small = ["0380R005", "0380R017", "0381R003"]
    counts.loc[small, "born_abroad"] = [1, 2, 4]
    counts["population"] = counts["born_abroad"] + counts["born_in_sweden"]
    counts.to_csv(tmp_path / "counts.csv")
    config = {
        "run": {"kommuner": ["0380", "0381"], "workers": 1},
        "input": {"source": "file", "path": str(tmp_path / "counts.csv")},
        "outputs": {"png": False, "map_columns": ["born_abroad", "born_abroad_share"]},
    }
    result = run(config, tmp_path / "out", progress=False)
    table = pd.concat(
        pd.read_csv(tmp_path / "out" / rel, dtype={"regsokod": str}).set_index("regsokod")
        for rel in result.outputs
        if rel.startswith("kommuner/") and rel.endswith("/areas.csv")
    )
    assert table.loc[small, "born_abroad"].isna().all()
    assert table.loc[small, "born_abroad_share"].isna().all()
    # secondary suppression: more cells withheld than the three small ones
    withheld = int(table[["born_abroad", "not_born_abroad", "population"]].isna().sum().sum())
    assert withheld > len(small)
    page = (tmp_path / "out/kommuner/0380_uppsala/map.html").read_text(encoding="utf-8")
    assert "0380R005" in page  # the area is drawn, its count is not
    m = json.loads((tmp_path / "out/manifest.json").read_text(encoding="utf-8"))
    assert m["protection"]["n_primary"] >= 3


def test_check_compares_files_in_place_without_running(first_run, tmp_path, capsys):
    import shutil

    out = tmp_path / "archive"
    shutil.copytree(first_run, out)
    assert main(["reproduce", str(out / "manifest.json"), "--check"]) == 0
    assert "15 of 15 outputs identical" in capsys.readouterr().out

    (out / "kommuner/0581_norrkoping/indices.csv").write_text("x\n", encoding="utf-8")
    (out / "kommuner/2480_umea/map.png").unlink()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["reproduce", str(out), "--check"]) == 1
    printed = capsys.readouterr().out
    assert "CHANGED          kommuner/0581_norrkoping/indices.csv" in printed
    assert "MISSING          kommuner/2480_umea/map.png" in printed
    assert "NEW              notes.txt" in printed
    assert "13 of 15 outputs identical: the run is NOT identical." in printed


def test_counts_file_of_another_edition_or_missing_is_refused(tmp_path):
    from segregation.errors import EditionMismatchError

    counts = _counts_file(tmp_path)
    frame = pd.read_csv(counts, dtype={"regsokod": str})
    frame["regsokod"] = frame["regsokod"] + "_RegSO2020"
    frame.to_csv(counts, index=False)
    config = {
        "run": {"kommuner": ["0380"], "workers": 1},
        "input": {"source": "file", "path": str(counts)},
        "outputs": {"html": False, "png": False},
    }
    with pytest.raises(EditionMismatchError, match=r"143 codes in counts.csv carry another"):
        run(config, tmp_path / "o", progress=False)
    frame["regsokod"] = frame["regsokod"].str.replace("_RegSO2020", "_RegSO2025")
    frame.to_csv(counts, index=False)  # suffixed codes of the run's edition are fine
    assert run(config, tmp_path / "o", progress=False).units == ["0380"]
    config["input"]["path"] = str(tmp_path / "nowhere.csv")
    with pytest.raises(ConfigError, match=r"'input.path' .*nowhere.csv' does not exist"):
        run(config, tmp_path / "o2", progress=False)


def test_unknown_map_column_is_refused_before_any_drawing(tmp_path):
    config = {"run": {"kommuner": ["0380"]}, "outputs": {"map_columns": ["area_typ"]}}
    with pytest.raises(ConfigError, match=r"'outputs.map_columns' names 'area_typ'.*area_type"):
        run(config, tmp_path, progress=False)
    assert not list((tmp_path / ".state" / "kommuner").glob("*.json"))


def test_index_columns_missing_from_the_counts_are_named_by_their_key(tmp_path):
    config = {"run": {"kommuner": ["0380"]}, "indices": {"group": "utrikes_fodda"}}
    with pytest.raises(ConfigError) as info:
        run(config, tmp_path / "a", progress=False)
    message = str(info.value)
    assert "'indices.group' = 'utrikes_fodda' is not a column of the counts" in message
    assert "'born_abroad'" in message  # the columns there are
    config = {
        "run": {"kommuner": ["0380"]},
        "indices": {"groups": ["hyresratt", "agarratt"], "names": ["theil_h"]},
    }
    with pytest.raises(ConfigError, match=r"'indices.groups' = 'agarratt' is not a column"):
        run(config, tmp_path / "b", progress=False)
    assert not (tmp_path / "b" / "manifest.json").exists()


def test_parquet_counts_give_the_same_numbers_as_csv(tmp_path):
    csv = _counts_file(tmp_path)
    frame = pd.read_csv(csv, dtype={"regsokod": str}).set_index("regsokod")
    frame.to_parquet(tmp_path / "counts.parquet")
    results = {}
    for name in ("counts.csv", "counts.parquet"):
        config = {
            "run": {"kommuner": KOMMUNER, "workers": 1},
            "input": {"source": "file", "path": str(tmp_path / name)},
            "outputs": {"html": False, "png": False, "index_page": False},
        }
        results[name] = run(config, tmp_path / name.replace(".", "_"), progress=False).outputs
    assert results["counts.csv"] == results["counts.parquet"]
