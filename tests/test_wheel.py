"""The installed wheel carries the embedded boundaries and loads them offline."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("deso_segregation-*.whl")
    return path


def test_wheel_contains_the_embedded_boundaries_and_code_list(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("regso_2025.parquet", "kommuner.parquet", "lan.parquet", "MANIFEST.json"):
        assert f"segregation/_boundaries/{name}" in names
    assert "segregation/areas/regions.csv" in names
    assert not any(n.startswith(("tests/", "boundaries/")) for n in names)


def test_wheel_in_a_fresh_venv_loads_the_default_offline(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Dependencies come from this environment's site-packages, appended after the fresh
    # venv's own, so `segregation` itself can only come from the installed wheel.
    fresh_site = next((venv / "lib").glob("python3.*/site-packages"))
    deps = [p for p in site.getsitepackages() if Path(p).exists()]
    (fresh_site / "zz_deps.pth").write_text("\n".join(deps) + "\n")
    script = (
        "import json, segregation as seg, shapely\n"
        "g = seg.load_regso()\n"
        "print(json.dumps({'file': seg.__file__, 'rows': len(g), 'epsg': g.crs.to_epsg(),"
        " 'kommuner': int(g['kommunkod'].nunique()), 'lan': int(g['lanskod'].nunique()),"
        " 'nested': bool((g['kommunkod'] == g.index.str[:4]).all()),"
        " 'coverage': bool(shapely.coverage_is_valid(g.geometry.values)),"
        " 'kommun_layer': len(seg.load_kommuner()), 'lan_layer': len(seg.load_lan())}))\n"
    )
    result = subprocess.run(
        [str(python), "-c", script],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(got["file"]).is_relative_to(venv)
    assert got["rows"] == 3363 and got["epsg"] == 3006
    assert got["kommuner"] == 290 and got["lan"] == 21
    assert got["nested"] and got["coverage"]
    assert got["kommun_layer"] == 290 and got["lan_layer"] == 21
