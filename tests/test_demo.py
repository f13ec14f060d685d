"""The offline showcase: a national map of area types, one kommun's map and PNG, the index
table for all kommuner and a manifest, and it says where they are."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from segregation.cli import main
from segregation.pipeline.manifest import sha256_file


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo's output folder and what it printed (run once, for every test here)."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--out", str(out), "--quiet"]) == 0
    return out, printed.getvalue()


@pytest.fixture(scope="module")
def demo(demo_run):
    return demo_run[0]


def test_demo_writes_maps_table_and_manifest_and_prints_where(demo_run):
    demo, printed = demo_run
    files = {
        "summary/national_map.html",
        "summary/national_map.png",
        "kommuner/0380_uppsala/map.html",
        "kommuner/0380_uppsala/map.png",
        "summary/indices.csv",
        "summary/all_areas.csv",
        "index.html",
    }
    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == files
    for rel in files:
        assert str(demo / rel) in printed
        assert sha256_file(demo / rel) == manifest["outputs"][rel]
    assert "segregation reproduce" in printed and "not statistics about real people" in printed
    assert f"Wrote {len(files)} files and their manifest in" in printed
    assert str(demo / "manifest.json") in printed

    table = pd.read_csv(demo / "summary/indices.csv", dtype={"kommunkod": str})
    assert len(table) == 290 and table["kommunkod"].is_unique
    assert table["dissimilarity"].between(0, 1).all()
    # every RegSO is typed once: the area-type counts add up to the 3,363 areas
    assert table.filter(like="n_area_type_").to_numpy().sum() == 3363


def test_national_map_shows_every_regso_marked_synthetic_and_offline(demo):
    page = demo / "summary/national_map.html"
    html = page.read_text(encoding="utf-8")
    assert page.stat().st_size < 10_000_000
    assert "Syntetiska data" in html and "Källa: SCB" in html
    assert "Områden med stora socioekonomiska utmaningar" in html
    codes = set(re.findall(r'"(\d{4}R\d{3})"', html))
    assert len(codes) == 3363
    assert "https://cdn" not in html and "unpkg.com" not in html


def test_demo_pngs_are_real_images(demo):
    for rel in ("summary/national_map.png", "kommuner/0380_uppsala/map.png"):
        data = (demo / rel).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_demo_refuses_an_unknown_kommun(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--kommun", "9999", "--quiet"]) == 1
    assert "--kommun '9999' is not a kommun code" in capsys.readouterr().err


def test_readme_shows_the_national_map_the_demo_makes(demo):
    """The picture in the README is the demo's national PNG (same size; same bytes here)."""
    from pathlib import Path

    from matplotlib import image

    repo = Path(__file__).resolve().parents[1]
    readme = (repo / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", readme)
    assert "docs/images/demo_national_area_types.png" in pictures
    shown = image.imread(repo / "docs/images/demo_national_area_types.png")
    made = image.imread(demo / "summary/national_map.png")
    assert shown.shape == made.shape
