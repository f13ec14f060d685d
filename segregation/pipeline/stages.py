"""The stages of a batch run: areas, counts, area types, indices, protection, files.

Data moves one way: boundaries and counts are joined into one frame per run, area types
and indices are computed on the raw counts in one vectorised pass over every kommun, and
only protected columns go on to the per-kommun tables and maps.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from segregation.errors import (
    EditionMismatchError,
    InvalidCodeError,
    UnmatchedError,
    describe_items,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "area_table",
    "check_coverage",
    "check_index_columns",
    "compute_area_types",
    "compute_indices",
    "frame_sha256",
    "input_files",
    "kommun_folder",
    "load_areas",
    "load_counts",
    "protect_areas",
    "published_counts",
    "selected_kommuner",
    "unit_column",
    "units",
]


def kommun_folder(kommunkod: str, kommunnamn: str) -> str:
    """Folder name of a kommun's outputs: code and an ASCII slug of the name.

    Examples
    --------
    >>> kommun_folder("1480", "Göteborg"), kommun_folder("0180", "Stockholm")
    ('1480_goteborg', '0180_stockholm')
    >>> kommun_folder("2584", "Kiruna"), kommun_folder("0114", "Upplands Väsby")
    ('2584_kiruna', '0114_upplands-vasby')
    """
    ascii_name = unicodedata.normalize("NFKD", kommunnamn).encode("ascii", "ignore").decode()
    slug = "-".join(ascii_name.lower().replace("-", " ").split())
    return f"{kommunkod}_{slug}"


def load_areas(cfg: dict[str, Any]) -> gpd.GeoDataFrame:
    """The boundary layer of the run, indexed by area code, in EPSG:3006."""
    from segregation.areas.boundaries import load_deso, load_regso

    inp, level = cfg["input"], cfg["run"]["level"]
    source = None if inp["boundaries"] == "embedded" else inp["boundaries"]
    if level == "regso":
        return load_regso(edition=inp["edition"], source=source)
    return load_deso(edition=inp["edition"], source=source)


def input_files(cfg: dict[str, Any]) -> list[tuple[str, Path]]:
    """``(role, path)`` of every file the run reads: counts and boundary layers."""
    from segregation.areas.boundaries import embedded_path

    files: list[tuple[str, Path]] = []
    inp = cfg["input"]
    if inp["source"] == "file":
        files.append(("counts", Path(inp["path"])))
    if inp["boundaries"] == "embedded":
        for name in ("regso_2025.parquet", "kommuner.parquet", "lan.parquet"):
            files.append((f"boundaries/{name}", embedded_path(name)))
    else:
        files.append(("boundaries", Path(inp["boundaries"])))
    return files


def selected_kommuner(cfg: dict[str, Any], areas: pd.DataFrame) -> list[str]:
    """The kommun codes of the run, sorted, each checked to have areas in the layer."""
    run = cfg["run"]
    present = sorted(areas["kommunkod"].unique())
    if run["lan"]:
        lan_present = set(areas["lanskod"])
        missing = [code for code in run["lan"] if code not in lan_present]
        if missing:
            raise InvalidCodeError(
                f"'run.lan' lists {len(missing)} län with no areas in the boundary layer: "
                f"{describe_items(missing)}. Known län: {describe_items(sorted(lan_present), 21)}."
            )
        wanted = set(run["lan"])
        return [k for k in present if k[:2] in wanted]
    if run["kommuner"] == "all":
        return present
    missing = [k for k in run["kommuner"] if k not in set(present)]
    if missing:
        raise InvalidCodeError(
            f"'run.kommuner' lists {len(missing)} kommuner with no areas in the boundary "
            f"layer: {describe_items(missing)}. Check the codes against segregation.kommuner()."
        )
    return sorted(run["kommuner"])


def unit_column(cfg: dict[str, Any]) -> str:
    """The column that groups areas into the run's units: ``kommunkod`` or ``lanskod``."""
    return "kommunkod" if cfg["run"]["per"] == "kommun" else "lanskod"


def units(cfg: dict[str, Any], selected: list[str]) -> tuple[str, list[str], pd.DataFrame]:
    """The run's units (kommuner, or the län they make up), and a table of their names.

    Returns ``(column, codes, names)``; ``names`` is indexed by code with a ``namn`` column
    and, for kommuner, ``kommunnamn``, ``lanskod`` and ``lansnamn``.

    Examples
    --------
    >>> cfg = {"run": {"per": "lan"}}
    >>> column, codes, names = units(cfg, ["0380", "0381", "1280"])
    >>> column, codes, names["namn"].tolist()
    ('lanskod', ['03', '12'], ['Uppsala län', 'Skåne län'])
    """
    from segregation.areas.codes import kommuner, lan

    if cfg["run"]["per"] == "kommun":
        names = kommuner().loc[selected, ["kommunnamn", "lanskod", "lansnamn"]]
        return "kommunkod", list(selected), names.assign(namn=names["kommunnamn"])
    codes = sorted({k[:2] for k in selected})
    names = lan().loc[codes, ["lansnamn"]]
    return "lanskod", codes, names.assign(namn=names["lansnamn"])


def load_counts(cfg: dict[str, Any], areas: pd.DataFrame) -> pd.DataFrame:
    """Counts per area: seeded synthetic data, or a CSV/Parquet file joined to the areas.

    A file must cover every area of the layer in the kommuner it has, and may hold no code
    that is not in the layer; both are errors naming the codes.
    """
    inp = cfg["input"]
    if inp["source"] == "synthetic":
        from segregation.data.synthetic import synthetic

        frame = synthetic(areas, seed=inp["seed"])
        return frame.drop(columns=["kommunkod", "lanskod"], errors="ignore")
    if inp["source"] == "pxweb":
        return _fetch_counts(cfg, areas)
    return _read_counts_file(cfg, areas)


def _fetch_counts(cfg: dict[str, Any], areas: pd.DataFrame) -> pd.DataFrame:
    """Fetch every recipe from the PxWeb API (no cache: a rerun sees revised numbers).

    Typology needs every area of the country (types are relative to all of them), so
    kommuner are filtered only when typology is off.
    """
    from segregation.data.pxweb import PxWebClient
    from segregation.data.recipes import fetch

    inp, level = cfg["input"], cfg["run"]["level"]
    client = PxWebClient(inp["pxweb_url"], cache_dir=False) if inp["pxweb_url"] else None
    client = client or PxWebClient(cache_dir=False)
    kommun = None if cfg["typology"]["enabled"] else selected_kommuner(cfg, areas)
    frame: pd.DataFrame | None = None
    fetched: dict[str, dict[str, Any]] = {}
    for name in inp["recipes"]:
        part = fetch(name, level, inp["year"], edition=inp["edition"], kommun=kommun, client=client)
        citation = dict(part.attrs.get("citation", {}))
        fetched[f"pxweb/{name}"] = {
            "url": client.base_url,
            "table": citation.get("table"),
            "year": inp["year"],
            "rows": len(part),
            "sha256": frame_sha256(part),
            # SCB, table id and title, variables and codes chosen, date fetched
            "citation": citation,
        }
        new = [c for c in part.columns if frame is None or c not in frame.columns]
        frame = part[new] if frame is None else frame.join(part[new])
    assert frame is not None
    frame.attrs = {"fetched": fetched}
    return frame


def frame_sha256(frame: pd.DataFrame) -> str:
    """sha256 of a frame's CSV form: the same numbers give the same digest.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1, 2]}, index=["0380R001", "0380R002"])
    >>> frame_sha256(a) == frame_sha256(a.copy()), frame_sha256(a) == frame_sha256(a * 2)
    (True, False)
    """
    import hashlib

    text = frame.sort_index().to_csv(lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_counts_file(cfg: dict[str, Any], areas: pd.DataFrame) -> pd.DataFrame:
    from segregation.areas.codes import parse_codes

    inp, level = cfg["input"], cfg["run"]["level"]
    path = Path(inp["path"])
    column = inp["code_column"] or f"{level}kod"
    if not path.is_file():
        from segregation.pipeline.config import ConfigError

        raise ConfigError(f"'input.path' {str(path)!r} does not exist.")
    if path.suffix.lower() in (".parquet", ".pq"):
        raw = pd.read_parquet(path)
        if column not in raw.columns and raw.index.name == column:
            raw = raw.reset_index()
    else:
        raw = pd.read_csv(path, dtype={column: str})
    if column not in raw.columns:
        raise InvalidCodeError(
            f"{path.name} has no column {column!r} of area codes; its columns are "
            f"{describe_items(list(raw.columns), 12)}. Set 'input.code_column'."
        )
    given = raw[column].astype(str).str.strip().reset_index(drop=True)
    parsed = parse_codes(given)
    codes = parsed["base_code"].astype(str)
    other = parsed["edition"].notna() & (parsed["edition"] != inp["edition"])
    if other.any():
        raise EditionMismatchError(
            f"{int(other.sum())} codes in {path.name} carry another edition than "
            f"input.edition = {inp['edition']}: {describe_items(given[other.to_numpy()])}. "
            "Set 'input.edition' to the file's edition, or convert the codes first."
        )
    wrong = (parsed["level"] != level).to_numpy()
    if wrong.any():
        raise InvalidCodeError(
            f"{int(wrong.sum())} codes in {path.name} are not {level} codes: "
            f"{describe_items(codes[wrong].tolist())}. Set 'run.level' to match the file."
        )
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise InvalidCodeError(
            f"{len(dup)} codes occur more than once in {path.name}: {describe_items(dup)}."
        )
    frame = raw.drop(columns=[column]).set_axis(pd.Index(codes.to_numpy(), name=areas.index.name))
    frame = frame.drop(columns=["kommunkod", "lanskod"], errors="ignore")
    unknown = frame.index.difference(areas.index)
    if len(unknown):
        raise UnmatchedError(
            f"{len(unknown)} codes in {path.name} are not in the boundary layer: "
            f"{describe_items(unknown)}. Check the edition ('input.edition')."
        )
    in_file_kommuner = set(code[:4] for code in frame.index)
    expected = areas.index[areas["kommunkod"].isin(in_file_kommuner)]
    absent = expected.difference(frame.index)
    if len(absent):
        raise UnmatchedError(
            f"{len(absent)} areas of the kommuner in {path.name} have no row in it: "
            f"{describe_items(absent)}. Add them (with zeros if empty)."
        )
    return frame


def check_index_columns(cfg: dict[str, Any], counts: pd.DataFrame) -> None:
    """The count columns named in ``[indices]`` must be columns of the counts.

    Examples
    --------
    >>> cfg = {"indices": {"groups": [], "group": "born_abroad", "total": "folk"}}
    >>> check_index_columns(cfg, pd.DataFrame(columns=["born_abroad", "population"]))
    Traceback (most recent call last):
    ...
    segregation.pipeline.config.ConfigError: 'indices.total' = 'folk' is not a column of ...
    """
    ind = cfg["indices"]
    if ind["groups"]:
        named = [("indices.groups", g) for g in ind["groups"]]
    else:
        named = [("indices.group", ind["group"]), ("indices.total", ind["total"])]
    bad = [(key, column) for key, column in named if column not in counts.columns]
    if bad:
        from segregation.pipeline.config import ConfigError

        which = "; ".join(f"{key!r} = {column!r}" for key, column in bad)
        raise ConfigError(
            f"{which} {'is' if len(bad) == 1 else 'are'} not "
            f"{'a column' if len(bad) == 1 else 'columns'} of the counts; the counts have "
            f"{describe_items(list(map(repr, counts.columns)), 20)}."
        )


def check_coverage(cfg: dict[str, Any], counts: pd.DataFrame, selected: list[str]) -> None:
    """Every kommun of the run must have counts; name those that have none."""
    have = set(counts.index.str[:4])
    lacking = [k for k in selected if k not in have]
    if lacking:
        where = cfg["input"]["path"] or "the counts"
        raise UnmatchedError(
            f"{len(lacking)} kommuner of the run have no areas in {where}: "
            f"{describe_items(lacking)}. Add their counts or leave them out of 'run.kommuner'."
        )


def compute_area_types(cfg: dict[str, Any], counts: pd.DataFrame) -> pd.DataFrame:
    """SCB's socioeconomic index and area type of every area (mean and SD over all areas).

    Returns an empty frame when typology is off or the counts lack the three indicators.
    """
    columns = ("low_economic_standard", "low_education", "assistance_or_unemployment")
    needed = (*columns, "population", "population_20_64")
    if not cfg["typology"]["enabled"]:
        return pd.DataFrame(index=counts.index)
    missing = [c for c in needed if c not in counts.columns]
    if missing:
        from segregation.pipeline.config import ConfigError

        raise ConfigError(
            f"typology.enabled = true needs the columns {', '.join(needed)}; the counts lack "
            f"{', '.join(missing)}. Add them, or set typology.enabled = false."
        )
    from segregation.typology.socioeconomic import area_types, socioeconomic_index

    index = socioeconomic_index(
        counts, population="population", population_20_64="population_20_64"
    )
    weights = counts["population"] if cfg["typology"]["weighting"] == "population" else None
    types = area_types(index, weights=weights)
    return pd.DataFrame(
        {"socioeconomic_index": index, "area_type": types.astype("Int64")}, index=counts.index
    )


def compute_indices(
    cfg: dict[str, Any],
    counts: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    by: str | None = "kommunkod",
) -> pd.DataFrame:
    """Every configured index for every kommun (or län) in one vectorised call.

    With ``by=None``, one row (index ``"all"``) over all areas of the run together.
    """
    import geopandas as gpd

    from segregation.indices import compute

    ind = cfg["indices"]
    data = counts if by is None else counts.assign(**{by: areas[by]})
    frame = gpd.GeoDataFrame(data, geometry=areas.geometry, crs=areas.crs)
    kwargs: dict[str, Any] = {"seed": ind["seed"]}
    if by is not None:
        kwargs["by"] = by
    if ind["groups"]:
        kwargs["groups"] = ind["groups"]
    else:
        kwargs["group"], kwargs["total"] = ind["group"], ind["total"]
    result = compute(frame, indices=ind["names"], **kwargs)
    if by is None:
        result.index = pd.Index(["all"], name="scope")
    else:
        result.index.name = by
    return result


def published_counts(cfg: dict[str, Any], counts: pd.DataFrame) -> pd.DataFrame:
    """The one table of counts the run publishes per area: the categories the indices use.

    Single-group indices publish ``group`` and ``not_{group}`` (= total - group), which
    partition ``total``; multigroup indices publish their ``groups``.
    """
    ind = cfg["indices"]
    if ind["groups"]:
        return counts[ind["groups"]].copy()
    group, total = ind["group"], ind["total"]
    for column in (group, total):
        if column not in counts:
            from segregation.pipeline.config import ConfigError

            raise ConfigError(
                f"'indices.group'/'indices.total' name {column!r}, not a column of the counts. "
                f"Columns: {describe_items(list(counts.columns), 20)}."
            )
    return pd.DataFrame({group: counts[group], f"not_{group}": counts[total] - counts[group]})


def protect_areas(cfg: dict[str, Any], counts: pd.DataFrame) -> pd.DataFrame:
    """Published counts and shares per area, after disclosure control (marked protected).

    Counts below ``disclosure.threshold`` are withheld together with the further cells
    needed so that none can be recomputed from kommun, län and national totals (the
    disclosure module's primary and secondary suppression, checked by its audit). A share
    is withheld when its count or its total is. With ``disclosure.enabled = false`` the
    raw counts are returned unmarked.
    """
    from segregation.disclosure._marks import mark_protected, protection_info

    table = published_counts(cfg, counts)
    categories = list(table.columns)
    total = cfg["indices"]["total"] if not cfg["indices"]["groups"] else "total"
    if not cfg["disclosure"]["enabled"]:
        whole = table.sum(axis=1)
        out = table.assign(**{total: whole})
        for cat in categories[:1] if not cfg["indices"]["groups"] else categories:
            out[f"{cat}_share"] = (table[cat] / whole).where(whole > 0)
        return out
    from segregation.disclosure import protect

    result = protect(table, cfg["disclosure"]["threshold"])
    level = cfg["run"]["level"]
    wide = result.wide(level).rename(columns={"total": total})
    shares = result.shares(level)
    keep = categories[:1] if not cfg["indices"]["groups"] else categories
    out = wide.join(shares[keep].add_suffix("_share"))
    out.columns.name = None
    out.index.name = counts.index.name
    info = protection_info(wide)
    info.pop("protected", None)
    info.pop("level", None)
    info.update(n_primary=result.n_primary, n_secondary=result.n_secondary)
    return mark_protected(out, **info)


def area_table(
    areas: gpd.GeoDataFrame, protected: pd.DataFrame, types: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Join names, protected counts and shares, and area types: what maps and CSVs show."""
    names = [c for c in ("regsonamn", "kommunkod", "kommunnamn", "lanskod") if c in areas]
    table = areas[[*names, "geometry"]].join(protected, how="left").join(types, how="left")
    if "area_type" in table:
        table["area_type"] = table["area_type"].astype("Int64")
    return table
