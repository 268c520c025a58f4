"""Shared helpers of the psychometric modules (private).

Structure normalisation (an :class:`~mentorassess.instruments.Instrument` or a plain mapping
``{competency_id: [item ids]}``), item-frame extraction and validation, R-compatible correlation
matrices, read-only arrays and JSON conversion.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.errors import DataError, InsufficientDataError

__all__: list[str] = []

Structure = Mapping[str, tuple[str, ...]]


def structure_of(instrument_or_mapping: Any) -> Structure:
    """Return ``{competency_id: (item ids, ...)}`` in instrument order.

    Accepts an Instrument (anything with ``.competencies`` whose elements have ``.id`` and
    ``.items``) or a mapping of competency id to a sequence of item ids. Items with
    ``in_total = False`` stay in their competency if listed there.
    """
    comps = getattr(instrument_or_mapping, "competencies", None)
    if comps is not None:
        out = {str(c.id): tuple(str(i) for i in c.items) for c in comps}
    elif isinstance(instrument_or_mapping, Mapping):
        out = {}
        for key, items in instrument_or_mapping.items():
            if isinstance(items, str):
                raise DataError(f"competency {key!r}: items must be a list of item ids, not a string")
            out[str(key)] = tuple(str(i) for i in items)
    else:
        raise DataError(
            "structure must be an Instrument or a mapping {competency id: [item ids]}; "
            f"got {type(instrument_or_mapping).__name__}"
        )
    if not out:
        raise DataError("the structure has no competencies")
    return MappingProxyType(out)


def reverse_items_of(instrument: Any) -> tuple[str, ...]:
    """Item ids marked ``reverse`` in an instrument (empty for a plain mapping)."""
    items = getattr(instrument, "items", None)
    if items is None or isinstance(instrument, Mapping):
        return ()
    return tuple(str(i.id) for i in items if getattr(i, "reverse", False))


def scale_range_of(instrument: Any) -> tuple[float, float] | None:
    """``(min, max)`` of an instrument's scale values, or None."""
    scale = getattr(instrument, "scale", None)
    values = getattr(scale, "values", None)
    if not values:
        return None
    return float(min(values)), float(max(values))


def instrument_id_of(instrument: Any) -> str | None:
    return getattr(instrument, "id", None) if not isinstance(instrument, Mapping) else None


def item_frame(data: pd.DataFrame, items: Sequence[str] | None = None, *, what: str = "items") -> pd.DataFrame:
    """Select ``items`` (all columns if None) as a float DataFrame; raise DataError if absent.

    Non-numeric values raise a DataError naming the column.
    """
    if not isinstance(data, pd.DataFrame):
        if isinstance(data, np.ndarray) and data.ndim == 2:
            data = pd.DataFrame(data, columns=[f"V{j + 1}" for j in range(data.shape[1])])
        else:
            raise DataError(f"{what}: expected a pandas DataFrame, got {type(data).__name__}")
    if items is None:
        if any(not isinstance(c, str) for c in data.columns):
            data = data.rename(columns=str)
        items = [str(c) for c in data.columns]
    items = list(items)
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise DataError(f"{what}: column(s) not found in the data: {', '.join(missing)}")
    if len(set(items)) != len(items):
        raise DataError(f"{what}: duplicate item ids")
    out = {}
    for col in items:
        s = data[col]
        try:
            out[col] = pd.to_numeric(s, errors="raise").astype(float)
        except (ValueError, TypeError) as exc:
            raise DataError(f"{what}: column {col!r} is not numeric", column=col) from exc
    frame = pd.DataFrame(out, index=data.index)
    values = frame.to_numpy()
    if np.isinf(values).any():
        raise DataError(f"{what}: infinite values in the data")
    return frame


def check_min(frame: pd.DataFrame, *, what: str, min_items: int = 2, min_rows: int = 3) -> None:
    """InsufficientDataError if fewer than ``min_items`` columns or ``min_rows`` complete rows."""
    k = frame.shape[1]
    if k < min_items:
        raise InsufficientDataError(f"{what}: needs at least {min_items} items, got {k}")
    n_complete = int(frame.notna().all(axis=1).sum())
    if n_complete < min_rows:
        raise InsufficientDataError(
            f"{what}: needs at least {min_rows} complete responses, got n={n_complete} "
            f"(of {frame.shape[0]} rows)"
        )


def unusable_items(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """``(all-missing items, constant items)`` of an item frame."""
    x = frame.to_numpy(dtype=float)
    empty = [str(c) for j, c in enumerate(frame.columns) if not np.isfinite(x[:, j]).any()]
    with np.errstate(invalid="ignore"):
        lo, hi = np.nanmin(np.where(np.isnan(x), np.inf, x), axis=0), np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=0)
    constant = [str(c) for j, c in enumerate(frame.columns) if str(c) not in empty and lo[j] == hi[j]]
    return empty, constant


def check_items(frame: pd.DataFrame, *, what: str) -> None:
    """DataError naming every item that has no answer at all or the same answer everywhere.

    Such items make correlations undefined; psych drops them with a warning (alpha) or stops
    with NA (fa, KMO); lavaan stops. We stop and name them, so the user can drop or fix them.
    """
    from mentorassess.errors import Problem

    empty, constant = unusable_items(frame)
    if not empty and not constant:
        return
    problems = [Problem(f"item {c!r} has no answers", code="item-all-missing", column=c) for c in empty]
    problems += [Problem(f"item {c!r} has the same answer in every response (zero variance)",
                         code="item-constant", column=c) for c in constant]
    parts = []
    if empty:
        parts.append(f"no answers for {', '.join(empty)}")
    if constant:
        parts.append(f"zero variance (constant answers) for {', '.join(constant)}")
    raise InsufficientDataError(f"{what}: {'; '.join(parts)}; drop these items and rerun",
                                column=(empty + constant)[0], problems=problems)


def rcond(a: np.ndarray) -> float:
    """Reciprocal condition number in the 1-norm (what R's ``solve`` tests against
    ``.Machine$double.eps`` before inverting); 0 for a singular or non-finite matrix."""
    a = np.asarray(a, dtype=float)
    if not np.isfinite(a).all():
        return 0.0
    try:
        with np.errstate(all="ignore"):
            inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return 0.0
    if not np.isfinite(inv).all():
        return 0.0
    return float(1.0 / (np.abs(a).sum(axis=0).max() * np.abs(inv).sum(axis=0).max()))


def r_solve(a: np.ndarray) -> np.ndarray | None:
    """The inverse when R's ``solve(a)`` would succeed (rcond >= machine eps), else None."""
    if rcond(a) < np.finfo(float).eps:
        return None
    return np.linalg.inv(a)


def collinear_pairs(r: np.ndarray, names: Sequence[str], tol: float = 1e-8) -> list[tuple[str, str]]:
    """Pairs of items whose correlation is +-1 within ``tol`` (exact or near duplicates)."""
    i, j = np.triu_indices(r.shape[0], 1)
    hit = np.abs(np.abs(r[i, j]) - 1) < tol
    return [(str(names[a]), str(names[b])) for a, b in zip(i[hit], j[hit])]


def is_positive_definite(r: np.ndarray) -> bool:
    """psych's test in ``cor.smooth``: smallest eigenvalue >= machine eps."""
    return bool(np.linalg.eigvalsh(r).min() >= np.finfo(float).eps)


def cor_smooth(r: np.ndarray, eig_tol: float = 1e-12) -> np.ndarray:
    """``psych::cor.smooth``: eigenvalues below ``eig_tol`` set to 100 eig_tol, rescaled to sum p,
    rebuilt and turned back into a correlation matrix. Returned unchanged if already PD."""
    r = np.asarray(r, dtype=float)
    w, v = np.linalg.eigh(r)
    if w.min() >= np.finfo(float).eps:
        return r.copy()
    w = np.where(w < eig_tol, 100 * eig_tol, w)
    w = w * r.shape[0] / w.sum()
    return cov2cor((v * w) @ v.T)


def zero_variance(frame: pd.DataFrame) -> list[str]:
    sd = frame.std(axis=0, skipna=True)
    return [str(c) for c in frame.columns if not (sd[c] > 0)]


def pairwise_cov(frame: pd.DataFrame) -> np.ndarray:
    """``cov(x, use = "pairwise")`` (divisor n_ij - 1)."""
    x = frame.to_numpy(dtype=float)
    if not np.isnan(x).any():
        return np.cov(x, rowvar=False, ddof=1).reshape(x.shape[1], x.shape[1])
    return frame.cov().to_numpy()


class DigestCache:
    """Results of a deterministic function of an array, kept for the last ``size`` arrays.

    Keys are the array's shape and a BLAKE2b digest of its values (:meth:`key`), plus any other
    arguments of the function; the oldest entry goes first. Insertion and eviction happen under a
    lock (a process may compute in several threads: the web app's previews). Callers store and
    return copies of mutable values.

    >>> cache = DigestCache(1)
    >>> k = DigestCache.key(np.eye(2), "minres")
    >>> cache.put(k, 1.5); cache.get(k), len(cache)
    (1.5, 1)
    >>> cache.put(DigestCache.key(np.zeros(2)), 2.0); cache.get(k), len(cache)
    (None, 1)
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(a: np.ndarray, *extra: Any) -> tuple:
        import hashlib

        return (a.shape, hashlib.blake2b(np.ascontiguousarray(a).tobytes(), digest_size=20).digest(), *extra)

    def get(self, key: tuple) -> Any:
        return self._items.get(key)

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:   # evict and insert as one step
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)), None)
            self._items[key] = value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_COR_CACHE = DigestCache(4)   # data digest -> correlation matrix (the last few; one report asks 5 times)


def pairwise_cor(frame: pd.DataFrame) -> np.ndarray:
    """``cor(x, use = "pairwise")`` (pair-specific means and SDs).

    KMO, Bartlett's test, parallel analysis, omega and the EFA of one report correlate the same
    items: the matrix of the last few data sets is kept (keyed by a digest of the values, so equal
    data give the very same matrix; a copy is returned).
    """
    x = frame.to_numpy(dtype=float)
    key = DigestCache.key(x)
    hit = _COR_CACHE.get(key)
    if hit is not None:
        return hit.copy()
    c = _pairwise_cor_checked(frame, x)
    _COR_CACHE.put(key, c.copy())
    return c


def _pairwise_cor_checked(frame: pd.DataFrame, x: np.ndarray) -> np.ndarray:
    if not np.isnan(x).any():
        c = np.corrcoef(x, rowvar=False).reshape(x.shape[1], x.shape[1])
    else:
        c = _pairwise_cor_matrix(x)
    np.fill_diagonal(c, 1.0)
    if np.isnan(c).any():
        check_items(frame, what="correlations")
        bad = np.argwhere(np.isnan(np.triu(c, 1)))
        names = [str(n) for n in frame.columns]
        pairs = ", ".join(f"{names[a]}-{names[b]}" for a, b in bad[:10]) + (" ..." if len(bad) > 10 else "")
        raise InsufficientDataError("correlations are undefined for item pairs with fewer than 2 joint answers "
                                    f"or no variation in their joint answers: {pairs}")
    return c


def _pairwise_cor_matrix(x: np.ndarray) -> np.ndarray:
    """Pairwise-complete Pearson correlations with matrix products (pandas' ``corr`` loops over
    pairs and was 2/3 of a parallel analysis on 20,000 rows). Columns are centred first for
    numerical stability; pair-specific means enter through the sums over jointly observed rows."""
    miss = np.isnan(x)
    m = ~miss
    zeroed = np.array(x, copy=True)
    np.copyto(zeroed, 0.0, where=miss)
    with np.errstate(invalid="ignore", divide="ignore"):   # np.nanmean's arithmetic, without its warning
        centre = np.sum(zeroed, axis=0) / np.sum(m, axis=0)  # for an empty column (this may run in a thread)
    z = np.where(m, x - centre, 0.0)
    mf = m.astype(float)
    n = mf.T @ mf                      # n_ij: rows where both i and j are answered
    sx = z.T @ mf                      # sx[i, j] = sum of z_i over those rows
    sxx = (z * z).T @ mf               # sum of z_i^2 over those rows
    sxy = z.T @ z                      # sum of z_i z_j (zero where either is missing)
    with np.errstate(invalid="ignore", divide="ignore"):
        num = n * sxy - sx * sx.T
        den = np.sqrt((n * sxx - sx * sx) * (n * sxx.T - sx.T * sx.T))
        c = num / den
    c[(n < 2) | ~(den > 0)] = np.nan
    return c


def pairwise_counts(frame: pd.DataFrame) -> np.ndarray:
    m = frame.notna().to_numpy().astype(float)
    return m.T @ m


def cov2cor(c: np.ndarray) -> np.ndarray:
    """Covariance to correlation; a non-positive variance gives NaN (as R's cov2cor), without a
    numpy RuntimeWarning on the user's console."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sqrt(np.diag(c))
        r = c / np.outer(d, d)
    np.fill_diagonal(r, 1.0)
    return r


def pinv_r(x: np.ndarray) -> np.ndarray:
    """psych::Pinv (tolerance sqrt(eps) relative to the largest singular value)."""
    u, d, vt = np.linalg.svd(x)
    keep = d > max(np.sqrt(np.finfo(float).eps) * d[0], 0)
    return (vt[keep].T / d[keep]) @ u[:, keep].T


@functools.lru_cache(maxsize=16)
def tril_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.tril_indices(p, -1)``, computed once per size (it costs more than a 26 x 26 objective)."""
    rows, cols = np.tril_indices(p, -1)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


def top_eigh(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest eigenvalues of the symmetric ``m`` (descending) and their eigenvectors.

    LAPACK's ``dsyevr`` for just those (a third of the time of a full ``eigh`` for ``k = 1`` at 26
    items); a full decomposition where it reports a failure. The minres objective of the factor
    fits needs no more.
    """
    from scipy.linalg import lapack

    p = m.shape[0]
    if 0 < k < p:
        w, v, found, _, info = lapack.dsyevr(m, compute_v=1, range="I", il=p - k + 1, iu=p)
        if info == 0 and found == k:
            return w[k - 1::-1].copy(), v[:, k - 1::-1].copy()
    w, v = np.linalg.eigh(m)
    return w[::-1][:k], v[:, ::-1][:, :k]


def smc(r: np.ndarray) -> np.ndarray:
    """psych::smc on a correlation matrix: 1 - 1/diag(Pinv(R)), clipped to [0, 1]."""
    r = cov2cor(np.asarray(r, dtype=float))
    s = 1.0 - 1.0 / np.diag(pinv_r(r))
    return np.clip(s, 0.0, 1.0)


def readonly(a: Any) -> np.ndarray:
    arr = np.array(a, dtype=float, copy=True)
    arr.flags.writeable = False
    return arr


def frozen_map(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


def jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, mappings, tuples, DataFrames; NaN/inf -> None."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, pd.DataFrame):
        return [jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return str(obj)


def matrix_frame(m: np.ndarray, rows: Sequence[str], cols: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(np.array(m, dtype=float), index=list(rows), columns=list(cols))


def projected_gradient(x: np.ndarray, g: np.ndarray, lower: float, upper: float = np.inf) -> np.ndarray:
    """The gradient of a bound-constrained minimisation without the parts that push out of the box
    (a variable at its lower bound with a positive gradient, at its upper bound with a negative one):
    zero at a constrained optimum."""
    x, g = np.asarray(x, dtype=float), np.asarray(g, dtype=float)
    return np.where(((x <= lower) & (g > 0)) | ((x >= upper) & (g < 0)), 0.0, g)


def check_rng(rng: np.random.Generator | int | None, default: int = 20131002) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng(default)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(int(rng))
    raise DataError(f"rng must be a numpy Generator or an int seed, got {type(rng).__name__}")


_BLAS_LOCK = threading.Lock()
_BLAS_STATE: dict[str, Any] = {"controller": None, "depth": 0, "limiter": None}


#: glibc ``mallopt`` parameters: allocations below 32 MB come from the heap, and up to 256 MB of
#: freed heap stays in the process (see :func:`reuse_freed_memory`).
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 256 * 1024 * 1024
_MALLOPT: dict[str, bool] = {}


def reuse_freed_memory() -> bool:
    """Keep freed working memory in the process for the next array of the same size (glibc).

    glibc hands arrays of a few MB to the kernel when they are freed (``mmap``/trim) and takes
    fresh zeroed pages at the next allocation; on a virtual machine each page fault is costly. The
    statistics allocate and free the same n x items working arrays again and again (20 resampled
    correlation matrices of 20,000 x 26 in a parallel analysis: 21 -> 11 ms each). Sets
    ``M_MMAP_THRESHOLD`` to 32 MB and ``M_TRIM_THRESHOLD`` to 256 MB once per process (the process
    may keep up to 256 MB it no longer uses). Returns whether the settings apply (Linux with glibc;
    ``MENTORASSESS_MALLOPT=0`` turns it off). The numbers computed are the same either way.
    """
    if "done" in _MALLOPT:
        return _MALLOPT["done"]
    ok = False
    import os
    import sys

    if sys.platform.startswith("linux") and os.environ.get("MENTORASSESS_MALLOPT", "1") != "0":
        try:
            import ctypes

            libc = ctypes.CDLL(None)
            mallopt = libc.mallopt
            mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
            ok = bool(mallopt(-3, _MMAP_THRESHOLD)) and bool(mallopt(-1, _TRIM_THRESHOLD))   # M_MMAP_/M_TRIM_THRESHOLD
        except (OSError, AttributeError):   # not glibc (musl has no mallopt)
            ok = False
    _MALLOPT["done"] = ok
    return ok


def _enter_single_blas() -> None:
    with _BLAS_LOCK:
        if _BLAS_STATE["depth"] == 0:
            reuse_freed_memory()
            ctl = _BLAS_STATE["controller"]
            if ctl is None:
                from threadpoolctl import ThreadpoolController

                # finding the loaded BLAS libraries reads /proc/self/maps (5 ms): once per process
                ctl = _BLAS_STATE["controller"] = ThreadpoolController()
            _BLAS_STATE["limiter"] = ctl.limit(limits=1, user_api="blas")
        _BLAS_STATE["depth"] += 1


def _leave_single_blas() -> None:
    with _BLAS_LOCK:
        _BLAS_STATE["depth"] -= 1
        if _BLAS_STATE["depth"] == 0 and _BLAS_STATE["limiter"] is not None:
            _BLAS_STATE["limiter"].restore_original_limits()
            _BLAS_STATE["limiter"] = None


def single_threaded_blas(fn: Any) -> Any:
    """Run ``fn`` with BLAS limited to one thread and numpy floating-point warnings silenced.

    Our matrices are small (items x items); numpy and scipy ship two OpenBLAS builds whose
    thread pools contend when calls alternate (measured 70x slower for an EFA on 2 cores).
    The limit is process-wide: the first call to enter sets it and the last to leave restores it
    (nested and concurrent calls share it), with the BLAS libraries found once per process.
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            import threadpoolctl  # noqa: F401
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            with np.errstate(all="ignore"):
                return fn(*args, **kwargs)
        # NaN/inf arising inside a statistic are checked and reported by the statistic itself
        # (a warning naming the problem); numpy's bare RuntimeWarnings must not reach the console
        _enter_single_blas()
        try:
            with np.errstate(all="ignore"):
                return fn(*args, **kwargs)
        finally:
            _leave_single_blas()

    return wrapper
