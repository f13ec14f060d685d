"""Shared fixtures.

Tests that read ``../shared/data`` use the ``shared_data`` fixture: outside CI they skip
with a reason when the folder is missing; with ``CI=true`` they fail, since CI must run them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SHARED_REFERENCE = REPO.parent / "shared" / "reference"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_path(path: Path) -> Path:
    """Return ``path`` if it exists; fail in CI, skip elsewhere, when it does not."""
    if path.exists():
        return path
    message = f"{path} is missing: the shared data must sit beside the checkout (../shared)."
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real SCB data and reference values (``../shared/data``)."""
    return require_path(SHARED_DATA)


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """The folder of API specs and example responses (``../shared/reference``)."""
    return require_path(SHARED_REFERENCE)
