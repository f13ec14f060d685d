"""Byte-stable writers: the same content gives the same bytes, whatever folium and
matplotlib put in by chance."""

from __future__ import annotations

import hashlib
import re

import matplotlib
import pandas as pd
import pytest

from segregation.pipeline.stable import stable_html, write_csv, write_figure, write_html

matplotlib.use("Agg")


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_renders_of_one_folium_map_differ_raw_but_not_written(tmp_path):
    import folium

    def page() -> str:
        fmap = folium.Map(location=[59.86, 17.64], zoom_start=10, tiles=None)
        folium.Marker([59.86, 17.64], tooltip="Uppsala").add_to(fmap)
        folium.LayerControl().add_to(fmap)
        return fmap.get_root().render()

    first, second = page(), page()
    assert first != second  # folium draws fresh random element ids
    write_html(tmp_path / "a.html", first)
    write_html(tmp_path / "b.html", second)
    assert _digest(tmp_path / "a.html") == _digest(tmp_path / "b.html")
    text = (tmp_path / "a.html").read_text(encoding="utf-8")
    ids = set(re.findall(r"map_([0-9a-f]{32})", text))
    assert ids and all(int(i, 16) < 1000 for i in ids)  # renumbered 1, 2, 3, ...


def test_library_maps_render_identically_through_the_writer(tmp_path):
    import segregation as seg

    frame = seg.load_regso(kommun="0380")[["regsonamn", "geometry"]]
    frame["value"] = [i / 10 for i in range(len(frame))]
    for name in ("a", "b"):
        write_html(tmp_path / f"{name}.html", seg.maps.explore(frame, "value").get_root().render())
    assert _digest(tmp_path / "a.html") == _digest(tmp_path / "b.html")


def test_stable_html_keeps_longer_hex_runs_and_words():
    sha = "a" * 64
    page = f'<div id="x_{"b" * 32}" data-sha="{sha}">{"c" * 32}word</div>'
    out = stable_html(page)
    assert sha in out and "c" * 32 + "word" in out
    assert f'x_{1:032x}"' in out


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_figures_are_byte_identical_across_saves(tmp_path, suffix):
    import matplotlib.pyplot as plt

    digests = []
    for name in ("a", "b"):
        figure, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1, 2], [2, 0, 1], label="x")
        ax.legend()
        write_figure(tmp_path / f"{name}.{suffix}", figure, dpi=50)
        plt.close(figure)
        digests.append(_digest(tmp_path / f"{name}.{suffix}"))
    assert digests[0] == digests[1]
    data = (tmp_path / f"a.{suffix}").read_bytes()
    assert b"CreationDate" not in data and b"<dc:date>" not in data


def test_csv_floats_round_trip_exactly(tmp_path):
    values = [0.1 + 0.2, 1 / 3, 2.5e-300, 123456789.123456789]
    write_csv(tmp_path / "f.csv", pd.DataFrame({"v": values}), index=False)
    back = pd.read_csv(tmp_path / "f.csv")["v"].tolist()
    assert back == values
    assert b"\r\n" not in (tmp_path / "f.csv").read_bytes()


def test_no_temporary_file_is_left_behind(tmp_path):
    write_csv(tmp_path / "x.csv", pd.DataFrame({"a": [1]}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


def test_git_revision_only_for_tracked_library_files(tmp_path):
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")

    from segregation.pipeline.manifest import git_revision

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    package = tmp_path / "venv" / "site-packages" / "segregation"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    assert git_revision(tmp_path) is None  # not a git checkout of anything tracked
    assert git_revision(package) is None  # an installed copy inside someone's checkout
    git("add", "venv/site-packages/segregation/__init__.py")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "x")
    revision = git_revision(package)
    assert revision is not None and len(revision["commit"]) == 40
    assert revision["modified"] is False
    (package / "__init__.py").write_text("x = 1\n")
    assert git_revision(package)["modified"] is True
