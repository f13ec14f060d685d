# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Protected tables from your own counts
#
# You hold counts per DeSO or RegSO (from your own register, a survey, or an SCB
# delivery) and want to publish tables and maps without disclosing small groups. This
# example writes a CSV of "own" counts for the RegSO of Uppsala län (synthetic, seeded),
# reads it back as a user would, protects it, and publishes the result.
#
# Protection in one call: counts from 1 to 4 are withheld (primary suppression), further
# cells are withheld so that none can be recomputed from kommun, län and national totals
# (secondary suppression, the Gauss method), and an attacker's linear programme checks
# every withheld cell (the audit).

# %%
import os
from pathlib import Path

import pandas as pd

import segregation as seg

OUT = Path(os.environ.get("EXAMPLES_OUT", "out/examples")) / "protected_tables"
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## Your counts
# One row per area, the area code in a column, one column per category. Here: persons by
# tenure, with a few small cells as real small areas have.

# %%
areas = seg.load_regso(lan="03")
synthetic = seg.synthetic(areas, seed=7)[["hyresratt", "bostadsratt", "aganderatt"]]
synthetic.iloc[[3, 17, 40], 1] = [2, 1, 4]  # small cells to protect
synthetic.to_csv(OUT / "own_counts.csv", index_label="regsokod")

own = pd.read_csv(OUT / "own_counts.csv", dtype={"regsokod": str}).set_index("regsokod")
print(own.head())

# %% [markdown]
# ## Protect
# `protect` builds the linked table RegSO -> kommun -> län -> riket with totals.

# %%
result = seg.disclosure.protect(own, 5)
print(result)
print(result.summary())
assert result.n_primary >= 3

# %%
regso = result.wide("regso")  # withheld cells are missing (<NA>)
kommun = result.wide("kommun")
shares = result.shares("regso")
print(regso[regso.isna().any(axis=1)])
print(kommun)
assert seg.disclosure.is_protected(regso)

# %% [markdown]
# ## Publish
# The protected tables carry a mark; maps and exports accept only marked frames.
# Write the tables (withheld values empty) and map a protected share.

# %%
regso.to_csv(OUT / "tenure_regso_protected.csv")
kommun.to_csv(OUT / "tenure_kommun_protected.csv")
result.to_csv(OUT / "tenure_all_levels_protected.csv")

published = (
    shares[["hyresratt"]].rename(columns={"hyresratt": "hyresratt_share"}).rename_axis("regsokod")
)
assert seg.disclosure.is_protected(published)  # the mark travels with copies
fmap = seg.maps.explore(published, "hyresratt_share", title="Share in rented dwellings")
fmap.save(OUT / "hyresratt_share.html")
print("wrote", sorted(p.name for p in OUT.iterdir()))

# %% [markdown]
# Raw counts with small values never reach a map: the same map of the unprotected
# counts raises an error that names the columns.

# %%
try:
    seg.maps.explore(own, "bostadsratt")
except seg.UnprotectedDataError as error:
    print("refused:", str(error)[:160], "...")
else:
    raise AssertionError("raw small counts reached a map")
