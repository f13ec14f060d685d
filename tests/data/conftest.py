"""Fixtures for the data tests: a local PxWeb server with real statistics."""

from __future__ import annotations

import pytest
from pxweb_server import PxWebServer, build_tables


@pytest.fixture(scope="session")
def pxweb_content(shared_data, shared_reference):
    return build_tables(shared_data, shared_reference)


@pytest.fixture
def pxweb_server(pxweb_content):
    with PxWebServer(pxweb_content) as server:
        yield server


@pytest.fixture
def sleeps():
    """Seconds the client asked to sleep (recorded, not slept)."""
    return []


@pytest.fixture
def make_client(pxweb_server, tmp_path, sleeps):
    from segregation.data.pxweb import PxWebClient

    def make(**options):
        options.setdefault("cache_dir", tmp_path / "cache")
        options.setdefault("sleep", sleeps.append)
        options.setdefault("timeout", 5.0)
        return PxWebClient(pxweb_server.url, **options)

    return make
