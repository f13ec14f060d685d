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

from segregation.disclosure._marks import (
    PROTECTED_ATTR,
    is_protected,
    mark_protected,
    protection_info,
    require_protected,
)
from segregation.disclosure._protect import DisclosureError, ProtectedTable, protect
from segregation.disclosure.audit import audit, cell_intervals
from segregation.disclosure.ckm import PerturbedTable, cell_keys, perturb, perturbation_table
from segregation.disclosure.export import export_table
from segregation.disclosure.gauss import gauss_suppress
from segregation.disclosure.rules import (
    derived_rule,
    dominance_rule,
    frequency_rule,
    p_percent_rule,
)

__all__ = [
    "PROTECTED_ATTR",
    "DisclosureError",
    "PerturbedTable",
    "ProtectedTable",
    "audit",
    "cell_intervals",
    "cell_keys",
    "derived_rule",
    "dominance_rule",
    "export_table",
    "frequency_rule",
    "gauss_suppress",
    "is_protected",
    "mark_protected",
    "p_percent_rule",
    "perturb",
    "perturbation_table",
    "protect",
    "protection_info",
    "require_protected",
]
