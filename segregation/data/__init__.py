"""Who lives where: tables of counts per area, from SCB or made up.

* :mod:`segregation.data.scb_files` reads SCB's exports (CSV, XLSX, json-stat2);
  :mod:`segregation.data.matching` matches region labels to codes and joins tables onto
  boundaries with a report of what did not match; :func:`~segregation.data.validate.check_counts`
  validates counts.
* :mod:`segregation.data.pxweb` is a client for SCB's statistics API (PxWeb v2), and
  :mod:`segregation.data.recipes` names the common DeSO/RegSO tables (``seg.fetch``).
* :mod:`segregation.data.synthetic` makes seeded synthetic populations over real
  boundaries.
* :mod:`segregation.data.records` and :mod:`segregation.data.register` turn person-level
  records into area counts.

The public functions are re-exported at the top level (``seg.read_scb``, ``seg.fetch``,
``seg.synthetic`` ...); nothing is imported here, so ``import segregation`` stays light.
"""
