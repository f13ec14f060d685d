# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Own records to a protected RegSO table and a map
#
# An agency holds a person register (benefits, sick leave...) with home coordinates and
# wants rates per residential area, side by side with SCB's area statistics, without
# publishing anything that could disclose a person. This example:
#
# 1. builds a seeded synthetic register: persons placed inside the real RegSO polygons of
#    Uppsala län, with sex, age group, born abroad and an outcome (`benefit`);
# 2. assigns every record to its RegSO (point in polygon) and reads the report of records
#    that could not be assigned;
# 3. publishes a protected table at RegSO, kommun and län level with the benefit rate per
#    area, and maps the rate;
# 4. runs the same assignment partition by partition with Dask and checks it is identical.

# %%
import os
from pathlib import Path

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

import segregation as seg

OUT = Path(os.environ.get("EXAMPLES_OUT", "out/examples")) / "own_records"
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## A synthetic register
# Persons per RegSO follow a population column: here the seeded synthetic area
# populations of `seg.synthetic` (with real SCB counts, pass those instead). The register
# is thin (one record per 30 inhabitants), so that small cells occur as they do in a real
# register of benefit recipients.

# %%
areas = seg.load_regso(lan="03")
populations = seg.synthetic(areas, seed=7)
population = populations[["population", "born_in_sweden"]].rename(columns={"population": "total"})
register = seg.synthetic_register(
    population, n=int(population["total"].sum() / 30), areas=areas, seed=2023
)
register = register.drop(columns="home")  # an agency's file does not know the area
print(len(register), "persons")
print(register.head())

# %% [markdown]
# Real files have faults. Three records get them here: x and y exchanged, a missing
# coordinate, and a point in the sea.

# %%
register.loc[10, ["x", "y"]] = register.loc[10, ["y", "x"]].to_numpy().copy()
register.loc[20, "x"] = np.nan
register.loc[30, ["x", "y"]] = [735_000.0, 6_650_000.0]  # Ålands hav
register.to_csv(OUT / "register.csv", index=False)

# %% [markdown]
# ## Assign every record to its RegSO
# Coordinates in SWEREF 99 TM (EPSG:3006); WGS 84 works with `crs=4326`. A point on a
# shared boundary goes to the area with the smallest code. Nothing is dropped: the report
# names every record that was not assigned, with its row number and the reason.

# %%
records = pd.read_csv(OUT / "register.csv")
assigned = seg.assign(records, areas, x="x", y="y", crs=3006, on_unassigned="ignore")
print(assigned)
print(assigned.report)
assert assigned.report["row"].tolist() == [10, 20, 30]
assert assigned.report["reason"].tolist() == ["swapped axes", "missing coordinates", "in no area"]
assert assigned.n_assigned + len(assigned.report) == len(records)

# %% [markdown]
# ## Publish: counts and rates, protected at every level
# `publish` counts by born abroad and benefit at RegSO, kommun and län level, protects the
# linked table (counts 1-4 withheld, further cells withheld so that none can be
# recomputed, an attacker's audit), and adds the benefit rate with the
# derived-statistics rule: a rate is withheld when its numerator or denominator is.
# SCB's share born abroad (here from the synthetic area statistics) sits beside it.

# %%
scb = pd.DataFrame(
    {"scb_share_born_abroad": populations["born_abroad"] / populations["population"]}
)
table = seg.publish(
    assigned.data,
    area="regso",
    outcome="benefit",
    categories="born_abroad",
    levels=("regso", "kommun", "lan"),
    stats=scb,
    on_missing="ignore",
)
print(seg.disclosure.protection_info(table))
print(table.loc["kommun"])
assert seg.disclosure.is_protected(table)
table.to_csv(OUT / "benefit_by_area_protected.csv")

# %% [markdown]
# ## Map the rate
# The published table carries the protection mark, so the map accepts it; only the
# mapped column is written into the page.

# %%
regso_table = table.loc["regso"]
fmap = seg.maps.explore(
    regso_table,
    "benefit_rate",
    title="Share of persons with benefit (synthetic register)",
    tooltip=["scb_share_born_abroad"],
)
fmap.save(OUT / "benefit_rate.html")

# %% [markdown]
# ## The same code on a Dask collection
# `assign`, `aggregate` and `publish` accept a `dask.dataframe` and work partition by
# partition. Here the local threaded scheduler; on a cluster, connect first with
# `dask.distributed.Client("tcp://scheduler:8786")` and read the register with
# `dd.read_parquet(...)` from storage the workers can reach.

# %%
with dask.config.set(scheduler="threads"):
    lazy = seg.assign(
        dd.from_pandas(records, npartitions=4), areas, x="x", y="y", on_unassigned="ignore"
    )
    computed = lazy.compute()
# Dask stores text columns as Arrow strings; the assigned areas are the same
pd.testing.assert_series_equal(computed.data["regso"], assigned.data["regso"])
pd.testing.assert_frame_equal(computed.report, assigned.report)
print("Dask result identical:", computed)
print("wrote", sorted(p.name for p in OUT.iterdir()))
