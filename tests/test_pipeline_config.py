"""The batch config: strict validation with errors that name the key and the allowed values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from segregation.errors import SegregationError
from segregation.pipeline.config import (
    SCHEMA,
    ConfigError,
    config_template,
    load_config,
    parse_config,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "three_kommuner.toml"


def test_empty_config_gives_every_default():
    cfg = parse_config("")
    assert set(cfg) == set(SCHEMA)
    for section, keys in SCHEMA.items():
        assert set(cfg[section]) == set(keys)
        for name, key in keys.items():
            assert cfg[section][name] == key.default
    # defaults are copies: changing one parsed config leaves the schema alone
    cfg["indices"]["names"].append("theil_h")
    assert "theil_h" not in SCHEMA["indices"]["names"].default


def test_unknown_key_is_an_error_naming_key_and_allowed_keys():
    with pytest.raises(ConfigError) as info:
        parse_config('[run]\nkomuner = ["0380"]\n', source="batch.toml")
    message = str(info.value)
    assert "'run.komuner'" in message and "batch.toml" in message
    assert "Did you mean 'kommuner'?" in message
    for allowed in SCHEMA["run"]:
        assert allowed in message


def test_unknown_section_is_an_error_listing_sections():
    with pytest.raises(ConfigError, match=r"Unknown section \[output\].*Did you mean 'outputs'"):
        parse_config("[output]\nhtml = false\n")


def test_value_outside_options_names_allowed_values():
    with pytest.raises(
        ConfigError, match=r"'input.source' must be one of 'synthetic', 'file', 'pxweb'; got 'api'"
    ):
        parse_config('[input]\nsource = "api"\n')


def test_pxweb_source_needs_known_recipes():
    with pytest.raises(ConfigError, match=r"'input\.recipes' is required"):
        parse_config('[input]\nsource = "pxweb"\n')
    with pytest.raises(
        ConfigError, match=r"unknown recipes: born_abrod\. Did you mean 'born_abroad'"
    ):
        parse_config('[input]\nsource = "pxweb"\nrecipes = ["born_abrod"]\n')
    with pytest.raises(ConfigError, match=r"source is not 'pxweb'"):
        parse_config('[input]\nrecipes = ["born_abroad"]\n')


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("[run]\nworkers = 0\n", r"'run.workers' must be at least 1; got 0"),
        ('[run]\nworkers = "2"\n', r"'run.workers' must be an integer; got '2' \(str\)"),
        ("[run]\nworkers = true\n", r"'run.workers' must be an integer; got True"),
        ("[outputs]\nhtml = 1\n", r"'outputs.html' must be true or false; got 1"),
        ('[run]\nkommuner = ["0380", "38"]\n', r"malformed kommun codes: 38"),
        ('[run]\nkommuner = "0380"\n', r'must be "all" or a list of kommun codes'),
        ('[run]\nlan = ["3"]\n', r"malformed län codes: 3"),
        ("[indices]\nnames = [1, 2]\n", r"'indices.names' must be a list of a strings"),
        ("[input]\nseed = -1\n", r"'input.seed' must be 0 or more"),
        ("[input]\nedition = 2020\n[run]\nlevel = 'deso'\n", r"must be one of 2018, 2025"),
    ],
)
def test_bad_values_are_errors_naming_the_key(text, pattern):
    with pytest.raises(ConfigError, match=pattern):
        parse_config(text)


def test_kommuner_and_lan_together_are_refused():
    with pytest.raises(ConfigError, match=r"either 'run\.kommuner' or 'run\.lan'"):
        parse_config('[run]\nkommuner = ["0380"]\nlan = ["03"]\n')


def test_file_source_needs_a_path_and_synthetic_refuses_one():
    with pytest.raises(ConfigError, match=r"'input\.path' is required"):
        parse_config('[input]\nsource = "file"\n')
    with pytest.raises(ConfigError, match="Set source = 'file'"):
        parse_config('[input]\npath = "counts.csv"\n')


def test_invalid_toml_is_a_config_error_and_a_value_error():
    with pytest.raises(ConfigError, match="not valid TOML") as info:
        parse_config("[run\n")
    assert isinstance(info.value, SegregationError) and isinstance(info.value, ValueError)


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    config = tmp_path / "sub" / "run.toml"
    config.write_text('[input]\nsource = "file"\npath = "../counts.csv"\n', encoding="utf-8")
    cfg = load_config(config)
    assert cfg["input"]["path"] == str((tmp_path / "counts.csv").resolve())
    assert cfg["input"]["boundaries"] == "embedded"


def test_template_documents_every_key_and_parses_to_defaults():
    text = config_template()
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in text
        for name in keys:
            assert re.search(rf"^{name} = ", text, flags=re.M)
    assert parse_config(text) == parse_config("")


def test_shipped_example_config_is_valid():
    cfg = load_config(EXAMPLE)
    assert cfg["input"]["source"] == "synthetic"
    assert len(cfg["run"]["kommuner"]) == 3


def test_unknown_index_name_lists_the_registry():
    from segregation.indices import INDICES

    with pytest.raises(ConfigError, match=r"unknown indices: theil_hh\..*Known indices") as info:
        parse_config('[indices]\nnames = ["dissimilarity", "theil_hh"]\n')
    assert all(name in str(info.value) for name in INDICES)


def test_batch_guide_documents_every_key_with_its_default():
    guide = (Path(__file__).resolve().parents[1] / "docs" / "batch.md").read_text(encoding="utf-8")
    for section, keys in SCHEMA.items():
        for name, key in keys.items():
            row = next(
                (line for line in guide.splitlines() if f"| `{section}.{name}` |" in line), None
            )
            assert row is not None, f"docs/batch.md does not document {section}.{name}"
            if isinstance(key.default, bool):
                shown = "true" if key.default else "false"
            elif isinstance(key.default, int):
                shown = str(key.default)
            elif isinstance(key.default, str):
                shown = f'"{key.default}"'
            else:
                continue
            assert f"`{shown}`" in row, f"{section}.{name}: default {shown} not in {row}"


def test_cli_template_prints_a_config_that_parses_to_the_defaults(capsys):
    from segregation.cli import main

    assert main(["run", "--template"]) == 0
    assert parse_config(capsys.readouterr().out) == parse_config("")


def test_per_lan_refuses_a_list_of_kommuner():
    with pytest.raises(ConfigError, match=r"a län must be whole"):
        parse_config('[run]\nper = "lan"\nkommuner = ["0380"]\n')
    assert parse_config('[run]\nper = "lan"\nlan = ["03"]\n')["run"]["lan"] == ["03"]


def test_embedded_boundaries_are_regso_2025_only():
    with pytest.raises(
        ConfigError, match=r"'embedded' is RegSO edition 2025, but input.edition = 2020"
    ):
        parse_config("[input]\nedition = 2020\n")
