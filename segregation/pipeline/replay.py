"""Re-run a manifest and compare every output, file by file."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segregation.pipeline import manifest as mf

__all__ = ["ReproduceReport", "check", "reproduce"]


@dataclass
class ReproduceReport:
    """The outcome of :func:`reproduce`: inputs and outputs, each sorted into lists."""

    manifest: Path
    inputs_changed: list[str] = field(default_factory=list)
    inputs_missing: list[str] = field(default_factory=list)
    outputs: dict[str, list[str]] = field(default_factory=dict)
    software: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """True when every expected output was made again with the same sha256, and no other."""
        o = self.outputs
        return bool(o) and not (o["changed"] or o["missing"] or o["new"])

    def lines(self) -> list[str]:
        """The report as text, one line per input change and one per output file."""
        lines = []
        for role in self.inputs_missing:
            lines.append(f"input missing    {role}")
        for role in self.inputs_changed:
            lines.append(f"input changed    {role}")
        for note in self.software:
            lines.append(f"software differs {note}")
        status = {"identical": "identical", "changed": "CHANGED  ", "missing": "MISSING  "}
        rows = [(p, k) for k in ("identical", "changed", "missing") for p in self.outputs[k]]
        rows += [(p, "new") for p in self.outputs["new"]]
        for path, kind in sorted(rows):
            lines.append(f"{status.get(kind, 'NEW      ')}        {path}")
        n = sum(len(v) for k, v in self.outputs.items() if k != "new")
        same = len(self.outputs["identical"])
        verdict = "identical" if self.identical else "NOT identical"
        lines.append(f"{same} of {n} outputs identical: the run is {verdict}.")
        return lines


def _software_differences(recorded: dict[str, Any]) -> list[str]:
    from segregation._version import __version__

    notes = []
    lib = recorded.get("library", {}).get("version")
    if lib and lib != __version__:
        notes.append(f"deso-segregation {lib} -> {__version__}")
    env = recorded.get("environment", {})
    now = mf.environment()
    if env.get("python") and env["python"] != now["python"]:
        notes.append(f"python {env['python']} -> {now['python']}")
    for name, version in sorted(env.get("dependencies", {}).items()):
        current = now["dependencies"].get(name) or now["distributions"].get(name)
        if current and current != version:
            notes.append(f"{name} {version} -> {current}")
    return notes


def _check_input_files(recorded: dict[str, Any], report: ReproduceReport) -> None:
    """Record input files that are missing or whose sha256 changed since the run.

    Inputs fetched from an API have no path: they are compared after a re-run.
    """
    for role, item in sorted(recorded["inputs"].items()):
        if "path" not in item:
            continue
        file = mf.input_path(role, item)
        if not file.is_file():
            report.inputs_missing.append(f"{role} ({file})")
        elif mf.sha256_file(file) != item["sha256"]:
            report.inputs_changed.append(f"{role} ({file})")


def check(manifest: str | Path) -> ReproduceReport:
    """Check the files beside a manifest against it, without running anything.

    Useful for an archived run: every output the manifest lists must still be there with
    the recorded sha256; files in the folder that the manifest does not list are reported
    as new (bookkeeping in ``.state`` is left out).

    Parameters
    ----------
    manifest : path
        A ``manifest.json`` (or its folder).

    Returns
    -------
    ReproduceReport
        Outputs sorted into identical, changed, missing and new; inputs that changed.
    """
    path = Path(manifest)
    recorded = mf.read_manifest(path)
    folder = path if path.is_dir() else path.parent
    report = ReproduceReport(manifest=path)
    _check_input_files(recorded, report)
    report.outputs = mf.compare_outputs(recorded["outputs"], mf.hash_outputs(folder))
    return report


def reproduce(
    manifest: str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    progress: bool = True,
) -> ReproduceReport:
    """Run the config recorded in ``manifest`` again and compare every output.

    Parameters
    ----------
    manifest : path
        A ``manifest.json`` written by :func:`segregation.pipeline.run` (or its folder).
    out : path, optional
        Where to write the new run. Default: a temporary folder, removed afterwards.
    workers : int, optional
        Processes that draw maps (default: as recorded).
    progress : bool, default=True
        Show a progress bar.

    Returns
    -------
    ReproduceReport
        Which inputs changed since the run, and which outputs are identical, changed,
        missing or new; ``report.identical`` is the verdict.
    """
    from segregation.pipeline.runner import run

    path = Path(manifest)
    recorded = mf.read_manifest(path)
    report = ReproduceReport(manifest=path)
    _check_input_files(recorded, report)
    report.software = _software_differences(recorded)
    if report.inputs_missing:
        report.outputs = mf.compare_outputs(recorded["outputs"], {})
        return report

    target = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="reproduce-"))
    try:
        result = run(recorded["config"], target, workers=workers, progress=progress, fresh=True)
        report.outputs = mf.compare_outputs(recorded["outputs"], result.outputs)
        for role, item in sorted(recorded["inputs"].items()):
            now = result.inputs.get(role)
            if "path" not in item and (now is None or now["sha256"] != item["sha256"]):
                report.inputs_changed.append(f"{role} ({item.get('url')}, {item.get('table')})")
    finally:
        if out is None:
            shutil.rmtree(target, ignore_errors=True)
    return report
