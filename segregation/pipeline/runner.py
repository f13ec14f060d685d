"""Run a batch from a config: every kommun's map, PNG and tables, a summary and a manifest.

The numbers (area types over all areas, indices for every kommun in one vectorised call,
disclosure control) are computed once in the main process. Drawing maps is the slow part,
so kommuner are drawn by a pool of worker processes (``run.workers``, default 2). Each
finished kommun leaves a record with the sha256 of its files in ``OUT/.state``; a run that
is interrupted and started again with the same config and inputs skips every kommun whose
record matches its files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from segregation._version import __version__
from segregation.errors import describe_items
from segregation.pipeline import manifest as mf
from segregation.pipeline import stages
from segregation.pipeline.config import ConfigError, load_config, parse_config, resolve_paths
from segregation.pipeline.render import (
    check_map_columns,
    render_national,
    render_unit,
    worker_init,
)

__all__ = ["RunResult", "run"]

_STATE = ".state"
_SUMMARY = "summary/indices.csv"
_OVERALL = "summary/all_areas.csv"
_TYPE_COLUMNS = [f"n_area_type_{t}" for t in range(1, 6)]


@dataclass
class RunResult:
    """What a run did: where, which kommuner (or län) it drew or resumed, every output hash."""

    out: Path
    manifest: Path
    units: list[str]
    drawn: list[str]
    resumed: list[str]
    outputs: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0


def _validated(config: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(config, Mapping):
        text = _to_toml(config)
        return resolve_paths(parse_config(text, source="the config"), Path.cwd())
    return load_config(config)


def _to_toml(config: Mapping[str, Any]) -> str:
    from segregation.pipeline.config import _toml_value

    lines = []
    for section, keys in config.items():
        if not isinstance(keys, Mapping):
            raise ConfigError(f"[{section}] must be a table of keys; got {keys!r}.")
        lines.append(f"[{section}]")
        lines += [f"{name} = {_toml_value(value)}" for name, value in keys.items()]
    return "\n".join(lines) + "\n"


def _fingerprint(cfg: Mapping[str, Any], inputs: Mapping[str, Any]) -> str:
    hashes = {role: item["sha256"] for role, item in inputs.items()}
    text = json.dumps({"config": cfg, "inputs": hashes, "version": __version__}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_state(out: Path, fingerprint: str, fresh: bool) -> dict[str, dict[str, str]]:
    """Records of kommuner finished by an earlier run of the same fingerprint."""
    state = out / _STATE
    if fresh and state.exists():
        shutil.rmtree(state)
    run_file = state / "run.json"
    if run_file.is_file():
        previous = json.loads(run_file.read_text(encoding="utf-8"))
        if previous.get("fingerprint") != fingerprint:
            raise ConfigError(
                f"{out} holds an unfinished or finished run of a different config or different "
                "inputs. Start over with --fresh (or fresh=True), or choose another --out."
            )
    (state / "kommuner").mkdir(parents=True, exist_ok=True)
    mf.write_json(run_file, {"fingerprint": fingerprint})
    done: dict[str, dict[str, str]] = {}
    for record in sorted((state / "kommuner").glob("*.json")):
        files = json.loads(record.read_text(encoding="utf-8"))
        intact = all(
            (out / rel).is_file() and mf.sha256_file(out / rel) == digest
            for rel, digest in files.items()
        )
        if intact:
            done[record.stem] = files
        else:  # a file was removed or changed since: draw the kommun again
            record.unlink()
    return done


def _summary(
    names: pd.DataFrame, column: str, table: pd.DataFrame, indices: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per kommun (or län): names, every index (with n_areas, n_persons), area types."""
    out = names.copy()
    out.index.name = column
    if indices is not None:
        out = out.join(indices, how="left")
    if "area_type" in table:
        counts = pd.crosstab(table[column], table["area_type"])
        for t, name in zip(range(1, 6), _TYPE_COLUMNS, strict=True):
            out[name] = counts[t] if t in counts else 0
        out[_TYPE_COLUMNS] = out[_TYPE_COLUMNS].fillna(0).astype("int64")
    return out


def run(
    config: str | Path | Mapping[str, Any],
    out: str | Path,
    *,
    workers: int | None = None,
    progress: bool = True,
    fresh: bool = False,
) -> RunResult:
    """Run a batch from a TOML config file (or a dict of the same shape) into ``out``.

    Parameters
    ----------
    config : path or mapping
        A TOML file (see :mod:`segregation.pipeline.config` for every key) or a dict of
        sections. Relative paths in a file are read relative to the file.
    out : path
        Output folder; created if missing. A folder holding an interrupted run of the same
        config and inputs is resumed.
    workers : int, optional
        Processes that draw maps; overrides ``run.workers`` (default 2). 1 draws in this
        process.
    progress : bool, default=True
        Show a progress bar of kommuner done (on stderr).
    fresh : bool, default=False
        Forget an earlier run in ``out`` and draw every kommun again.

    Returns
    -------
    RunResult
        The output folder, the manifest path, the kommuner drawn now and those resumed,
        and the sha256 of every output.

    Raises
    ------
    ConfigError
        On an invalid config, or when ``out`` holds a run of another config.
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    cfg = _validated(config)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    areas = stages.load_areas(cfg)
    selected = stages.selected_kommuner(cfg, areas)
    counts = stages.load_counts(cfg, areas)
    stages.check_index_columns(cfg, counts)
    inputs = {**mf.hash_inputs(stages.input_files(cfg)), **counts.attrs.get("fetched", {})}
    done = _check_state(out, _fingerprint(cfg, inputs), fresh)
    types = stages.compute_area_types(cfg, counts)
    in_run = areas["kommunkod"].isin(selected).to_numpy()
    stages.check_coverage(cfg, counts, selected)
    keep = areas.index[in_run]
    areas, counts, types = areas.loc[keep], counts.reindex(keep), types.reindex(keep)
    indices = stages.compute_indices(cfg, counts, areas, by=stages.unit_column(cfg))
    protected = stages.protect_areas(cfg, counts)
    table = stages.area_table(areas, protected, types)
    protection = _protection(protected, cfg)
    if protection["protected"]:
        from segregation.disclosure._marks import mark_protected

        mark_protected(table, **{k: v for k, v in protection.items() if k != "protected"})

    if any(cfg["outputs"][k] for k in ("html", "png", "national_map", "national_png")):
        check_map_columns(table, cfg["outputs"]["map_columns"])
    column, units, names = stages.units(cfg, selected)
    outputs_for = _outputs_per_unit(cfg, units)
    todo = [u for u in units if u not in done and any(outputs_for[u].values())]
    folder = "kommuner" if column == "kommunkod" else "lan"
    folders = {u: f"{folder}/{stages.kommun_folder(u, names.loc[u, 'namn'])}" for u in units}
    rows_of = dict(tuple(table.groupby(column, sort=True)))  # one pass, not one filter per unit
    jobs = [
        {
            "code": u,
            "name": names.loc[u, "namn"],
            "folder": str(out / folders[u]),
            "out": str(out),
            "table": rows_of[u],
            "indices": indices.loc[[u]] if indices is not None else None,
            "outputs": outputs_for[u],
            "map_columns": cfg["outputs"]["map_columns"],
            "synthetic": cfg["input"]["source"] == "synthetic",
            "protected": protection["protected"],
        }
        for u in todo
    ]
    n_workers = min(workers or cfg["run"]["workers"], max(len(jobs), 1))
    _preload(cfg)
    drawn = _draw(jobs, out, n_workers, progress, total=len(done) + len(jobs), initial=len(done))

    records = {**done, **drawn}
    outputs: dict[str, str] = {}
    for u in units:
        outputs.update(records.get(u, {}))
    summary = _summary(names.drop(columns="namn"), column, table, indices)
    overall = _overall(cfg, counts, areas, table, len(units))
    outputs.update(_national(cfg, out, summary, overall, table, protection["protected"]))
    if cfg["outputs"]["index_page"]:
        outputs.update(_write_index(cfg, out, summary, outputs, folders))
    outputs = dict(sorted(outputs.items()))
    finished = datetime.now(UTC)
    manifest = {
        "library": {"name": "deso-segregation", "version": __version__},
        "git": mf.git_revision(),
        "environment": mf.environment(),
        "config": cfg,
        "inputs": inputs,
        "seeds": _seeds(cfg),
        "protection": protection,
        "per": cfg["run"]["per"],
        "units": units,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - clock, 3),
        "resumed": sorted(done),
        "outputs": outputs,
    }
    manifest_path = out / mf.MANIFEST_NAME
    mf.write_json(manifest_path, manifest)
    return RunResult(
        out=out,
        manifest=manifest_path,
        units=units,
        drawn=sorted(drawn),
        resumed=sorted(done),
        outputs=outputs,
        inputs=inputs,
        seconds=manifest["seconds"],
    )


def _outputs_per_unit(cfg: Mapping[str, Any], units: list[str]) -> dict[str, dict]:
    """Which files each kommun (or län) gets: maps only for ``outputs.maps_for``."""
    outputs = cfg["outputs"]
    wanted = outputs["maps_for"]
    if wanted != "all":
        outside = sorted(set(wanted) - set(units))
        if outside:
            what = "kommuner" if cfg["run"]["per"] == "kommun" else "län"
            raise ConfigError(
                f"'outputs.maps_for' lists {what} that are not in the run: "
                f"{', '.join(outside)}. The run has {describe_items(units)}; with "
                f"run.per = {cfg['run']['per']!r} give {what} codes."
            )
    maps = set(units) if wanted == "all" else set(wanted)
    keys = ("areas_csv", "indices_csv")
    return {
        u: {
            **{key: outputs[key] for key in keys},
            "html": outputs["html"] and u in maps,
            "png": outputs["png"] and u in maps,
        }
        for u in units
    }


def _seeds(cfg: Mapping[str, Any]) -> dict[str, int]:
    seeds = {"indices": cfg["indices"]["seed"]}
    if cfg["input"]["source"] == "synthetic":
        seeds["synthetic"] = cfg["input"]["seed"]
    return seeds


def _protection(protected: pd.DataFrame, cfg: Mapping[str, Any]) -> dict[str, Any]:
    from segregation.disclosure._marks import is_protected, protection_info

    if not cfg["disclosure"]["enabled"]:
        return {"protected": False, "note": "disclosure.enabled = false: counts are raw"}
    info = protection_info(protected) if is_protected(protected) else {}
    return json.loads(json.dumps({"protected": True, **info}, default=str))


def _preload(cfg: Mapping[str, Any]) -> None:
    """Import the map modules once here, so forked workers do not each import them."""
    if cfg["outputs"]["html"] or cfg["outputs"]["national_map"]:
        import segregation.maps.interactive
    if cfg["outputs"]["png"] or cfg["outputs"]["national_png"]:
        import segregation.maps.static  # noqa: F401


def _draw(
    jobs: list[dict[str, Any]],
    out: Path,
    workers: int,
    progress: bool,
    *,
    total: int,
    initial: int,
) -> dict[str, dict[str, str]]:
    """Draw every job, recording each finished kommun as soon as its files are written."""
    from tqdm.auto import tqdm

    records: dict[str, dict[str, str]] = {}
    bar = None

    def finish(code: str, files: dict[str, str]) -> None:
        mf.write_json(out / _STATE / "kommuner" / f"{code}.json", files)
        records[code] = files
        bar.update(1)

    def new_bar() -> Any:
        return tqdm(
            total=total, initial=initial, desc="kommuner", unit="kommun", disable=not progress
        )

    if workers <= 1:
        bar = new_bar()
        try:
            for job in jobs:
                finish(job["code"], render_unit(job))
        finally:
            bar.close()
        return records
    # Workers are forked on Linux: they start at once with the libraries already imported,
    # and a user's script without an `if __name__ == "__main__"` guard is not re-run in
    # them. Elsewhere they are spawned. The progress bar (a thread) starts after the fork.
    import multiprocessing

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=worker_init
    ) as pool:
        futures = {pool.submit(render_unit, job): job["code"] for job in jobs}
        bar = new_bar()
        try:
            for future in as_completed(futures):
                finish(futures[future], future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            bar.close()
    return records


def _write_index(
    cfg: Mapping[str, Any],
    out: Path,
    summary: pd.DataFrame,
    outputs: Mapping[str, str],
    folders: Mapping[str, str],
) -> dict[str, str]:
    from segregation.pipeline.index_page import index_page
    from segregation.pipeline.stable import write_bytes

    page = index_page(
        summary,
        outputs,
        folders,
        title=cfg["run"]["title"] or "deso-segregation batch run",
        synthetic=cfg["input"]["source"] == "synthetic",
    )
    write_bytes(out / "index.html", page.encode("utf-8"))
    return {"index.html": mf.sha256_file(out / "index.html")}


def _overall(
    cfg: Mapping[str, Any],
    counts: pd.DataFrame,
    areas: pd.DataFrame,
    table: pd.DataFrame,
    n_units: int,
) -> pd.DataFrame | None:
    """One row over all areas of the run: the indices, the number of units, area types."""
    if not cfg["outputs"]["summary"]:
        return None
    overall = stages.compute_indices(dict(cfg), counts, areas, by=None)
    overall.insert(0, f"n_{'kommuner' if cfg['run']['per'] == 'kommun' else 'lan'}", n_units)
    if "area_type" in table:
        for t, name in zip(range(1, 6), _TYPE_COLUMNS, strict=True):
            overall[name] = int((table["area_type"] == t).sum())
    return overall


def _national(
    cfg: Mapping[str, Any],
    out: Path,
    summary: pd.DataFrame,
    overall: pd.DataFrame | None,
    table: pd.DataFrame,
    protected: bool,
) -> dict[str, str]:
    from segregation.pipeline.render import mark_synthetic
    from segregation.pipeline.stable import write_csv

    synthetic = cfg["input"]["source"] == "synthetic"
    written: dict[str, str] = {}
    if cfg["outputs"]["summary"]:
        write_csv(out / _SUMMARY, mark_synthetic(summary, synthetic), index=True)
        written[_SUMMARY] = mf.sha256_file(out / _SUMMARY)
    if overall is not None:
        write_csv(out / _OVERALL, mark_synthetic(overall, synthetic), index=True)
        written[_OVERALL] = mf.sha256_file(out / _OVERALL)
    if cfg["outputs"]["national_map"] or cfg["outputs"]["national_png"]:
        paths = render_national(
            table,
            out / "summary",
            columns=cfg["outputs"]["map_columns"],
            synthetic=cfg["input"]["source"] == "synthetic",
            protected=protected,
            html=cfg["outputs"]["national_map"],
            png=cfg["outputs"]["national_png"],
        )
        for path in paths:
            written[path.relative_to(out).as_posix()] = mf.sha256_file(path)
    return written
