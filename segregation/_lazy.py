"""Lazy re-exports for package ``__init__`` files (PEP 562).

A package lists its public names and the modules that define them; a name's module is
imported the first time the name is used, so ``import segregation`` stays fast and heavy
dependencies load only when needed.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], submodules: Iterable[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package``.

    ``exports`` maps a public name to the module that defines it; names in ``submodules``
    are the package's own submodules (``segregation.indices`` for ``indices``). A value is
    cached in the package's namespace after its first use.

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("segregation", {"parse_codes": "segregation.areas.codes"})
    >>> getattr_("parse_codes").__name__
    'parse_codes'
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'segregation' has no attribute 'nothing'
    """
    submodules = tuple(submodules)

    def __getattr__(name: str) -> Any:
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
        elif name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        module = sys.modules[package]
        return sorted(set(getattr(module, "__all__", ())) | set(exports) | set(submodules))

    return __getattr__, __dir__
