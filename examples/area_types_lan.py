# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Area types of a län
#
# SCB's socioeconomic index and five area types (områdestyper) for the RegSO of Skåne
# län, set against the mean and standard deviation of all RegSO in Sweden, then counted
# per kommun and mapped. The indicators are **synthetic** (seeded, offline).
#
# index = (V1 + V2 + V3) / 3 in percent: V1 low economic standard, V2 förgymnasial
# education (20-64), V3 long-term economic assistance or unemployment (20-64).

# %%
import os
from pathlib import Path

import pandas as pd

import segregation as seg

OUT = Path(os.environ.get("EXAMPLES_OUT", "out/examples")) / "area_types_lan"
OUT.mkdir(parents=True, exist_ok=True)
LAN = "12"  # Skåne län

# %%
sweden = seg.load_regso()
counts = seg.synthetic(sweden, seed=2025)
index = seg.typology.socioeconomic_index(
    counts, population="population", population_20_64="population_20_64"
)
types = seg.typology.area_types(index)  # mean and SD over all 3,363 RegSO, each area counting once
print(f"national mean {types.attrs['mean']:.2f} %, SD {types.attrs['sd']:.2f} %")
print("thresholds (index in %):", [round(t, 2) for t in types.attrs["thresholds"]])

# %%
in_lan = sweden["lanskod"] == LAN
frame = sweden.loc[in_lan, ["regsonamn", "kommunnamn", "geometry"]].assign(
    socioeconomic_index=index[in_lan], area_type=types[in_lan]
)
print(f"{len(frame)} RegSO in {sweden.loc[in_lan, 'lansnamn'].iloc[0]}")

# %% [markdown]
# ## Area types per kommun
# Types 1 and 2 together are SCB's "områden med socioekonomiska utmaningar".

# %%
per_kommun = pd.crosstab(frame["kommunnamn"], frame["area_type"]).reindex(
    columns=[1, 2, 3, 4, 5], fill_value=0
)
per_kommun["challenges (1+2)"] = per_kommun[1] + per_kommun[2]
per_kommun = per_kommun.sort_values("challenges (1+2)", ascending=False)
print(per_kommun.head(10))
for code, area_type in seg.typology.AREA_TYPES.items():
    print(code, area_type.sv)
assert per_kommun[[1, 2, 3, 4, 5]].to_numpy().sum() == len(frame)

# %% [markdown]
# ## Map
# The area types use a fixed colour-blind-safe palette and SCB's Swedish names.

# %%
fmap = seg.maps.explore(
    frame, ["area_type", "socioeconomic_index"], title="Skåne län: area types (synthetic data)"
)
fmap.save(OUT / "skane_area_types.html")
figure = seg.maps.plot(frame, "area_type", title="Skåne län: area types (synthetic data)")
figure.savefig(OUT / "skane_area_types.png", dpi=120)
per_kommun.to_csv(OUT / "skane_area_types_per_kommun.csv")
print("wrote", sorted(p.name for p in OUT.iterdir()))
