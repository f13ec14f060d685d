"""Disclosure control: nothing that identifies a small group leaves the library.

* :func:`protect` - primary rules, Gauss secondary suppression over every level
  (DeSO -> RegSO -> kommun -> län -> riket) and an attacker audit, in one call;
* :mod:`~segregation.disclosure.rules` - frequency, derived-statistics and magnitude rules;
* :mod:`~segregation.disclosure.gauss` - the Gauss method on one sparse linked table;
* :mod:`~segregation.disclosure.audit` - intervals an attacker can derive (HiGHS LP/MILP);
* :mod:`~segregation.disclosure.ckm` - the cell key method (seeded perturbation);
* :func:`is_protected`, :func:`require_protected` - the mark that maps and exports check.
"""

from __future__ import annotations

import sys
import types

from segregation._lazy import lazy_exports

# public name -> module; imported on first use, so that reading a frame's protection mark
# (``_marks``) does not pull in SciPy's solvers
_EXPORTS: dict[str, str] = {
    "PROTECTED_ATTR": "segregation.disclosure._marks",
    "is_protected": "segregation.disclosure._marks",
    "mark_protected": "segregation.disclosure._marks",
    "protection_info": "segregation.disclosure._marks",
    "require_protected": "segregation.disclosure._marks",
    "DisclosureError": "segregation.disclosure._protect",
    "ProtectedTable": "segregation.disclosure._protect",
    "protect": "segregation.disclosure._protect",
    "audit": "segregation.disclosure.audit",
    "cell_intervals": "segregation.disclosure.audit",
    "PerturbedTable": "segregation.disclosure.ckm",
    "cell_keys": "segregation.disclosure.ckm",
    "perturb": "segregation.disclosure.ckm",
    "perturbation_table": "segregation.disclosure.ckm",
    "export_table": "segregation.disclosure.export",
    "gauss_suppress": "segregation.disclosure.gauss",
    "derived_rule": "segregation.disclosure.rules",
    "dominance_rule": "segregation.disclosure.rules",
    "frequency_rule": "segregation.disclosure.rules",
    "p_percent_rule": "segregation.disclosure.rules",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


class _Package(types.ModuleType):
    """The package, whose public functions win over submodules of the same name.

    ``audit`` is both a function and its module. Importing the module (which ``protect``
    does) makes Python bind it as the package's ``audit``, so that
    ``seg.disclosure.audit(result)`` would call a module; the binding is refused here and
    the name resolves to the function. The module stays importable by its full name
    (``from segregation.disclosure.audit import cell_intervals``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
