"""Every example in examples/ runs as it is, offline, and writes what it says it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def test_there_are_at_least_four_notebook_style_examples():
    mine = {p.stem for p in SCRIPTS}
    assert {"kommun_profile", "all_kommuner_ranked", "area_types_lan", "protected_tables"} <= mine
    for script in SCRIPTS:
        text = script.read_text(encoding="utf-8")
        assert "format_name: percent" in text and "# %%" in text, f"{script.name} is not jupytext"


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs_and_writes_its_outputs(script, tmp_path):
    env = {**os.environ, "EXAMPLES_OUT": str(tmp_path), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"{script.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written, f"{script.name} wrote nothing"
    for page in (p for p in written if p.suffix == ".html"):
        html = page.read_text(encoding="utf-8")
        assert "Källa: SCB" in html
        # offline: no script or stylesheet is fetched from a CDN
        assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    for image in (p for p in written if p.suffix == ".png"):
        assert image.read_bytes()[:4] == b"\x89PNG" and image.stat().st_size > 10_000


@pytest.mark.parametrize("page", ["index.md", "getting-started.md"])
def test_python_code_in_the_guide_runs(page, tmp_path, monkeypatch):
    import re

    import matplotlib

    matplotlib.use("Agg")
    text = (EXAMPLES.parent / "docs" / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, f"no Python code in docs/{page}"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, f"docs/{page}", "exec"), namespace)


def test_api_reference_documents_every_module_with_public_exports():
    import importlib
    import inspect
    import re

    api = EXAMPLES.parent / "docs" / "api"
    documented = set()
    for page in api.glob("*.md"):
        documented |= set(re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M))
    packages = ["segregation"] + [
        f"segregation.{name}"
        for name in ("areas", "data", "indices", "typology", "disclosure", "maps", "pipeline")
    ]
    # a documented module renders what it defines, and the names in its __all__ it imports
    rendered = set()
    for name in documented:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional dependency; the page still documents it
            continue
        rendered |= {id(getattr(module, n)) for n in getattr(module, "__all__", [])}
    missing = []
    for package in packages:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            home = value.__module__
            defined_in_a_page = home in documented and not name.startswith("_")
            if not (defined_in_a_page or id(value) in rendered or f"{home}.{name}" in documented):
                missing.append(f"{package}.{name} (defined in {home})")
    assert not missing, f"docs/api does not document {missing}"
    # the modules split out of scb_files have their own sections
    assert {"segregation.data.matching", "segregation.data.validate"} <= documented


def test_architecture_page_lists_every_public_module_of_each_subpackage():
    import re

    page = (EXAMPLES.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = EXAMPLES.parent / "segregation"
    missing = []
    for folder in sorted(p for p in package.iterdir() if (p / "__init__.py").is_file()):
        row = re.search(rf"^\| `segregation/{folder.name}/` \|(.*)$", page, re.M)
        assert row, f"docs/architecture.md has no row for segregation/{folder.name}/"
        for module in sorted(folder.glob("[!_]*.py")):
            if f"`{module.name}`" not in row.group(1):
                missing.append(f"{folder.name}/{module.name}")
    assert not missing, f"docs/architecture.md does not list {missing}"


def test_interactive_examples_in_the_areas_guide_give_what_they_show():
    import doctest
    import re

    text = (EXAMPLES.parent / "docs" / "areas.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if ">>>" in b]
    assert blocks
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    runner = doctest.DocTestRunner(optionflags=flags)
    for i, block in enumerate(blocks):
        test = doctest.DocTestParser().get_doctest(block, {}, f"areas.md[{i}]", "areas.md", 0)
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
