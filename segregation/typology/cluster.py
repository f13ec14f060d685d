"""Data-driven geodemographic types of areas, as a scikit-learn estimator.

:class:`GeodemographicTypology` standardises a few area indicators, chooses the number of
types from three internal validity criteria, clusters (k-means, Ward, Gaussian mixture, or
Ward constrained by contiguity), orders the types by size, describes each by its mean
z-scores (``profiles_``) and names it in English and Swedish (``type_names_``). Bootstrap
refits measure how stable the types are (:meth:`GeodemographicTypology.bootstrap_stability`);
a pooled fit over several years keeps labels comparable between years
(:meth:`GeodemographicTypology.fit_years`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import lru_cache
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.utils.validation import check_is_fitted

from segregation.errors import SegregationError, describe_items
from segregation.typology._naming import name_types
from segregation.typology.compare import match_labels

__all__ = ["METHODS", "GeodemographicTypology"]

METHODS = ("kmeans", "ward", "gmm", "contiguous_ward")
_SCALES = ("standard", "robust")
_SEED_MAX = 2**31 - 1


def _seed_stream(random_state) -> np.random.Generator:
    """One generator per call; an int or Generator gives reproducible integer seeds."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(_SEED_MAX))
    return np.random.default_rng(random_state)


def _cluster(z: np.ndarray, k: int, method: str, seed: int, n_init: int, connectivity):
    """Fit one clustering of standardised rows; return (model, labels). Input validated.

    Runs single-threaded: with a few thousand areas, OpenMP threads cost more than they
    give (30 times slower on a busy 2-core machine), and the labels are the same.
    """
    with _thread_controller().limit(limits=1):
        return _cluster_kernel(z, k, method, seed, n_init, connectivity)


@lru_cache(maxsize=1)
def _thread_controller():
    """One threadpoolctl controller, made after scikit-learn's OpenMP runtime is loaded.

    ``threadpool_limits`` scans the loaded libraries on every call (a few milliseconds, as
    long as a small k-means fit); the controller scans once.
    """
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime the limit must see)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _cluster_kernel(z: np.ndarray, k: int, method: str, seed: int, n_init: int, connectivity):
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.mixture import GaussianMixture

    if method == "kmeans":
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(z)
        return model, model.labels_
    if method == "gmm":
        model = GaussianMixture(n_components=k, n_init=n_init, random_state=seed).fit(z)
        return model, model.predict(z)
    model = AgglomerativeClustering(
        n_clusters=k,
        linkage="ward",
        connectivity=connectivity if method == "contiguous_ward" else None,
    )
    with warnings.catch_warnings():
        # a bootstrap sample of a connected graph can fall apart; sklearn then completes it
        warnings.filterwarnings("ignore", message=".*connected components.*")
        labels = model.fit_predict(z)
    return model, labels


def _scores(z: np.ndarray, labels: np.ndarray, sample: int, seed: int) -> tuple[float, ...]:
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    size = min(sample, len(z)) if sample else None
    return (
        float(silhouette_score(z, labels, sample_size=size, random_state=seed)),
        float(calinski_harabasz_score(z, labels)),
        float(davies_bouldin_score(z, labels)),
    )


class GeodemographicTypology(ClusterMixin, BaseEstimator):
    """Geodemographic types of areas from standardised indicators.

    Parameters
    ----------
    n_types : "auto" or int, default="auto"
        Number of types. ``"auto"`` tries every k in ``k_range`` and picks the k with the
        best mean rank over silhouette (higher is better), Calinski-Harabasz (higher) and
        Davies-Bouldin (lower); ties go to the smaller k. The table is in ``k_selection_``.
    method : {"kmeans", "ward", "gmm", "contiguous_ward"}, default="kmeans"
        Clustering method. ``"contiguous_ward"`` is Ward clustering where only neighbouring
        areas (queen contiguity) may merge, so every type is a set of connected regions; it
        needs a GeoDataFrame or ``connectivity``.
    scale : {"standard", "robust"}, default="standard"
        Standardisation before clustering: z-scores, or median and interquartile range.
    k_range : (int, int), default=(4, 8)
        Smallest and largest k tried when ``n_types="auto"`` (both included).
    n_init : int, default=10
        Restarts of k-means and the Gaussian mixture.
    connectivity : sparse matrix of shape (n_areas, n_areas), optional
        Contiguity for ``"contiguous_ward"``; default: queen contiguity of the geometry.
    feature_labels : dict, optional
        Extra column -> (English, Swedish, Swedish-noun-is-neuter) labels for type names.
    name_threshold : float, default=0.5
        |mean z-score| from which an input enters a type's name.
    silhouette_sample : int, default=5000
        Areas sampled for the silhouette score (exact below this size).
    random_state : int, Generator or None, default=None
        Seed for k-means/mixture restarts, sampling and bootstrap draws. Pass an int for the
        same types on every run. Ward is deterministic: there the seed draws the bootstrap
        samples and the silhouette sample (above ``silhouette_sample`` areas).

    Attributes
    ----------
    labels_ : ndarray of shape (n_areas,)
        Type of each area, 0 = largest type.
    n_types_ : int
    k_selection_ : DataFrame or None
        ``k, silhouette, calinski_harabasz, davies_bouldin``, their ranks, ``mean_rank`` and
        ``chosen``; None when ``n_types`` is an int.
    k_choice_ : str
        Why this number of types.
    profiles_ : DataFrame of shape (n_types, n_features)
        Mean z-score of each input per type (z over all areas, whatever ``scale``).
    type_names_ : DataFrame
        ``en`` and ``sv`` name of each type, from its profile.
    sizes_ : Series
        Number of areas per type.
    types_ : Series
        ``labels_`` indexed by area code (only when fitted on a DataFrame).
    centers_ : ndarray of shape (n_types, n_features)
        Mean of each type in the scaled space, used by :meth:`predict` for Ward.
    scaler_, model_, feature_names_in_, n_features_in_

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.vstack([rng.normal(m, 0.3, (20, 2)) for m in (0, 3, 6)]),
    ...                  columns=["born_abroad", "hyresratt"])
    >>> model = GeodemographicTypology(n_types=3, random_state=0).fit(X)
    >>> np.bincount(model.labels_).tolist()
    [20, 20, 20]
    >>> model.type_names_["en"].tolist()
    ['low share born abroad, low share rented', 'close to average on all inputs',
     'high share rented, high share born abroad']
    """

    def __init__(
        self,
        n_types="auto",
        *,
        method="kmeans",
        scale="standard",
        k_range=(4, 8),
        n_init=10,
        connectivity=None,
        feature_labels=None,
        name_threshold=0.5,
        silhouette_sample=5000,
        random_state=None,
    ):
        self.n_types = n_types
        self.method = method
        self.scale = scale
        self.k_range = k_range
        self.n_init = n_init
        self.connectivity = connectivity
        self.feature_labels = feature_labels
        self.name_threshold = name_threshold
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    # ------------------------------------------------------------------ validation
    def _check_params(self, n_samples: int) -> list[int]:
        if self.method not in METHODS:
            raise SegregationError(f"method must be one of {list(METHODS)}; got {self.method!r}.")
        if self.scale not in _SCALES:
            raise SegregationError(f"scale must be one of {list(_SCALES)}; got {self.scale!r}.")
        if isinstance(self.n_types, str):
            if self.n_types != "auto":
                raise SegregationError(f"n_types must be 'auto' or an int; got {self.n_types!r}.")
            low, high = self.k_range
            if not (isinstance(low, Integral) and isinstance(high, Integral) and 2 <= low <= high):
                raise SegregationError(
                    f"k_range must be two ints 2 <= low <= high; got {self.k_range!r}."
                )
            # the silhouette needs k <= n_samples - 1
            candidates = list(range(low, min(high, n_samples - 1) + 1))
            if len(candidates) < 2:
                raise SegregationError(
                    f"n_types='auto' compares k={low}..{high} and needs n_samples >= "
                    f"{low + 2}; got n_samples={n_samples}. Pass n_types=<int> or a lower k_range."
                )
        elif isinstance(self.n_types, Integral) and self.n_types >= 1:
            candidates = [int(self.n_types)]
            if self.n_types > n_samples:
                raise SegregationError(
                    f"n_samples={n_samples} should be >= n_types={self.n_types}."
                )
        else:
            raise SegregationError(f"n_types must be 'auto' or an int >= 1; got {self.n_types!r}.")
        return candidates

    def _features(self, X, *, reset: bool) -> tuple[np.ndarray, pd.Index]:
        from sklearn.utils.validation import validate_data

        if isinstance(X, pd.DataFrame):
            frame = X.drop(columns=[X.geometry.name]) if hasattr(X, "geometry") else X
            non_numeric = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
            if non_numeric:
                raise SegregationError(
                    f"{len(non_numeric)} input columns are not numeric "
                    f"({describe_items(non_numeric)}); select the indicator columns only."
                )
            index, X = frame.index, frame
        else:
            index = None
        # shape, sparse, complex and n_features_in_ checks as in scikit-learn; finiteness below
        values = validate_data(self, X, reset=reset, ensure_all_finite=False, dtype=float)
        if index is None:
            index = pd.RangeIndex(len(values))
        bad = ~np.isfinite(values).all(axis=1)
        if bad.any():
            raise SegregationError(
                f"{int(bad.sum())} areas have missing or infinite inputs "
                f"({describe_items(index[bad])}). Drop or impute them before fitting."
            )
        if reset:
            names = getattr(self, "feature_names_in_", None)
            self._input_names = (
                [str(c) for c in names]
                if names is not None
                else [f"x{j}" for j in range(values.shape[1])]
            )
        return values, index

    def _connectivity(self, X, n: int):
        if self.method != "contiguous_ward":
            return None
        if self.connectivity is not None:
            matrix = self.connectivity
        elif hasattr(X, "geometry"):
            from segregation.typology._contiguity import queen_contiguity

            matrix = queen_contiguity(X.geometry)
        else:
            raise SegregationError(
                "method='contiguous_ward' needs a GeoDataFrame (for queen contiguity) or "
                "connectivity=<sparse (n_areas, n_areas) matrix>."
            )
        if matrix.shape != (n, n):
            raise SegregationError(f"connectivity has shape {matrix.shape}; expected {(n, n)}.")
        return matrix

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None):
        """Fit the typology to areas x inputs (DataFrame, GeoDataFrame or array).

        Returns
        -------
        self
        """
        values, index = self._features(X, reset=True)
        candidates = self._check_params(len(values))
        connectivity = self._connectivity(X, len(values))
        scaler = self._make_scaler().fit(values)
        z = scaler.transform(values)
        rng = _seed_stream(self.random_state)
        # an int seed goes unchanged to k-means / the mixture, as in scikit-learn
        seed = (
            int(self.random_state)
            if isinstance(self.random_state, Integral)
            else int(rng.integers(_SEED_MAX))
        )
        fits, rows = {}, []
        for k in candidates:
            fits[k] = _cluster(z, k, self.method, seed, self.n_init, connectivity)
            if self.n_types == "auto":
                rows.append((k, *_scores(z, fits[k][1], self.silhouette_sample, seed)))
        if self.n_types == "auto":
            table = _rank_table(rows)
            chosen = int(table.loc[table["chosen"], "k"].iloc[0])
            self.k_selection_ = table
            self.k_choice_ = _explain(table, chosen)
        else:
            chosen = candidates[0]
            self.k_selection_ = None
            self.k_choice_ = f"k={chosen} given by n_types."
        model, raw = fits[chosen]
        self.scaler_, self.model_, self.n_types_ = scaler, model, chosen
        self._fit_hash = _fingerprint(values)
        self._finish(values, z, raw)
        if isinstance(X, pd.DataFrame):
            self.types_ = pd.Series(self.labels_, index=index, name="geodemographic_type")
        return self

    def _make_scaler(self):
        from sklearn.preprocessing import RobustScaler, StandardScaler

        return StandardScaler() if self.scale == "standard" else RobustScaler()

    def _finish(self, values: np.ndarray, z: np.ndarray, raw: np.ndarray) -> None:
        """Order types by size (largest = 0), then compute centres, profiles and names."""
        k = self.n_types_
        counts = np.bincount(raw, minlength=k)
        first_seen = np.full(k, len(raw))
        np.minimum.at(first_seen, raw, np.arange(len(raw)))
        order = np.lexsort((first_seen, -counts))  # size desc, then first appearance
        self._raw_to_type = np.empty(k, dtype=int)
        self._raw_to_type[order] = np.arange(k)
        labels = self._raw_to_type[raw]
        self.labels_ = labels
        sizes = np.bincount(labels, minlength=k)
        self.centers_ = np.vstack([np.bincount(labels, weights=col, minlength=k) for col in z.T]).T
        self.centers_ /= np.maximum(sizes, 1)[:, None]
        # profiles: mean z-score (plain standardisation, whatever the scaler) per type
        spread = values.std(axis=0)
        zscores = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
        sums = np.vstack([np.bincount(labels, weights=col, minlength=k) for col in zscores.T]).T
        self.profiles_ = pd.DataFrame(
            sums / np.maximum(sizes, 1)[:, None],
            index=pd.RangeIndex(k, name="type"),
            columns=self._input_names,
        )
        self.type_names_ = name_types(
            self.profiles_, threshold=self.name_threshold, labels=self.feature_labels
        )
        self.sizes_ = pd.Series(sizes, index=self.profiles_.index, name="n_areas")

    def predict(self, X) -> np.ndarray:
        """Type of each area in X: the fitted model's assignment (nearest centre for Ward).

        Contiguity is not enforced for new areas.
        """
        check_is_fitted(self, "labels_")
        values, _ = self._features(X, reset=False)
        z = self.scaler_.transform(values)
        if self.method in ("kmeans", "gmm"):
            return self._raw_to_type[self.model_.predict(z)]
        distances = ((z[:, None, :] - self.centers_[None, :, :]) ** 2).sum(axis=2)
        return distances.argmin(axis=1)

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(X).labels_

    # ------------------------------------------------------------------ stability
    def bootstrap_stability(self, X, n_bootstrap: int = 50, random_state=None) -> pd.DataFrame:
        """Adjusted Rand index between the fitted types and refits on bootstrap samples.

        Each draw resamples the areas with replacement and refits with the fitted number of
        types. For ``"kmeans"`` and ``"gmm"`` every area of ``X`` is then assigned with the
        refit (:meth:`predict`) and compared with its type. For ``"ward"`` and
        ``"contiguous_ward"``, whose types are not nearest-centre assignments, the refit's own
        types of the drawn areas are compared with their fitted types (``labels_``), on the
        distinct areas drawn (Hennig 2007); ``X`` must then be the data given to ``fit``.
        With ``"contiguous_ward"`` the copies of an area drawn twice are neighbours of each
        other and of the area's neighbours. The refit types are matched to the fitted ones
        (Hungarian matching on the cross-tabulation).

        Returns
        -------
        DataFrame
            One row per type and a row ``"overall"``: ``ari`` (overall: ARI of the partitions;
            per type: ARI of "in this type" vs "in its matched refit type"), ``ari_sd``,
            ``jaccard`` (mean Jaccard similarity of the type with its match; Hennig 2007)
            and ``n_bootstrap``. Also stored as ``stability_``.
        """
        from sklearn.metrics import adjusted_rand_score

        check_is_fitted(self, "labels_")
        values, _ = self._features(X, reset=False)
        n, k = len(values), self.n_types_
        in_sample = self.method in ("ward", "contiguous_ward")
        if in_sample:
            if not (len(values) == len(self.labels_) and _fingerprint(values) == self._fit_hash):
                raise SegregationError(
                    f"bootstrap stability of {self.method!r} types compares refits with the "
                    f"fitted types (labels_), so X must be the data given to fit; got "
                    f"{n} areas that differ from the {len(self.labels_)} fitted. Pass the "
                    "same X, or refit on this X first."
                )
            reference = self.labels_
        else:
            reference = self.predict(X)
        connectivity = self._connectivity(X, n)
        rng = _seed_stream(self.random_state if random_state is None else random_state)
        draws = rng.integers(0, n, size=(n_bootstrap, n))
        seeds = rng.integers(_SEED_MAX, size=n_bootstrap)
        overall = np.empty(n_bootstrap)
        per_type = np.empty((n_bootstrap, k))
        jaccard = np.empty((n_bootstrap, k))
        for b in range(n_bootstrap):  # one refit per draw: the refit is the unit of work
            idx = draws[b]
            refit = clone(self).set_params(n_types=k, random_state=int(seeds[b]))
            if connectivity is not None:
                refit.set_params(connectivity=_resampled_connectivity(connectivity, idx))
            refit.fit(values[idx])
            if in_sample:
                drawn, first = np.unique(idx, return_index=True)
                ref, labels = reference[drawn], refit.labels_[first]
            else:
                ref, labels = reference, refit.predict(values)
            overall[b] = adjusted_rand_score(ref, labels)
            per_type[b], jaccard[b] = _per_type_agreement(ref, labels, k)
        table = pd.DataFrame(
            {
                "ari": per_type.mean(axis=0),
                "ari_sd": per_type.std(axis=0),
                "jaccard": jaccard.mean(axis=0),
            },
            index=pd.Index([str(t) for t in range(k)], name="type"),
        )
        table.loc["overall"] = [overall.mean(), overall.std(), jaccard.mean()]
        table["n_bootstrap"] = n_bootstrap
        self.stability_ = table
        return table

    # ------------------------------------------------------------------ several years
    def fit_years(self, frames: Mapping[object, pd.DataFrame]):
        """Fit one pooled typology over several years so that a type means the same each year.

        Parameters
        ----------
        frames : mapping of year -> DataFrame
            The same input columns each year, indexed by area code.

        Returns
        -------
        self
            With ``labels_by_year_``: DataFrame of types, areas x years (missing where an area
            is absent in a year).
        """
        if not frames:
            raise SegregationError("frames is empty; give at least one year -> DataFrame.")
        if self.method == "contiguous_ward":
            raise SegregationError(
                "fit_years pools areas of several years, where contiguity has no meaning; use "
                "method='kmeans', 'ward' or 'gmm', or fit each year with contiguous_ward."
            )
        columns = {tuple(frame.columns) for frame in frames.values()}
        if len(columns) > 1:
            raise SegregationError(
                f"every year must have the same input columns; got {sorted(columns)}."
            )
        pooled = pd.concat(frames, names=["year", "area"])
        self.fit(pooled)
        stacked = pd.Series(self.labels_, index=pooled.index)
        self.labels_by_year_ = stacked.unstack("year")
        return self


def _fingerprint(values: np.ndarray) -> str:
    """A digest of the fitted inputs, to check that stability is asked of the same data."""
    import hashlib

    return hashlib.sha1(np.ascontiguousarray(values).tobytes()).hexdigest()


def _resampled_connectivity(connectivity, idx: np.ndarray):
    """Contiguity of a bootstrap sample, as sparse n_draw x n_draw 0/1 matrix.

    Two drawn areas are neighbours when they touch, when they are copies of one area, or
    when they both touch one group of connected areas left out of the draw (a path through
    areas not drawn still joins them on the map; without it about a third of the areas would
    be missing and the regions would fall apart). With S the n_draw x N selection matrix
    (S[i, idx[i]] = 1) and A the N x (groups left out) adjacency, the matrix is
    S (W + A A^T) S^T + S S^T off the diagonal.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    graph = sp.csr_matrix(connectivity, dtype=float)
    n_areas, n_draw = graph.shape[0], len(idx)
    left_out = np.ones(n_areas, dtype=bool)
    left_out[idx] = False
    out = np.flatnonzero(left_out)
    n_groups, group = connected_components(graph[out][:, out], directed=False)
    member = sp.csr_matrix((np.ones(len(out)), (out, group)), shape=(n_areas, n_groups))
    touches = graph @ member  # area x left-out group: > 0 when the area touches the group
    full = graph + touches @ touches.T
    select = sp.csr_matrix((np.ones(n_draw), (np.arange(n_draw), idx)), shape=(n_draw, n_areas))
    matrix = (select @ full @ select.T + select @ select.T).tocsr()
    matrix.setdiag(0)
    matrix.eliminate_zeros()
    matrix.data[:] = 1.0
    return matrix


def _per_type_agreement(reference: np.ndarray, labels: np.ndarray, k: int):
    """Per type: one-vs-rest ARI and Jaccard with its matched refit type (vectorised)."""
    n = len(reference)
    table = np.zeros((k, k))
    np.add.at(table, (reference, labels), 1)
    match = match_labels(table)
    a = table.sum(axis=1)  # areas per reference type
    b = table.sum(axis=0)[match]  # areas per matched refit type
    both = table[np.arange(k), match]
    jaccard = both / np.maximum(a + b - both, 1)
    # ARI of two binary partitions from their 2x2 table: [[both, a-both], [b-both, rest]]
    cells = np.stack([both, a - both, b - both, n - a - b + both], axis=1)

    def pairs(x):
        return x * (x - 1) / 2

    index = pairs(cells).sum(axis=1)
    rows = pairs(a) + pairs(n - a)
    cols = pairs(b) + pairs(n - b)
    expected = rows * cols / pairs(n)
    maximum = (rows + cols) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        ari = np.where(maximum > expected, (index - expected) / (maximum - expected), 1.0)
    return ari, jaccard


def _rank_table(rows: list[tuple]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["k", "silhouette", "calinski_harabasz", "davies_bouldin"])
    table["rank_silhouette"] = table["silhouette"].rank(ascending=False, method="min")
    table["rank_calinski_harabasz"] = table["calinski_harabasz"].rank(ascending=False, method="min")
    table["rank_davies_bouldin"] = table["davies_bouldin"].rank(ascending=True, method="min")
    table["mean_rank"] = table.filter(like="rank_").mean(axis=1)
    best = table["mean_rank"].min()
    chosen_k = table.loc[np.isclose(table["mean_rank"], best), "k"].min()
    table["chosen"] = table["k"] == chosen_k
    return table


def _explain(table: pd.DataFrame, chosen: int) -> str:
    row = table.loc[table["chosen"]].iloc[0]
    ranks = ", ".join(
        f"k={int(r.k)}: {r.mean_rank:.2f}" for r in table[["k", "mean_rank"]].itertuples()
    )
    return (
        f"k={chosen} chosen from k={int(table['k'].min())}..{int(table['k'].max())}: best mean "
        f"rank over silhouette (higher is better, {row.silhouette:.3f}), Calinski-Harabasz "
        f"(higher, {row.calinski_harabasz:.1f}) and Davies-Bouldin (lower, "
        f"{row.davies_bouldin:.3f}); ties go to the smaller k. Mean ranks: {ranks}."
    )
