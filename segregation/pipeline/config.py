"""The TOML configuration of a batch run: one declared schema, strict validation.

Every section and key is declared once in :data:`SCHEMA` with its type, default and allowed
values. Unknown sections and keys are errors (a typo must never be silently ignored), and
every message names the key, what it got and what it accepts.

Examples
--------
>>> cfg = parse_config('[run]\\nkommuner = ["0380"]\\n[input]\\nseed = 7\\n')
>>> cfg["run"]["kommuner"], cfg["run"]["level"], cfg["input"]["source"], cfg["input"]["seed"]
(['0380'], 'regso', 'synthetic', 7)
>>> parse_config('[outputs]\\npngs = true\\n')
Traceback (most recent call last):
...
segregation.pipeline.config.ConfigError: Unknown key 'outputs.pngs' in the config. Did you mean 'png'? Allowed keys in [outputs]: areas_csv, html, index_page, indices_csv, map_columns, maps_for, national_map, national_png, png, summary.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segregation.errors import SegregationError, describe_items

__all__ = ["SCHEMA", "ConfigError", "Key", "config_template", "load_config", "parse_config"]


class ConfigError(SegregationError):
    """A batch configuration has an unknown key, a wrong type or a value out of range."""


@dataclass(frozen=True)
class Key:
    """One configuration key: its type, default, allowed values and meaning."""

    kind: type | tuple[type, ...]
    default: Any
    doc: str
    options: tuple[Any, ...] | None = None
    check: Callable[[Any], str | None] | None = None  # returns a problem, or None
    item_kind: type | None = None  # element type of a list


_KOMMUN = re.compile(r"^\d{4}$")
_LAN = re.compile(r"^\d{2}$")


def _positive(value: Any) -> str | None:
    return None if value >= 1 else "must be at least 1"


def _non_negative(value: Any) -> str | None:
    return None if value >= 0 else "must be 0 or more"


def _codes(pattern: re.Pattern[str], what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value == "all":
            return None
        if isinstance(value, str):
            return f'must be "all" or a list of {what} codes'
        bad = [v for v in value if not pattern.match(v)]
        if bad:
            return f"has malformed {what} codes: {describe_items(bad)}"
        if len(set(value)) != len(value):
            return f"lists a {what} code more than once"
        return None

    return check


#: section -> key -> declaration. The single source of truth for the config format.
SCHEMA: dict[str, dict[str, Key]] = {
    "run": {
        "title": Key(str, "", "A title, recorded in the manifest."),
        "level": Key(str, "regso", "Area level of the run.", options=("regso", "deso")),
        "kommuner": Key(
            (str, list),
            "all",
            'Kommun codes to run, or "all" for all 290.',
            check=_codes(_KOMMUN, "kommun"),
            item_kind=str,
        ),
        "lan": Key(
            list,
            [],
            "Län codes: run every kommun in these län (instead of `kommuner`).",
            check=_codes(_LAN, "län"),
            item_kind=str,
        ),
        "per": Key(
            str,
            "kommun",
            "One map, PNG and table per kommun, or per län.",
            options=("kommun", "lan"),
        ),
        "workers": Key(int, 2, "Processes that draw maps in parallel.", check=_positive),
    },
    "input": {
        "source": Key(
            str,
            "synthetic",
            "Where the counts come from: seeded synthetic data, a file, or SCB's API.",
            options=("synthetic", "file", "pxweb"),
        ),
        "seed": Key(int, 2025, "Seed of the synthetic data.", check=_non_negative),
        "path": Key(str, "", "CSV or Parquet file of counts per area (source = 'file')."),
        "code_column": Key(
            str, "", "Column of area codes in the file (default: regsokod/desokod)."
        ),
        "recipes": Key(
            list,
            [],
            "Named SCB tables to fetch (source = 'pxweb'), see segregation.data.recipes.",
            item_kind=str,
        ),
        "year": Key(int, 2023, "Reference year of the fetched tables (source = 'pxweb')."),
        "pxweb_url": Key(str, "", "Base URL of a PxWeb API v2 (default: SCB's)."),
        "boundaries": Key(
            str,
            "embedded",
            "'embedded' (RegSO 2025, offline) or the path of a boundary file.",
        ),
        "edition": Key(int, 2025, "Edition of the areas.", options=(2018, 2020, 2025)),
    },
    "indices": {
        "names": Key(
            list,
            ["dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson"],
            "Indices to compute for every kommun (see segregation.indices.available()).",
            item_kind=str,
        ),
        "group": Key(str, "born_abroad", "Count column of the group of single-group indices."),
        "total": Key(str, "population", "Count column of the total it is compared with."),
        "groups": Key(
            list, [], "Count columns of the groups of multigroup indices.", item_kind=str
        ),
        "seed": Key(
            int, 0, "Seed of random indices (modified, bias-corrected).", check=_non_negative
        ),
    },
    "typology": {
        "enabled": Key(bool, True, "Compute the socioeconomic index and the five area types."),
        "weighting": Key(
            str,
            "equal",
            "Mean and SD of the index over areas: each area counting once, or population-weighted.",
            options=("equal", "population"),
        ),
    },
    "disclosure": {
        "enabled": Key(bool, True, "Protect area counts before they reach a map or a CSV."),
        "threshold": Key(int, 5, "Counts below this value are suppressed.", check=_positive),
    },
    "outputs": {
        "html": Key(bool, True, "An interactive HTML map per kommun."),
        "png": Key(bool, True, "A static PNG map per kommun."),
        "areas_csv": Key(bool, True, "A CSV of protected area values per kommun."),
        "indices_csv": Key(bool, True, "A CSV of the kommun's indices."),
        "summary": Key(bool, True, "One national CSV of the indices of every kommun."),
        "national_map": Key(bool, False, "One HTML map of every area of the run."),
        "index_page": Key(bool, True, "index.html: every kommun with its indices and links."),
        "national_png": Key(bool, False, "One PNG map of every area of the run."),
        "maps_for": Key(
            (str, list),
            "all",
            'Kommuner (or län) that get an HTML map and a PNG: "all", or a list of codes.',
            check=_codes(re.compile(r"^(\d{4}|\d{2})$"), "kommun or län"),
            item_kind=str,
        ),
        "map_columns": Key(
            list, ["area_type"], "Columns shown on the maps (first one in the PNG).", item_kind=str
        ),
    },
}


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _is_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # TOML true is not the integer 1
    return isinstance(value, kinds)


def _suggest(name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def _check_key(section: str, name: str, key: Key, value: Any) -> None:
    where = f"'{section}.{name}'"
    if not _is_kind(value, key.kind):
        raise ConfigError(
            f"{where} must be {_type_name(key.kind)}; got {value!r} ({type(value).__name__})."
        )
    if key.item_kind is not None and isinstance(value, list):
        bad = [v for v in value if not _is_kind(v, key.item_kind)]
        if bad:
            raise ConfigError(
                f"{where} must be a list of {_type_name(key.item_kind)}s; "
                f"got {describe_items(repr(b) for b in bad)}."
            )
    if key.options is not None and value not in key.options:
        allowed = ", ".join(repr(o) for o in key.options)
        raise ConfigError(f"{where} must be one of {allowed}; got {value!r}.")
    if key.check is not None:
        problem = key.check(value)
        if problem:
            raise ConfigError(f"{where} {problem}; got {value!r}.")


def _cross_checks(cfg: dict[str, dict[str, Any]], source: str) -> None:
    run, inp = cfg["run"], cfg["input"]
    if run["lan"] and run["kommuner"] != "all":
        raise ConfigError(
            f"{source}: give either 'run.kommuner' or 'run.lan', not both "
            f"(got kommuner={run['kommuner']!r} and lan={run['lan']!r})."
        )
    if run["per"] == "lan" and run["kommuner"] != "all":
        raise ConfigError(
            f"{source}: with run.per = 'lan' a län must be whole: choose län with 'run.lan' "
            f"(or all of them), not kommuner (got kommuner={run['kommuner']!r})."
        )
    editions = {"regso": (2020, 2025), "deso": (2018, 2025)}[run["level"]]
    if inp["edition"] not in editions:
        raise ConfigError(
            f"'input.edition' must be one of {', '.join(map(str, editions))} at level "
            f"{run['level']!r}; got {inp['edition']!r}."
        )
    if inp["source"] == "file" and not inp["path"]:
        raise ConfigError(
            "'input.path' is required when input.source = 'file': the CSV or Parquet file "
            "of counts per area."
        )
    if inp["source"] == "pxweb" and not inp["recipes"]:
        raise ConfigError(
            "'input.recipes' is required when input.source = 'pxweb': the named SCB tables "
            'to fetch, e.g. recipes = ["born_abroad"].'
        )
    if inp["recipes"]:
        from segregation.data.recipes import RECIPES

        unknown = [r for r in inp["recipes"] if r not in RECIPES]
        if unknown:
            raise ConfigError(
                f"'input.recipes' has unknown recipes: {describe_items(unknown)}."
                f"{_suggest(unknown[0], sorted(RECIPES))} Recipes: {', '.join(RECIPES)}."
            )
        if inp["source"] != "pxweb":
            raise ConfigError(
                "'input.recipes' is given but input.source is not 'pxweb'. Set "
                "source = 'pxweb' to fetch them, or remove recipes."
            )
    if inp["source"] != "synthetic" and inp["path"] and inp["source"] != "file":
        raise ConfigError("'input.path' is read only with input.source = 'file'.")
    if inp["source"] == "synthetic" and inp["path"]:
        raise ConfigError(
            f"'input.path' = {inp['path']!r} is given but input.source = 'synthetic'. "
            "Set source = 'file' to read it, or remove path."
        )
    _check_index_names(cfg["indices"]["names"])
    if run["level"] == "regso" and inp["boundaries"] == "embedded" and inp["edition"] != 2025:
        raise ConfigError(
            f"'input.boundaries' = 'embedded' is RegSO edition 2025, but input.edition = "
            f"{inp['edition']}. Give the path of a RegSO {inp['edition']} boundary file "
            "(SCB's WFS layer RegSO_2020), or use edition 2025."
        )
    if run["level"] == "deso" and inp["boundaries"] == "embedded":
        raise ConfigError(
            "'input.boundaries' = 'embedded' has RegSO only; at level 'deso' give the path "
            "of a DeSO boundary file (for example from SCB's WFS layer DeSO_2025)."
        )


def _check_index_names(names: list[str]) -> None:
    from segregation.indices import INDICES

    unknown = [n for n in names if n not in INDICES]
    if unknown:
        hint = _suggest(unknown[0], sorted(INDICES))
        raise ConfigError(
            f"'indices.names' has unknown indices: {describe_items(unknown)}.{hint} "
            f"Known indices: {', '.join(sorted(INDICES))}."
        )
    if not names:
        raise ConfigError("'indices.names' is empty: name at least one index.")


def parse_config(text: str, *, source: str = "the config") -> dict[str, dict[str, Any]]:
    """Parse and validate TOML text; return every section with its defaults filled in.

    Parameters
    ----------
    text : str
        The TOML document.
    source : str, default="the config"
        How errors name the document (usually its file name).

    Returns
    -------
    dict
        ``{section: {key: value}}`` for every section of :data:`SCHEMA`.

    Raises
    ------
    ConfigError
        On invalid TOML, an unknown section or key, a wrong type or a value not allowed.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}.") from None
    sections = sorted(SCHEMA)
    for name, value in raw.items():
        if name not in SCHEMA:
            raise ConfigError(
                f"Unknown section [{name}] in {source}.{_suggest(name, sections)} "
                f"Allowed sections: {', '.join(sections)}."
            )
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] in {source} must be a table of keys; got {value!r}.")
    cfg: dict[str, dict[str, Any]] = {}
    for section, keys in SCHEMA.items():
        given = raw.get(section, {})
        allowed = sorted(keys)
        for name in given:
            if name not in keys:
                raise ConfigError(
                    f"Unknown key '{section}.{name}' in {source}.{_suggest(name, allowed)} "
                    f"Allowed keys in [{section}]: {', '.join(allowed)}."
                )
        cfg[section] = {}
        for name, key in keys.items():
            value = given.get(name, copy.deepcopy(key.default))
            _check_key(section, name, key, value)
            cfg[section][name] = value
    _cross_checks(cfg, source)
    return cfg


def load_config(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read and validate a TOML config file (see :func:`parse_config`).

    Relative paths in the config (``input.path``, ``input.boundaries``) are resolved
    against the folder of the config file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "run.toml").write_text('[run]\\nlevel = "kommun"\\n')
    >>> load_config(folder / "run.toml")
    Traceback (most recent call last):
    ...
    segregation.pipeline.config.ConfigError: 'run.level' must be one of 'regso', 'deso'; got 'kommun'.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file {str(path)!r} does not exist.")
    cfg = parse_config(path.read_text(encoding="utf-8"), source=path.name)
    return resolve_paths(cfg, path.resolve().parent)


def resolve_paths(cfg: Mapping[str, Any], base: Path) -> dict[str, dict[str, Any]]:
    """Return a copy of ``cfg`` with relative input paths made absolute against ``base``."""
    out = copy.deepcopy(dict(cfg))
    inp = out["input"]
    if inp["path"]:
        inp["path"] = str((base / inp["path"]).resolve())
    if inp["boundaries"] not in ("embedded",):
        inp["boundaries"] = str((base / inp["boundaries"]).resolve())
    return out


def config_template() -> str:
    """A complete config with every key at its default and its meaning as a comment.

    Examples
    --------
    >>> parse_config(config_template()) == parse_config("")
    True
    """
    lines: list[str] = []
    for section, keys in SCHEMA.items():
        lines.append(f"[{section}]")
        for name, key in keys.items():
            allowed = f" One of: {', '.join(map(repr, key.options))}." if key.options else ""
            lines.append(f"# {key.doc}{allowed}")
            lines.append(f"{name} = {_toml_value(key.default)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)
