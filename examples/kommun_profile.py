# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A kommun's segregation profile
#
# Uppsala kommun at RegSO level: how unevenly persons born abroad, tenures and income
# groups are spread over its 61 areas, which areas are SCB area types 1 and 2, and a map.
#
# The counts are **synthetic** (seeded, offline): they have the structure of real data
# but are not statistics about real people. Swap `seg.synthetic(...)` for your own
# counts, `seg.read_scb(...)` or `seg.fetch(...)` to run this on real numbers.

# %%
import os
from pathlib import Path

import segregation as seg

OUT = Path(os.environ.get("EXAMPLES_OUT", "out/examples")) / "kommun_profile"
OUT.mkdir(parents=True, exist_ok=True)
KOMMUN = "0380"  # Uppsala

# %% [markdown]
# ## Areas and counts
# The embedded RegSO 2025 boundaries need no network. Synthetic counts are drawn for the
# whole country, so that area types compare Uppsala's areas with all of Sweden's.

# %%
sweden = seg.load_regso()
counts = seg.synthetic(sweden, seed=2025)
areas = sweden[sweden["kommunkod"] == KOMMUN]
local = counts.loc[areas.index]
print(f"{len(areas)} RegSO in {areas['kommunnamn'].iloc[0]}, {local['population'].sum():,} persons")

# %% [markdown]
# ## Single-group indices: born abroad against everyone
# Dissimilarity D is the share of persons born abroad who would have to move for every
# area to have the kommun's share; isolation is the share born abroad in the area of the
# average person born abroad.

# %%
single = seg.indices.compute(
    local,
    group="born_abroad",
    total="population",
    indices=["dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson"],
)
print(single.T)

# %%
assert 0 <= single.loc[0, "dissimilarity"] <= 1
# isolation + exposure = 1 when the other group is everyone else
assert abs(single.loc[0, "isolation"] + single.loc[0, "exposure"] - 1) < 1e-12

# %% [markdown]
# ## Multigroup and ordered indices: tenure and income groups

# %%
tenure = seg.indices.compute(
    local,
    groups=["hyresratt", "bostadsratt", "aganderatt"],
    indices=["multi_dissimilarity", "theil_h", "mutual_information"],
)
income = seg.indices.compute(
    local,
    groups=[f"income_q{q}" for q in range(1, 6)],
    indices=["rank_order_h", "income_inequality"],
)
print(tenure.T, income.T, sep="\n\n")

# %% [markdown]
# ## Uppsala against the other kommuner of its län
# `by="kommunkod"` computes every kommun in one vectorised pass.

# %%
lan = counts[sweden["lanskod"] == "03"]
by_kommun = seg.indices.compute(
    lan, group="born_abroad", total="population", indices=["dissimilarity"], by="kommunkod"
)
names = seg.kommuner()["kommunnamn"]
ranked = by_kommun.join(names).sort_values("dissimilarity", ascending=False)
print(ranked[["kommunnamn", "dissimilarity", "n_areas"]])

# %% [markdown]
# ## Area types
# SCB's socioeconomic index (mean of three shares, higher is worse) and its five area
# types, with the mean and SD taken over all areas of Sweden.

# %%
index = seg.typology.socioeconomic_index(
    counts, population="population", population_20_64="population_20_64"
)
types = seg.typology.area_types(index)
profile = areas[["regsonamn", "geometry"]].assign(
    socioeconomic_index=index.loc[areas.index], area_type=types.loc[areas.index]
)
print(profile["area_type"].value_counts().sort_index())

# %% [markdown]
# ## Map
# Area types and the index carry no small counts, so the map needs no suppression. The
# page works offline; open it in a browser.

# %%
fmap = seg.maps.explore(
    profile, ["area_type", "socioeconomic_index"], title="Uppsala (synthetic data)"
)
fmap.save(OUT / "uppsala_area_types.html")
figure = seg.maps.plot(profile, "area_type", title="Uppsala: area types (synthetic data)")
figure.savefig(OUT / "uppsala_area_types.png", dpi=120)
print("wrote", sorted(p.name for p in OUT.iterdir()))
