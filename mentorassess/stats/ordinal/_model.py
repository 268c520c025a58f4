"""Simple-structure measurement model on a correlation structure (delta parameterization).

Parameters: the free loadings (the first item of each factor is the marker, loading 1, as
lavaan's default) and the factor (co)variances. The implied correlation of items a and b is
lambda_a lambda_b Phi[f(a), f(b)]; thresholds are saturated and residual variances are
1 - lambda^2 Phi_ff (not free).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ...errors import ConfigError, Problem


@dataclass(frozen=True)
class Model:
    factors: tuple[str, ...]
    items: tuple[str, ...]
    factor_of: np.ndarray          # (p,) factor index per item
    marker: np.ndarray             # (p,) bool
    free_loadings: np.ndarray      # item indices with a free loading
    phi_index: tuple[tuple[int, int], ...]  # (f, g), f >= g, lavaan order: variances then covariances
    pairs: np.ndarray              # (P, 2) item pairs in lavaan's vech order

    @property
    def n_free(self) -> int:
        return len(self.free_loadings) + len(self.phi_index)

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lam = np.ones(len(self.items))
        nl = len(self.free_loadings)
        lam[self.free_loadings] = theta[:nl]
        m = len(self.factors)
        phi = np.zeros((m, m))
        for v, (f, g) in zip(theta[nl:], self.phi_index):
            phi[f, g] = phi[g, f] = v
        return lam, phi

    def implied(self, theta: np.ndarray) -> np.ndarray:
        lam, phi = self.unpack(theta)
        a, b = self.pairs[:, 0], self.pairs[:, 1]
        return lam[a] * lam[b] * phi[self.factor_of[a], self.factor_of[b]]

    def implied_matrix(self, theta: np.ndarray) -> np.ndarray:
        lam, phi = self.unpack(theta)
        f = self.factor_of
        s = np.outer(lam, lam) * phi[np.ix_(f, f)]
        np.fill_diagonal(s, 1.0)
        return s

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """d implied / d theta, (P, n_free)."""
        lam, phi = self.unpack(theta)
        a, b = self.pairs[:, 0], self.pairs[:, 1]
        fa, fb = self.factor_of[a], self.factor_of[b]
        pf = phi[fa, fb]
        out = np.zeros((len(a), self.n_free))
        rows = np.arange(len(a))
        col_of = np.full(len(self.items), -1)
        col_of[self.free_loadings] = np.arange(len(self.free_loadings))
        ca, cb = col_of[a], col_of[b]
        out[rows[ca >= 0], ca[ca >= 0]] += (lam[b] * pf)[ca >= 0]
        out[rows[cb >= 0], cb[cb >= 0]] += (lam[a] * pf)[cb >= 0]
        nl = len(self.free_loadings)
        for c, (f, g) in enumerate(self.phi_index):
            hit = ((fa == f) & (fb == g)) | ((fa == g) & (fb == f))
            out[hit, nl + c] = lam[a][hit] * lam[b][hit]
        return out

    def start(self, r: np.ndarray) -> np.ndarray:
        """Starting values from the polychoric matrix (one-factor principal axis per factor)."""
        p = len(self.items)
        std = np.zeros(p)
        for f in range(len(self.factors)):
            idx = np.flatnonzero(self.factor_of == f)
            sub = r[np.ix_(idx, idx)].copy()
            if len(idx) == 1:
                std[idx] = 0.7
                continue
            off = np.abs(sub - np.eye(len(idx)))
            np.fill_diagonal(sub, off.max(axis=1))
            w, v = np.linalg.eigh(sub)
            vec = v[:, -1] * np.sqrt(max(w[-1], 1e-6))
            vec *= np.sign(vec.sum()) or 1.0
            std[idx] = np.clip(vec, 0.1, 0.95)
        lam = np.empty(p)
        m = len(self.factors)
        mk = np.array([np.flatnonzero((self.factor_of == f) & self.marker)[0] for f in range(m)])
        for j in range(p):
            lam[j] = std[j] / std[mk[self.factor_of[j]]]
        theta = list(lam[self.free_loadings])
        for f, g in self.phi_index:
            if f == g:
                theta.append(std[mk[f]] ** 2)
            else:
                i_f = np.flatnonzero(self.factor_of == f)
                i_g = np.flatnonzero(self.factor_of == g)
                rho = np.mean(r[np.ix_(i_f, i_g)] / np.outer(std[i_f], std[i_g]))
                theta.append(float(np.clip(rho, -0.9, 0.9)) * std[mk[f]] * std[mk[g]])
        return np.array(theta)


def build_model(model: Mapping[str, Sequence[str]], *, what: str) -> tuple[Model, list[str]]:
    """Validate the mapping (factor -> items, simple structure) and return the model and item order."""
    problems: list[Problem] = []
    if not isinstance(model, Mapping) or not model:
        raise ConfigError(f"{what}: the model must be a non-empty mapping factor name -> list of item columns")
    seen: dict[str, str] = {}
    items: list[str] = []
    factors = [str(f) for f in model]
    for f, its in model.items():
        if isinstance(its, str) or not isinstance(its, Sequence):
            problems.append(Problem(f"factor {f!r}: items must be a list of column names", loc=(str(f),),
                                    code="bad-model"))
            continue
        if len(its) < 2 or (len(model) == 1 and len(its) < 3):
            need = 3 if len(model) == 1 else 2
            problems.append(Problem(f"factor {f!r} has {len(its)} item(s); a {'one' if len(model) == 1 else 'multi'}"
                                    f"-factor model needs at least {need} per factor to be identified",
                                    loc=(str(f),), code="under-identified"))
        for it in its:
            it = str(it)
            if it in seen:
                problems.append(Problem(f"item {it!r} is listed under {seen[it]!r} and {f!r}; only simple "
                                        "structure (one factor per item) is supported", column=it,
                                        code="cross-loading"))
                continue
            seen[it] = str(f)
            items.append(it)
    if problems:
        raise ConfigError.from_problems(problems, summary=f"{what}: invalid measurement model")
    fac_index = {f: k for k, f in enumerate(factors)}
    factor_of = np.array([fac_index[seen[i]] for i in items])
    marker = np.zeros(len(items), dtype=bool)
    for k in range(len(factors)):
        marker[np.flatnonzero(factor_of == k)[0]] = True
    m = len(factors)
    phi_index = tuple([(k, k) for k in range(m)] + [(f, g) for g in range(m) for f in range(g + 1, m)])
    from ._estimate import vech_pairs

    mdl = Model(tuple(factors), tuple(items), factor_of, marker, np.flatnonzero(~marker), phi_index,
                vech_pairs(len(items)))
    return mdl, items
