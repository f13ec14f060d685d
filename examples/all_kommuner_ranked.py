# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # All 290 kommuner ranked, with a map
#
# One vectorised call computes the dissimilarity index (born abroad against everyone) and
# the Theil information index H (tenure) for every kommun over its RegSO; the ranking is
# then mapped at kommun level. The counts are **synthetic** (seeded, offline).

# %%
import os
from pathlib import Path

import segregation as seg

OUT = Path(os.environ.get("EXAMPLES_OUT", "out/examples")) / "all_kommuner_ranked"
OUT.mkdir(parents=True, exist_ok=True)

# %%
regso = seg.load_regso()
counts = seg.synthetic(regso, seed=2025)
born_abroad = seg.indices.compute(
    counts,
    group="born_abroad",
    total="population",
    indices=["dissimilarity", "isolation"],
    by="kommunkod",
)
tenure = seg.indices.compute(
    counts, groups=["hyresratt", "bostadsratt", "aganderatt"], indices=["theil_h"], by="kommunkod"
)
table = (
    seg.kommuner()[["kommunnamn", "lansnamn"]]
    .join(born_abroad)
    .join(tenure[["theil_h"]])
    .sort_values("dissimilarity", ascending=False)
)
table["rank"] = range(1, len(table) + 1)
print(table.head(10)[["rank", "kommunnamn", "lansnamn", "dissimilarity", "theil_h", "n_areas"]])
assert len(table) == 290 and table["dissimilarity"].between(0, 1).all()

# %% [markdown]
# Kommuner with few RegSO have few areas to be uneven over: the index depends on the
# size of the areas (small-unit bias). Compare like with like, or use a bias-corrected
# index (`bias_corrected_dissimilarity`, `modified_dissimilarity`).

# %%
print(table.groupby(table["n_areas"] >= 10)["dissimilarity"].describe())

# %% [markdown]
# ## Map of the ranking
# A frame indexed by kommun codes gets the embedded kommun boundaries. Indices are
# statistics over whole kommuner, not small counts, so no suppression is needed.

# %%
indexed = table[["kommunnamn", "dissimilarity", "theil_h"]]
fmap = seg.maps.explore(
    indexed, ["dissimilarity", "theil_h"], title="Segregation by kommun (synthetic data)"
)
fmap.save(OUT / "kommuner_ranked.html")
figure = seg.maps.plot(indexed, "dissimilarity", title="Dissimilarity by kommun (synthetic)")
figure.savefig(OUT / "kommuner_ranked.png", dpi=120)
table.to_csv(OUT / "kommuner_ranked.csv")
print("wrote", sorted(p.name for p in OUT.iterdir()))
