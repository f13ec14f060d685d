"""Segregation indices: one registry of kernels, computed for every group of areas at once.

Public entry points:

* :func:`compute`: any registered index, for one group against its total, one group against
  another, or several groups, for all areas or for every kommun/län in one pass;
* :func:`available`: the registry as a table (family, range, formula, reference, parameters);
* :func:`decompose`: mutual information M and Theil's H split into between and within parts;
* :func:`test`: random-allocation and bootstrap inference, vectorised over draws;
* :func:`multiscalar`: spatial profiles over distances (from the spatial engine).

Examples
--------
>>> import segregation as seg
>>> "dissimilarity" in seg.indices.available().index
True
"""

from __future__ import annotations

import importlib
import sys

from segregation._lazy import lazy_exports
from segregation.indices import aspatial  # noqa: F401  (registers the single-group indices)
from segregation.indices._prepare import InvalidCountError
from segregation.indices._registry import INDICES, Context, IndexSpec
from segregation.indices.compute import available, compute

for _module in ("multigroup", "ordered"):
    try:
        importlib.import_module(f"segregation.indices.{_module}")
    except ImportError:  # pragma: no cover - only while a module is being written
        pass

# Spatial indices register themselves when their module imports; they are optional so that
# the aspatial engine works even where the spatial dependencies are missing.
for _module in ("spatial", "local", "multiscalar"):
    try:
        importlib.import_module(f"segregation.indices.{_module}")
    except ImportError:
        pass

# The submodule multiscalar.py defines multiscalar(); importing it set the package attribute
# to the module. Bind the function instead (the import system sets it only on first load).
if hasattr(sys.modules.get("segregation.indices.multiscalar"), "multiscalar"):
    multiscalar = sys.modules["segregation.indices.multiscalar"].multiscalar

_LAZY = {
    "decompose": "segregation.indices.decomposition",
    "difference": "segregation.indices.comparison",
    "counterfactual": "segregation.indices.comparison",
    "test": "segregation.indices.inference",
    "multiscalar": "segregation.indices.multiscalar",
}

__all__ = [
    "INDICES",
    "Context",
    "IndexSpec",
    "InvalidCountError",
    "available",
    "compute",
    *_LAZY,
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
