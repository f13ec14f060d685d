"""Aspatial indices side by side with PySAL ``segregation`` 2.5 on the real RegSO data.

Data: SCB's RegSO exports in ``../shared/data/regso_stats`` for 2023, read with
``seg.read_scb``/``seg.match_areas``/``seg.join`` (labels matched with ``accept_spelling``;
the areas left without data are dropped and counted). Single group: born abroad (total minus
born in Sweden) against the total population. Several groups: dwellings by tenure
(hyresrätt, bostadsrätt, äganderätt).

Each comparison runs both libraries on the same CSV: the peer in its own virtual environment
(``benchmarks/_peer.py``; the import names clash), once per kommun in a loop as its API
requires, and this library in one vectorised call with ``by="kommunkod"``. Values are
compared to 1e-9 where both follow the textbook; times are reported as ratios
(peer seconds / our seconds). Our times are the best of several repeats; the peer's cheap
loops are the best of three, its slow runs are timed once.

Usage: ``python benchmarks/run.py --only indices``
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(HERE))

from _peer import peer_version, run_in_peer  # noqa: E402

import segregation as seg  # noqa: E402

TENURE = ["hyresratt", "bostadsratt", "aganderatt"]
CHEAP = ["dissimilarity", "gini", "entropy", "isolation", "exposure"]
SINGLE = {  # ours -> peer class in segregation.singlegroup (textbook formulas)
    "dissimilarity": "Dissim",
    "gini": "Gini",
    "entropy": "Entropy",
    "isolation": "Isolation",
    "exposure": "Interaction",
    "atkinson": "Atkinson",
    "correlation_ratio": "CorrelationR",
    "concentration_profile": "ConProf",
}
MULTI = {
    "multi_dissimilarity": "MultiDissim",
    "multi_gini": "MultiGini",
    "theil_h": "MultiInfoTheory",
    "mutual_information": "MultiDivergence",
    "normalized_exposure": "MultiNormExposure",
    "relative_diversity": "MultiRelativeDiversity",
    "squared_coefficient_of_variation": "MultiSquaredCoefVar",
    "diversity_entropy": "MultiDiversity",
    "simpson_concentration": "SimpsonsConcentration",
    "simpson_interaction": "SimpsonsInteraction",
}
FOUR_MULTI = ["multi_dissimilarity", "multi_gini", "theil_h", "mutual_information"]
PARAMS = {"thresholds": 1000}  # the peer's ConProf sums over a grid of 1000 thresholds
N_SIM, N_TEST, STOCKHOLM = 500, 999, "0180"


def regso_2023() -> pd.DataFrame:
    """RegSO counts for 2023 read with the library (born abroad, population, tenure)."""
    folder = SHARED_DATA / "regso_stats"
    regso = seg.load_regso()
    born = seg.read_scb(folder / "regso_born_in_sweden_total_2020_2023.csv")
    tenure = seg.read_scb(folder / "regso_dwellings_by_tenure_2020_2023.csv")
    labels = pd.concat([born["region"], tenure["region"]]).unique()
    match = seg.match_areas(labels, regso, accept_spelling=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seg.SegregationWarning)  # counted below
        people = seg.join(
            regso[[]],
            born,
            year=2023,
            match=match,
            columns={"Sverige": "born_in_sweden", "totalt": "population"},
        )
        homes = seg.join(regso[[]], tenure, year=2023, match=match,
                         columns={"hyresrätt": "hyresratt", "bostadsrätt": "bostadsratt",
                                  "äganderätt": "aganderatt"})  # fmt: skip
    frame = pd.concat([pd.DataFrame(people), pd.DataFrame(homes)], axis=1)
    frame = frame.dropna(subset=["population", *TENURE]).astype("int64")
    frame["born_abroad"] = frame["population"] - frame["born_in_sweden"]
    frame["kommunkod"] = frame.index.str[:4]
    frame.attrs["dropped"] = len(regso) - len(frame)
    return frame


def best_of(fn, repeats: int = 7) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


PEER_VALUES = r"""
import time, warnings
warnings.filterwarnings("ignore")
p = load_payload()
start = time.perf_counter()
import numpy as np, pandas as pd
from segregation import singlegroup as sg, multigroup as mg
import_s = time.perf_counter() - start
df = pd.read_csv(p["csv"], index_col=0, dtype={"kommunkod": str})
parts = [(k, g) for k, g in df.groupby("kommunkod")]

def single(cls, data):
    return getattr(sg, cls)(data, "born_abroad", "population").statistic

def multi(cls, data):
    return getattr(mg, cls)(data, p["tenure"]).statistic

out = {"import_s": import_s, "national": {}, "kommun": {}, "loop_s": {}, "first_call_s": {}}
for ours, cls in list(p["single"].items()) + list(p["multi"].items()):
    fn = single if ours in p["single"] else multi
    t = time.perf_counter()
    out["national"][ours] = float(fn(cls, df))
    out["first_call_s"][ours] = time.perf_counter() - t
    best, values = float("inf"), None
    for _ in range(p["repeats"]):
        t = time.perf_counter()
        values = {k: float(fn(cls, g)) for k, g in parts}
        best = min(best, time.perf_counter() - t)
    out["kommun"][ours] = values
    out["loop_s"][ours] = best
emit(out)
"""

PEER_MODIFIED = r"""
import time, warnings
warnings.filterwarnings("ignore")
p = load_payload()
import numpy as np, pandas as pd
from segregation import singlegroup as sg
df = pd.read_csv(p["csv"], index_col=0, dtype={"kommunkod": str})
parts = [(k, g) for k, g in df.groupby("kommunkod")]
t = time.perf_counter()
values = {k: float(sg.ModifiedDissim(g, "born_abroad", "population", iterations=p["n"]).statistic)
          for k, g in parts}
loop_s = time.perf_counter() - t
sthlm = df[df["kommunkod"] == p["stockholm"]]
seeded = [float(sg.ModifiedDissim(sthlm, "born_abroad", "population", iterations=p["n"],
                                  seed=p["seed"]).statistic) for _ in range(2)]
emit({"loop_s": loop_s, "values": values, "seeded_twice": seeded})
"""

PEER_TEST = r"""
import time, warnings
warnings.filterwarnings("ignore")
p = load_payload()
import numpy as np, pandas as pd, geopandas as gpd
from segregation import singlegroup as sg
from segregation.inference import SingleValueTest
df = pd.read_csv(p["csv"], index_col=0, dtype={"kommunkod": str})
sthlm = df[df["kommunkod"] == p["stockholm"]]
sthlm = gpd.GeoDataFrame(sthlm, geometry=gpd.points_from_xy(np.arange(len(sthlm)), np.zeros(len(sthlm))))
index = sg.Dissim(sthlm, "born_abroad", "population")
t = time.perf_counter()
test = SingleValueTest(index, iterations_under_null=p["n"], null_approach="evenness")
seconds = time.perf_counter() - t
emit({"seconds": seconds, "p_value": float(test.p_value), "null_mean": float(np.mean(test.est_sim)),
      "estimate": float(index.statistic)})
"""

PEER_FRESH = r"""
import time
p = load_payload()
import pandas as pd
from segregation import singlegroup as sg
df = pd.read_csv(p["csv"], index_col=0, dtype={"kommunkod": str})
values = {}
for k, g in df.groupby("kommunkod"):
    values[k] = (sg.Dissim(g, "born_abroad", "population").statistic,
                 sg.Gini(g, "born_abroad", "population").statistic)
emit({"n": len(values)})
"""

OURS_FRESH = r"""
import sys, time
start = time.perf_counter()
import pandas as pd
import segregation as seg
df = pd.read_csv(sys.argv[1], index_col=0, dtype={"kommunkod": str})
single = seg.indices.compute(df, group="born_abroad", total="population", by="kommunkod", seed=0)
multi = seg.indices.compute(df, groups=["hyresratt", "bostadsratt", "aganderatt"], by="kommunkod")
print(len(single), len(multi), single.shape[1] + multi.shape[1])
"""


def _compare(ours: pd.Series, peer: dict[str, float]) -> dict[str, object]:
    peer_s = pd.Series(peer, dtype=float).reindex(ours.index)
    both = np.isfinite(peer_s) & np.isfinite(ours)
    return {
        "max_abs_diff": float(np.abs(ours[both] - peer_s[both]).max()),
        "peer_nan_where_we_are_finite": sorted(
            peer_s.index[~np.isfinite(peer_s) & np.isfinite(ours)]
        ),
        "n_compared": int(both.sum()),
    }


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _fresh_process(args: list[str], repeats: int = 3) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of a fresh process."""
    walls, cpus = [], []
    for _ in range(repeats):
        cpu, start = _child_cpu(), time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, cwd=REPO)
        walls.append(time.perf_counter() - start)
        cpus.append(_child_cpu() - cpu)
    return min(walls), min(cpus)


def run(out_dir: Path) -> list[dict]:
    out_dir = Path(out_dir)
    frame = regso_2023()
    csv = out_dir / "indices_regso_2023.csv"
    frame.to_csv(csv)
    payload = {"csv": str(csv), "single": SINGLE, "multi": MULTI, "tenure": TENURE,
               "repeats": 3, "stockholm": STOCKHOLM, "n": N_SIM, "seed": 1}  # fmt: skip
    version = peer_version()
    peer_name = f"PySAL segregation {version}"
    rows: list[dict] = []
    detail: dict[str, object] = {"areas": len(frame), "dropped": frame.attrs["dropped"],
                                 "kommuner": int(frame["kommunkod"].nunique())}  # fmt: skip

    # 1. values and loops: every textbook single-group and multigroup index
    peer = run_in_peer(PEER_VALUES, payload)
    single_kw = {"group": "born_abroad", "total": "population", "by": "kommunkod"}
    multi_kw = {"groups": TENURE, "by": "kommunkod"}
    comparisons = {}
    ours_all = {}
    for name in [*SINGLE, *MULTI]:
        kw = single_kw if name in SINGLE else multi_kw
        params = {k: v for k, v in PARAMS.items() if k in seg.indices.INDICES[name].params}
        seconds, result = best_of(lambda n=name, kw=kw, pr=params: seg.indices.compute(
            frame, indices=n, **kw, **pr))  # fmt: skip
        national = seg.indices.compute(frame, indices=name, **{**kw, "by": None}, **params)
        ours_all[name] = seconds
        comparisons[name] = {
            **_compare(result[name], peer["kommun"][name]),
            "national_ours": float(national.loc[0, name]),
            "national_peer": peer["national"][name],
            "national_abs_diff": abs(float(national.loc[0, name]) - peer["national"][name]),
            "ours_s": seconds,
            "peer_loop_s": peer["loop_s"][name],
            "peer_first_call_s": peer["first_call_s"][name],
        }
    detail["values"] = comparisons
    worst = max(c["max_abs_diff"] for c in comparisons.values())
    worst_nat = max(c["national_abs_diff"] for c in comparisons.values())
    nan_notes = {k: v["peer_nan_where_we_are_finite"] for k, v in comparisons.items()
                 if v["peer_nan_where_we_are_finite"]}  # fmt: skip

    seconds, _ = best_of(lambda: seg.indices.compute(frame, indices=CHEAP, **single_kw))
    peer_s = sum(peer["loop_s"][n] for n in CHEAP)
    rows.append({"name": "five cheap single-group indices, 290 kommuner", "ours_s": seconds,
                 "peer": peer_name, "peer_s": peer_s, "ratio": peer_s / seconds,
                 "notes": f"{', '.join(CHEAP)}; values equal to {worst:.1e} (all indices, "
                          f"per kommun), {worst_nat:.1e} nationally"})  # fmt: skip
    names = list(SINGLE)
    seconds, _ = best_of(lambda: seg.indices.compute(frame, indices=names, **single_kw, **PARAMS))
    peer_s = sum(peer["loop_s"][n] for n in names)
    rows.append(
        {
            "name": "all 8 textbook single-group indices, 290 kommuner",
            "ours_s": seconds,
            "peer": peer_name,
            "peer_s": peer_s,
            "ratio": peer_s / seconds,
            "notes": "one compute() call vs one peer object per index and kommun",
        }
    )
    seconds, _ = best_of(lambda: seg.indices.compute(frame, indices=FOUR_MULTI, **multi_kw))
    peer_s = sum(peer["loop_s"][n] for n in FOUR_MULTI)
    rows.append(
        {
            "name": "four multigroup indices (D, Gini, H, M), 290 kommuner",
            "ours_s": seconds,
            "peer": peer_name,
            "peer_s": peer_s,
            "ratio": peer_s / seconds,
            "notes": f"peer NaN where a tenure category is empty: {nan_notes}",
        }
    )
    names = list(MULTI)
    seconds, _ = best_of(lambda: seg.indices.compute(frame, indices=names, **multi_kw))
    peer_s = sum(peer["loop_s"][n] for n in names)
    ratios = {n: c["peer_loop_s"] / c["ours_s"] for n, c in comparisons.items()}
    lowest = min(ratios, key=ratios.get)
    detail["ratio_per_index"] = ratios
    rows.append(
        {
            "name": "all 10 multigroup indices, 290 kommuner",
            "ours_s": seconds,
            "peer": peer_name,
            "peer_s": peer_s,
            "ratio": peer_s / seconds,
            "notes": f"one index per compute() call: lowest ratio {ratios[lowest]:.0f} "
            f"({lowest}; our fixed cost of checking the frame, under a millisecond, "
            "dominates the cheapest indices)",
        }
    )
    seconds, _ = best_of(lambda: seg.indices.compute(frame, indices="dissimilarity", **single_kw),
                         repeats=50)  # fmt: skip
    kernel = seg.indices.INDICES["dissimilarity"].kernel
    prepared_counts = frame.sort_values("kommunkod")[["born_abroad", "population"]].to_numpy(float)
    starts = np.flatnonzero(
        np.r_[
            True,
            frame.sort_values("kommunkod")["kommunkod"].to_numpy()[1:]
            != frame.sort_values("kommunkod")["kommunkod"].to_numpy()[:-1],
        ]
    )
    kernel_s, _ = best_of(lambda: kernel(prepared_counts, starts, None), repeats=200)
    rows.append(
        {
            "name": "dissimilarity, 290 kommuner (compute / bare kernel)",
            "ours_s": seconds,
            "peer": peer_name,
            "peer_s": peer["loop_s"]["dissimilarity"],
            "ratio": peer["loop_s"]["dissimilarity"] / seconds,
            "notes": f"the vectorised kernel alone: {kernel_s * 1e6:.0f} µs",
        }
    )

    # 2. modified dissimilarity, 500 simulations, all kommuner
    peer_mod = run_in_peer(PEER_MODIFIED, payload)
    seconds, ours_mod = best_of(lambda: seg.indices.compute(
        frame, indices="modified_dissimilarity", n_sim=N_SIM, seed=0, **single_kw), repeats=3)  # fmt: skip
    again = seg.indices.compute(frame, indices="modified_dissimilarity", n_sim=N_SIM, seed=0,
                                **single_kw)  # fmt: skip
    diff = _compare(ours_mod["modified_dissimilarity"], peer_mod["values"])
    gap = (ours_mod["modified_dissimilarity"] - pd.Series(peer_mod["values"])).abs()
    plain_d = seg.indices.compute(frame, indices="dissimilarity", **single_kw)["dissimilarity"]
    near_random = int((plain_d < 0.05).sum())
    rows.append({"name": "modified dissimilarity, 500 simulations, 290 kommuner",
                 "ours_s": seconds, "peer": peer_name, "peer_s": peer_mod["loop_s"],
                 "ratio": peer_mod["loop_s"] / seconds,
                 "notes": f"ours seed=0 twice identical: {again.equals(ours_mod)}; peer seed=1 "
                          f"twice on Stockholm: {peer_mod['seeded_twice'][0]:.5f} and "
                          f"{peer_mod['seeded_twice'][1]:.5f}; |ours - peer| median "
                          f"{gap.median():.4f}, max {gap.max():.3f} (the peer's 500 draws share "
                          f"one seed, so its E[D] is one draw; the gap is largest in the "
                          f"{near_random} kommuner with D < 0.05, where (D - E)/E amplifies it)"})  # fmt: skip
    detail["modified"] = {"peer_seeded_twice": peer_mod["seeded_twice"], **diff,
                          "median_abs_diff": float(gap.median())}  # fmt: skip

    # 3. 999-draw random-allocation test: Stockholm, and all kommuner at once
    peer_test = run_in_peer(PEER_TEST, payload | {"n": N_TEST})
    sthlm = frame[frame["kommunkod"] == STOCKHOLM]
    seconds, ours_test = best_of(lambda: seg.indices.test(
        sthlm, "dissimilarity", group="born_abroad", total="population", n=N_TEST, seed=0),
        repeats=5)  # fmt: skip
    rows.append({"name": "999-draw random-allocation test, Stockholm (0180)", "ours_s": seconds,
                 "peer": f"{peer_name} SingleValueTest(evenness)",
                 "peer_s": peer_test["seconds"], "ratio": peer_test["seconds"] / seconds,
                 "notes": f"null mean ours {ours_test.loc[0, 'null_mean']:.5f}, peer "
                          f"{peer_test['null_mean']:.5f}; p ours {ours_test.loc[0, 'p_value']:.4f}, "
                          f"peer {peer_test['p_value']:.4f}"})  # fmt: skip
    seconds, all_test = best_of(lambda: seg.indices.test(
        frame, "dissimilarity", n=N_TEST, seed=0, **single_kw), repeats=3)  # fmt: skip
    rows.append({"name": "999-draw random-allocation test, all 290 kommuner at once",
                 "ours_s": seconds, "peer": None, "peer_s": None, "ratio": None,
                 "notes": f"target < 2 s; {int((all_test['p_value'] < 0.05).sum())} of 290 "
                          "kommuner significant at 5 %"})  # fmt: skip

    # 4. fresh processes: import + all indices for all kommuner from the CSV. Wall time
    # depends on what else the machine runs; CPU time (user + system) much less.
    cpu, start = _child_cpu(), time.perf_counter()
    run_in_peer(PEER_FRESH, payload)
    peer_fresh, peer_cpu = time.perf_counter() - start, _child_cpu() - cpu
    python = sys.executable
    ours_fresh, ours_cpu = _fresh_process([python, "-c", OURS_FRESH, str(csv)])
    ours_import, import_cpu = _fresh_process([python, "-c", "import segregation"])
    bare, bare_cpu = _fresh_process([python, "-c", "pass"])
    load = os.getloadavg()[0]
    rows.append({"name": "fresh process: import, read CSV, all indices for all kommuner",
                 "ours_s": ours_fresh, "peer": f"{peer_name} (Dissim and Gini only)",
                 "peer_s": peer_fresh, "ratio": peer_fresh / ours_fresh,
                 "notes": f"target < 1.5 s; CPU time ours {ours_cpu:.2f} s, peer {peer_cpu:.1f} s; "
                          f"load average {load:.1f} on {os.cpu_count()} cores; all "
                          f"{len(SINGLE) + 3 + len(MULTI)} aspatial indices incl. modified and "
                          "bias-corrected (500 draws each)"})  # fmt: skip
    rows.append({"name": "fresh process: import segregation", "ours_s": ours_import,
                 "peer": None, "peer_s": None, "ratio": None,
                 "notes": f"target < 0.5 s; CPU {import_cpu:.3f} s; a bare interpreter takes "
                          f"{bare:.3f} s (CPU {bare_cpu:.3f} s)"})  # fmt: skip
    detail["load_average"] = os.getloadavg()
    detail["rows"] = rows
    (out_dir / "indices.json").write_text(json.dumps(detail, indent=2, default=str))
    return rows


if __name__ == "__main__":
    for row in run(HERE / "results"):
        print(row)
