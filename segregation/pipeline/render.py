"""Write one kommun's files (tables, HTML map, PNG) and the national map of a run.

:func:`render_unit` runs in a worker process: it takes a picklable job (the kommun's
rows, already protected, and its indices), writes every file through the byte-stable
writers and returns ``{relative path: sha256}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from segregation.pipeline.manifest import sha256_file
from segregation.pipeline.stable import write_csv, write_figure, write_html

__all__ = [
    "LABELS",
    "SYNTHETIC_NOTE",
    "UNITS",
    "check_map_columns",
    "render_national",
    "render_unit",
    "worker_init",
]

#: Shown on every map and in every title made from synthetic data.
SYNTHETIC_NOTE = "Syntetiska data (inte statistik om verkliga personer)"


def mark_synthetic(frame: pd.DataFrame, synthetic: bool) -> pd.DataFrame:
    """Add a ``data`` column saying so to every table made from synthetic data.

    Examples
    --------
    >>> mark_synthetic(pd.DataFrame({"x": [1]}), True)["data"].tolist()
    ['Syntetiska data (inte statistik om verkliga personer)']
    >>> list(mark_synthetic(pd.DataFrame({"x": [1]}), False).columns)
    ['x']
    """
    return frame.assign(data=SYNTHETIC_NOTE) if synthetic else frame


#: Display names (Swedish, as SCB publishes them) and units of the columns a run makes.
LABELS = {
    "area_type": "Områdestyp",
    "socioeconomic_index": "Socioekonomiskt index",
    "born_abroad_share": "Andel utrikes födda",
    "population": "Folkmängd",
}
UNITS = {"socioeconomic_index": "%", "born_abroad_share": "andel"}


def _style(columns: list[str]) -> dict[str, Any]:
    return {
        "labels": {c: LABELS[c] for c in columns if c in LABELS},
        "units": {c: UNITS[c] for c in columns if c in UNITS},
    }


def _plot(table: pd.DataFrame, column: str, title: str, unsafe: bool, path: Path) -> None:
    import matplotlib.pyplot as plt

    from segregation.maps import plot

    figure = plot(
        table, column, title=title, label=LABELS.get(column), units=UNITS.get(column), unsafe=unsafe
    )
    try:
        write_figure(path, figure)
    finally:
        plt.close(figure)


def worker_init() -> None:
    """Run in each worker process: draw off screen, whatever backend the parent uses."""
    import matplotlib

    matplotlib.use("Agg")


def _title(kommunnamn: str, synthetic: bool) -> str:
    return f"{kommunnamn}: {SYNTHETIC_NOTE}" if synthetic else kommunnamn


def check_map_columns(table: pd.DataFrame, columns: list[str]) -> list[str]:
    """``columns`` if every one is in the area table, else a ConfigError naming the others."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        from segregation.pipeline.config import ConfigError

        raise ConfigError(
            f"'outputs.map_columns' names {', '.join(map(repr, missing))}, not in the area "
            f"table. Available: {', '.join(c for c in table.columns if c != 'geometry')}."
        )
    return columns


def render_unit(job: dict[str, Any]) -> dict[str, str]:
    """Write the files of one kommun (or län); return their sha256 by path relative to the run."""
    folder, out = Path(job["folder"]), Path(job["out"])
    folder.mkdir(parents=True, exist_ok=True)
    table: pd.DataFrame = job["table"].sort_index()
    outputs = job["outputs"]
    written: list[Path] = []

    if outputs["areas_csv"]:
        path = folder / "areas.csv"
        plain = pd.DataFrame(table.drop(columns="geometry"))
        write_csv(path, mark_synthetic(plain, job["synthetic"]), index=True)
        written.append(path)
    if outputs["indices_csv"] and job["indices"] is not None:
        path = folder / "indices.csv"
        write_csv(path, mark_synthetic(job["indices"], job["synthetic"]), index=True)
        written.append(path)
    draws = outputs["html"] or outputs["png"]
    columns = check_map_columns(table, job["map_columns"]) if draws else []
    title = _title(job["name"], job["synthetic"])
    unsafe = not job["protected"]
    if outputs["html"]:
        from segregation.maps import explore

        path = folder / "map.html"
        fmap = explore(table, columns, title=title, unsafe=unsafe, **_style(columns))
        write_html(path, fmap.get_root().render())
        written.append(path)
    if outputs["png"]:
        path = folder / "map.png"
        _plot(table, columns[0], title, unsafe, path)
        written.append(path)
    return {p.relative_to(out).as_posix(): sha256_file(p) for p in written}


def render_national(
    table: pd.DataFrame,
    folder: Path,
    *,
    columns: list[str],
    synthetic: bool,
    protected: bool,
    html: bool = True,
    png: bool = False,
) -> list[Path]:
    """Write ``national_map.html`` and/or ``national_map.png`` of every area in ``table``."""
    columns = check_map_columns(table, columns)
    title = _title("Sverige", synthetic)
    table = table.sort_index()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if html:
        from segregation.maps import explore

        fmap = explore(table, columns, title=title, unsafe=not protected, **_style(columns))
        write_html(folder / "national_map.html", fmap.get_root().render())
        written.append(folder / "national_map.html")
    if png:
        _plot(table, columns[0], title, not protected, folder / "national_map.png")
        written.append(folder / "national_map.png")
    return written
