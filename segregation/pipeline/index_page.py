"""``index.html``: one offline page that lists every kommun (or län) of a run with its
indices and links to its maps and tables, so a batch of 290 kommuner can be browsed."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["index_page"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th { position: sticky; top: 0; background: #f4f4f4; }
td.name, th.name { text-align: left; }
.note { color: #a33; font-weight: bold; }
.source { color: #666; font-size: 12px; margin-top: 1em; }
"""


def _number(value: Any, count: bool) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if count:  # n_areas, n_persons ...: whole numbers with thin spaces between thousands
        return f"{int(value):,}".replace(",", "\u202f")
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def index_page(
    summary: pd.DataFrame,
    files: Mapping[str, str],
    folders: Mapping[str, str],
    *,
    title: str,
    synthetic: bool,
) -> str:
    """The HTML of the run's index page.

    Parameters
    ----------
    summary : DataFrame
        The national summary, one row per kommun or län, indexed by code.
    files : mapping
        Every output of the run (relative path -> sha256); links go only to files that exist.
    folders : mapping
        Code -> folder of that unit's files, relative to the output folder.
    title : str
        Heading of the page.
    synthetic : bool
        Whether to say that the numbers are synthetic.

    Examples
    --------
    >>> summary = pd.DataFrame({"kommunnamn": ["Uppsala"], "dissimilarity": [0.25]},
    ...                        index=pd.Index(["0380"], name="kommunkod"))
    >>> page = index_page(summary, {"kommuner/0380_uppsala/map.html": "..."},
    ...                   {"0380": "kommuner/0380_uppsala"}, title="Run", synthetic=False)
    >>> 'href="kommuner/0380_uppsala/map.html"' in page, "0.250" in page
    (True, True)
    """
    name_column = next((c for c in ("kommunnamn", "lansnamn") if c in summary), None)
    numeric = [c for c in summary.columns if pd.api.types.is_numeric_dtype(summary[c])]
    head = ["code", "name", *numeric, "files"]
    rows = []
    for code, row in summary.iterrows():
        folder = folders.get(str(code), "")
        links = [
            f'<a href="{html.escape(folder)}/{name}">{label}</a>'
            for name, label in (
                ("map.html", "map"),
                ("map.png", "png"),
                ("areas.csv", "areas"),
                ("indices.csv", "indices"),
            )
            if f"{folder}/{name}" in files
        ]
        name = html.escape(str(row[name_column])) if name_column else ""
        cells = [f'<td class="name">{html.escape(str(code))}</td>', f'<td class="name">{name}</td>']
        cells += [f"<td>{_number(row[c], c.startswith('n_'))}</td>" for c in numeric]
        cells.append(f'<td class="name">{" ".join(links)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "".join(
        f'<th class="name">{h}</th>'
        if h in ("code", "name", "files")
        else f"<th>{html.escape(h)}</th>"
        for h in head
    )
    extra = [
        f'<li><a href="{p}">{p}</a></li>'
        for p in (
            "summary/indices.csv",
            "summary/all_areas.csv",
            "summary/national_map.html",
            "summary/national_map.png",
        )
        if p in files
    ]
    note = (
        '<p class="note">Syntetiska data: inte statistik om verkliga personer.</p>'
        if synthetic
        else ""
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="sv"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            note,
            f"<ul>{''.join(extra)}</ul>" if extra else "",
            f"<table><thead><tr>{header}</tr></thead><tbody>",
            *rows,
            "</tbody></table>",
            '<p class="source">Källa: SCB (boundaries). Details of the run: manifest.json.</p>',
            "</body></html>",
            "",
        ]
    )
