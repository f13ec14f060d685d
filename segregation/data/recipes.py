"""Named recipes for SCB's DeSO and RegSO tables: ``seg.fetch("born_abroad", ...)``.

A recipe names the table (per level and period), the category variable whose values become
columns, and the standard column name for each value. Values are found by their *labels*
in the table's metadata (case-insensitive regular expressions), not by hard-coded value
codes, so a recipe keeps working when SCB renumbers values; when a label cannot be found,
the error lists the labels the table has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from segregation.data.pxweb import PxWebClient, PxWebError
from segregation.errors import SegregationError, describe_items

__all__ = ["RECIPES", "Recipe", "fetch", "recipes"]

_TOTAL = r"totalt|samtliga|total|alla|both sexes|totalt antal"
_CKM_FROM = 2025  # first reference year with SCB's cell key perturbation


@dataclass(frozen=True)
class Recipe:
    """How to turn one SCB table into standard columns.

    Attributes
    ----------
    name, description : str
    tables : dict
        Level (``"deso"``, ``"regso"``) -> list of ``(table_id, first_year, last_year)``;
        ``None`` for an open end.
    category : str
        Regular expression for the label of the variable spread into columns
        (``"tabellinnehåll"`` for the contents variable).
    columns : dict
        Standard column -> regular expression for the value label (full match, any case).
    bands : dict
        Standard column -> ``(low, high)`` inclusive bounds; values whose label starts with a
        number in the band are summed (age groups such as ``20-24 år`` or ``65+ år``).
    derived : dict
        Column -> ``(whole, part)``: the column is ``whole - part``.
    totals : dict
        ``{part: total}`` pairs checked after fetching.
    unit : str
        ``"persons"``, ``"dwellings"``, ``"percent"`` or ``"tkr"``.
    """

    name: str
    description: str
    tables: dict[str, list[tuple[str, int, int | None]]]
    category: str
    columns: dict[str, str] = field(default_factory=dict)
    bands: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    derived: dict[str, tuple[str, str]] = field(default_factory=dict)
    totals: dict[str, str] = field(default_factory=dict)
    unit: str = "persons"


def _both(*entries: tuple[str, int, int | None]) -> dict[str, list[tuple[str, int, int | None]]]:
    return {"deso": list(entries), "regso": list(entries)}


#: The named recipes (table ids as SCB reports them for API v2).
RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "population",
            "Population by sex (TAB6574, all ages).",
            _both(("TAB6574", 2010, None)),
            r"kön",
            {"population": _TOTAL, "men": r"män", "women": r"kvinnor"},
            totals={"men": "population", "women": "population"},
        ),
        Recipe(
            "age",
            "Population in three age bands (TAB6574, both sexes).",
            _both(("TAB6574", 2010, None)),
            r"ålder",
            bands={"age_0_19": (0, 19), "age_20_64": (20, 64), "age_65_plus": (65, None)},
        ),
        Recipe(
            "background",
            "Persons with Swedish and foreign background (TAB6571).",
            _both(("TAB6571", 2010, None)),
            r"bakgrund|utländsk/svensk bakgrund",
            {
                "population": _TOTAL,
                "swedish_background": r"svensk bakgrund",
                "foreign_background": r"utländsk bakgrund",
            },
            totals={"foreign_background": "population"},
        ),
        Recipe(
            "born_abroad",
            "Persons born in Sweden and abroad (TAB6572, RegSO).",
            {"regso": [("TAB6572", 2010, None)]},
            r"födelseregion|födelseland",
            {"population": _TOTAL, "born_in_sweden": r"sverige|födda i sverige"},
            derived={"born_abroad": ("population", "born_in_sweden")},
            totals={"born_in_sweden": "population"},
        ),
        Recipe(
            "economic_standard",
            "Share of persons with low and high economic standard, percent (TAB6685).",
            _both(("TAB6685", 2011, None)),
            r"tabellinnehåll|contents",
            {
                "low_economic_standard_pct": r".*låg ekonomisk standard.*",
                "high_economic_standard_pct": r".*hög ekonomisk standard.*",
            },
            unit="percent",
        ),
        Recipe(
            "education",
            "Persons 25-64 by highest education level (TAB5956 to 2023, TAB6534 from 2024).",
            _both(("TAB5956", 2015, 2023), ("TAB6534", 2024, None)),
            r"utbildningsnivå",
            {
                "population_25_64": _TOTAL,
                "forgymnasial": r"förgymnasial.*",
                "gymnasial": r"gymnasial.*",
                "eftergymnasial": r"eftergymnasial.*",
            },
            totals={"forgymnasial": "population_25_64"},
        ),
        Recipe(
            "labour_market",
            "Persons 20-64 by labour-market status (TAB6680).",
            _both(("TAB6680", 2020, None)),
            r"sysselsättning|arbetsmarknadsstatus|status",
            {
                "population_20_64": _TOTAL,
                "employed": r"förvärvsarbetande|sysselsatta",
                "not_employed": r"ej förvärvsarbetande|ej sysselsatta|icke sysselsatta",
            },
            totals={"employed": "population_20_64"},
        ),
        Recipe(
            "tenure",
            "Dwellings by tenure (TAB6258 to 2023, TAB6638 from 2024).",
            _both(("TAB6258", 2012, 2023), ("TAB6638", 2024, None)),
            r"upplåtelseform",
            {
                "hyresratt": r"hyresrätt",
                "bostadsratt": r"bostadsrätt",
                "aganderatt": r"äganderätt",
                "unknown_tenure": r"uppgift saknas|okänd",
            },
            unit="dwellings",
        ),
        Recipe(
            "income",
            "Median and mean disposable income per person, tkr (TAB6683).",
            _both(("TAB6683", 2011, None)),
            r"tabellinnehåll|contents",
            {"median_income": r"median.*", "mean_income": r"medel.*"},
            unit="tkr",
        ),
    )
}


def recipes() -> pd.DataFrame:
    """The recipes as a table: name, description, levels, tables and columns.

    Examples
    --------
    >>> table = recipes()
    >>> table.loc["born_abroad", "columns"]
    ['population', 'born_in_sweden', 'born_abroad']
    """
    return pd.DataFrame(
        [
            {
                "name": r.name,
                "description": r.description,
                "levels": sorted(r.tables),
                "tables": sorted({t for entries in r.tables.values() for t, *_ in entries}),
                "columns": [*r.columns, *r.bands, *r.derived],
                "unit": r.unit,
            }
            for r in RECIPES.values()
        ]
    ).set_index("name")


def _table_for(recipe: Recipe, level: str, year: int) -> str:
    if level not in recipe.tables:
        raise SegregationError(
            f"The recipe {recipe.name!r} exists for {describe_items(sorted(recipe.tables))}, "
            f"not for level={level!r}."
        )
    for table, first, last in recipe.tables[level]:
        if year >= first and (last is None or year <= last):
            return table
    spans = [f"{t} {a}-{b or ''}" for t, a, b in recipe.tables[level]]
    raise SegregationError(f"No table of {recipe.name!r} covers {year}: {describe_items(spans)}.")


def _find(labels: dict[str, str], pattern: str, what: str, table: str) -> list[str]:
    regex = re.compile(pattern, re.IGNORECASE)
    found = [code for code, label in labels.items() if regex.fullmatch(label.strip())]
    if not found:
        raise PxWebError(
            f"{table} has no {what} matching {pattern!r}; its labels are "
            f"{describe_items(list(labels.values()), 12)}. Use PxWebClient.data() directly."
        )
    return found


def fetch(
    name: str,
    level: Literal["deso", "regso"] = "regso",
    year: int = 2023,
    *,
    edition: int | None = None,
    kommun: str | list[str] | None = None,
    lan: str | list[str] | None = None,
    client: PxWebClient | None = None,
) -> pd.DataFrame:
    """Fetch a named area table from SCB with standard column names.

    Parameters
    ----------
    name : str
        A recipe from :data:`RECIPES`: ``population``, ``age``, ``background``,
        ``born_abroad``, ``economic_standard``, ``education``, ``labour_market``,
        ``tenure``, ``income``.
    level : {"regso", "deso"}, default="regso"
    year : int, default=2023
    edition : int, optional
        Area edition: 2018 or 2025 for DeSO, 2020 or 2025 for RegSO. Default: 2025 from
        reference year 2024, else the older edition (as SCB publishes them).
    kommun, lan : str or list of str, optional
        Keep only areas in these kommuner or län.
    client : PxWebClient, optional
        A configured client (cache, offline, base URL). Default: ``PxWebClient()``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``desokod``/``regsokod`` (without edition suffix), one column per
        standard name (``Int64`` counts or ``float`` rates), with ``attrs["citation"]``,
        ``attrs["recipe"]``, ``attrs["edition"]`` and ``attrs["year"]``.

    Examples
    --------
    >>> fetch("unknown")
    Traceback (most recent call last):
    ...
    segregation.errors.SegregationError: Unknown recipe 'unknown'. Recipes: population, age, ...
    """
    if name not in RECIPES:
        raise SegregationError(
            f"Unknown recipe {name!r}. Recipes: {describe_items(list(RECIPES), 20)}."
        )
    recipe = RECIPES[name]
    if level not in ("deso", "regso"):
        raise SegregationError(f"level must be 'deso' or 'regso', got {level!r}.")
    editions = (2018, 2025) if level == "deso" else (2020, 2025)
    edition = edition or (2025 if year >= 2024 else editions[0])
    if edition not in editions:
        raise SegregationError(f"{level} editions are {editions}, got edition={edition!r}.")
    client = client or PxWebClient()
    table = _table_for(recipe, level, year)
    meta = client.metadata(table)
    variables = {v["id"]: v for v in meta.get("variables", [])}
    region = next(
        (v for v, m in variables.items() if m.get("type") == "GeographicalVariable"), "Region"
    )
    codelist = f"vs_{'DeSO' if level == 'deso' else 'RegSO'}{edition}"
    codes = client.codelist(codelist)["code"].astype(str)
    base = codes.str.replace(r"_(?:DeSO|RegSO)\d{4}$", "", regex=True)
    keep = pd.Series(True, index=codes.index)
    for wanted, width in ((kommun, 4), (lan, 2)):
        if wanted is not None:
            wanted = [wanted] if isinstance(wanted, str) else list(wanted)
            keep &= base.str[:width].isin(wanted)
    if not keep.any():
        raise SegregationError(
            f"No {level} areas of edition {edition} in kommun={kommun}, lan={lan}."
        )

    category = next(
        (
            vid
            for vid, v in variables.items()
            if re.fullmatch(recipe.category, str(v.get("label", "")).strip(), re.IGNORECASE)
        ),
        None,
    )
    if category is None:
        labels = [str(v.get("label")) for v in variables.values()]
        raise PxWebError(
            f"{table} has no variable like {recipe.category!r}; it has {describe_items(labels)}."
        )
    value_labels = {
        v["code"]: str(v.get("label", v["code"])) for v in variables[category]["values"]
    }
    chosen: dict[str, list[str]] = {}
    for column, pattern in recipe.columns.items():
        chosen[column] = _find(value_labels, pattern, f"{category} value", table)[:1]
    for column, (low, high) in recipe.bands.items():
        chosen[column] = [
            code
            for code, label in value_labels.items()
            if (m := re.match(r"\s*(\d+)", label))
            and int(m.group(1)) >= low
            and (high is None or int(m.group(1)) <= high)
        ]
    selection: dict[str, Any] = {
        region: codes[keep].tolist(),
        category: list(dict.fromkeys(c for cs in chosen.values() for c in cs)),
    }
    for vid, var in variables.items():
        if vid in selection:
            continue
        if var.get("type") == "TimeVariable":
            selection[vid] = [str(year)]
        elif var.get("type") == "ContentsVariable":
            selection[vid] = [var["values"][0]["code"]]
        elif not var.get("elimination", var.get("eliminination", False)):
            labels = {v["code"]: str(v.get("label", v["code"])) for v in var["values"]}
            selection[vid] = _find(labels, _TOTAL, f"total of {vid}", table)[:1]
    tidy = client.data(table, selection, codelists={region: codelist})
    region_column = tidy.attrs.get("region") or tidy.columns[0]
    category_column = str(variables[category].get("label") or category)
    label_to_code = {v: k for k, v in value_labels.items()}
    if category_column in tidy.columns:
        tidy["_code"] = tidy[category_column].map(lambda x: label_to_code.get(x, x))
    else:  # a single contents value ends up in attrs
        tidy["_code"] = selection[category][0]
    wide = tidy.pivot_table(
        index=region_column, columns="_code", values="value", aggfunc="first", dropna=False
    )
    out = pd.DataFrame(index=wide.index)
    for column, members in chosen.items():
        present = [m for m in members if m in wide.columns]
        out[column] = wide[present].sum(axis=1, min_count=len(present)) if present else pd.NA
    out.index = pd.Index(
        out.index.astype(str).str.replace(r"_(?:DeSO|RegSO)\d{4}$", "", regex=True),
        name=f"{level}kod",
    )
    # From reference year 2025 SCB perturbs every cell (cell key method): parts need not add
    # up to totals, so a derived difference can dip below zero and is floored at zero.
    perturbed = year >= _CKM_FROM
    floored: dict[str, list[str]] = {}
    for column, (whole, part) in recipe.derived.items():
        out[column] = out[whole] - out[part]
        if perturbed:
            negative = (out[column] < 0).fillna(False)
            floored[column] = [str(c) for c in out.index[negative.to_numpy()]]
            out[column] = out[column].mask(negative, 0)
    for column in out.columns:
        numbers = pd.to_numeric(out[column], errors="coerce")
        whole = numbers.dropna()
        out[column] = numbers.astype("Int64") if (whole % 1 == 0).all() else numbers.astype(float)
    out.attrs = {
        "citation": tidy.attrs["citation"],
        "recipe": name,
        "unit": recipe.unit,
        "edition": edition,
        "year": year,
        "level": level,
        "report": {
            **tidy.attrs.get("report", {}),
            "missing_areas": _missing(out),
            "perturbed": perturbed,
            "floored_at_zero": floored,
        },
    }
    if recipe.unit in ("persons", "dwellings"):
        from segregation.data.scb_files import check_counts

        # published columns first (a part above its total is the cause), then derived ones
        published = [c for c in out.columns if c not in recipe.derived]
        check_counts(out, published, totals=None if perturbed else recipe.totals)
        check_counts(out, list(recipe.derived))
    return out


def _missing(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.index[frame.isna().any(axis=1).to_numpy()]]


# ------------------------------------------------------------------ command line
def add_arguments(parser: Any) -> None:
    """Arguments of ``segregation fetch``."""
    parser.add_argument("recipe", nargs="?", help="Recipe name; leave out to list them.")
    parser.add_argument("--level", choices=["regso", "deso"], default="regso")
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--edition", type=int, default=None)
    parser.add_argument("--kommun", action="append", default=None, help="Kommun code (repeatable).")
    parser.add_argument("--lan", action="append", default=None, help="Län code (repeatable).")
    parser.add_argument("--output", "-o", default=None, help="CSV to write (default: stdout).")
    parser.add_argument("--offline", action="store_true", help="Answer from the cache only.")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--base-url", default=None, help="PxWeb v2 root (default: SCB).")


def run(args: Any) -> int:
    """Run ``segregation fetch``: write the table as CSV and its citation beside it."""
    import json
    import sys
    from pathlib import Path

    from segregation.data.pxweb import DEFAULT_URL

    if not args.recipe:
        print(recipes()[["description", "levels", "columns"]].to_string())
        return 0
    client = PxWebClient(
        args.base_url or DEFAULT_URL, cache_dir=args.cache_dir, offline=args.offline
    )
    frame = fetch(
        args.recipe,
        args.level,
        args.year,
        edition=args.edition,
        kommun=args.kommun,
        lan=args.lan,
        client=client,
    )
    if args.output is None:
        frame.to_csv(sys.stdout)
        return 0
    path = Path(args.output)
    frame.to_csv(path)
    citation = path.with_suffix(".citation.json")
    citation.write_text(
        json.dumps(frame.attrs["citation"], ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(f"{len(frame)} areas written to {path}; citation in {citation.name}.")
    return 0
