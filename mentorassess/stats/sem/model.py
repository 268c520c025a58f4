"""Parameter table and model matrices of a (multi-group) CFA / second-order model, as lavaan builds
them for ``cfa()``: Sigma = Lambda A Psi A' Lambda' + Theta, mu = nu + Lambda A alpha,
A = (I - B)^-1 (B holds the loadings of first-order factors on higher-order factors).

Defaults (lavaan ``cfa``): the first loading of each factor fixed to 1 (or factor variances to 1
with ``std_lv``), residual variances free, exogenous factors correlated (not with
``orthogonal``), endogenous (first-order under a second-order) factors uncorrelated; with a
mean structure, intercepts free and latent means 0. ``group_equal`` ties loadings, intercepts,
residuals, residual.covariances, lv.variances, lv.covariances, means across groups; with equal
intercepts the latent means of groups 2.. are free; with equal loadings and ``std_lv`` the
latent variances of groups 2.. are free (lavaan's rules). ``group_partial`` lists parameters
(``"f=~x2"``, ``"x3~1"``, ``"x1~~x1"``) left free across groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mentorassess.errors import ConfigError
from mentorassess.stats.sem.syntax import Statement, parse_model

__all__ = ["Param", "SemModel", "build_model"]

_EQ_KINDS = ("loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
             "lv.covariances", "means", "regressions")


@dataclass
class Param:
    """One row of the parameter table (per group)."""

    lhs: str
    op: str
    rhs: str
    group: int
    mat: str          # lambda, beta, psi, theta, nu, alpha
    row: int
    col: int
    free: int         # index into theta (-1 fixed)
    value: float      # fixed value (or start)
    label: str = ""
    kind: str = ""    # group.equal category


class SemModel:
    """Model matrices and derivatives; ``free`` parameters in ``x`` (equality = shared index)."""

    def __init__(self, obs: list[str], lat: list[str], params: list[Param], ngroups: int,
                 meanstructure: bool) -> None:
        self.obs, self.lat, self.params = obs, lat, params
        self.p, self.m, self.ngroups, self.meanstructure = len(obs), len(lat), ngroups, meanstructure
        self.q = max((pr.free for pr in params), default=-1) + 1
        self.free_rows = [[pr for pr in params if pr.free == k] for k in range(self.q)]

    # ---------------------------------------------------------------- matrices
    def matrices(self, x: np.ndarray, g: int) -> dict[str, np.ndarray]:
        p, m = self.p, self.m
        mats = {"lambda": np.zeros((p, m)), "beta": np.zeros((m, m)), "psi": np.zeros((m, m)),
                "theta": np.zeros((p, p)), "nu": np.zeros(p), "alpha": np.zeros(m)}
        for pr in self.params:
            if pr.group != g:
                continue
            v = x[pr.free] if pr.free >= 0 else pr.value
            mat = mats[pr.mat]
            if mat.ndim == 1:
                mat[pr.row] = v
            else:
                mat[pr.row, pr.col] = v
                if pr.mat in ("psi", "theta"):
                    mat[pr.col, pr.row] = v
        return mats

    def implied(self, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        mt = self.matrices(x, g)
        a = np.linalg.inv(np.eye(self.m) - mt["beta"])
        lam = mt["lambda"] @ a
        sigma = lam @ mt["psi"] @ lam.T + mt["theta"]
        mu = mt["nu"] + lam @ mt["alpha"]
        return sigma, mu

    def derivatives(self, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        """dSigma (q, p, p) and dmu (q, p) for group g."""
        mt = self.matrices(x, g)
        p, m = self.p, self.m
        a = np.linalg.inv(np.eye(m) - mt["beta"])
        lam0, psi, alpha = mt["lambda"], mt["psi"], mt["alpha"]
        lam = lam0 @ a
        lp = lam @ psi                    # p x m
        ds = np.zeros((self.q, p, p))
        dm = np.zeros((self.q, p))
        for pr in self.params:
            if pr.group != g or pr.free < 0:
                continue
            k, i, j = pr.free, pr.row, pr.col
            if pr.mat == "lambda":
                dl = np.zeros((p, m))
                dl[i, :] = a[j, :]        # E_ij A
                t = dl @ psi @ lam.T
                ds[k] += t + t.T
                dm[k] += dl @ alpha
            elif pr.mat == "beta":
                dl = np.outer(lam0 @ a[:, i], a[j, :])   # Lambda A E_ij A
                t = dl @ psi @ lam.T
                ds[k] += t + t.T
                dm[k] += dl @ alpha
            elif pr.mat == "psi":
                t = np.outer(lam[:, i], lam[:, j])
                ds[k] += t + t.T if i != j else t
            elif pr.mat == "theta":
                ds[k, i, j] += 1.0
                if i != j:
                    ds[k, j, i] += 1.0
            elif pr.mat == "nu":
                dm[k, i] += 1.0
            elif pr.mat == "alpha":
                dm[k] += lam[:, i]
        del lp
        return ds, dm

    def table(self, x: np.ndarray) -> list[dict]:
        rows = []
        for pr in self.params:
            rows.append({"lhs": pr.lhs, "op": pr.op, "rhs": pr.rhs, "group": pr.group + 1,
                         "free": pr.free + 1 if pr.free >= 0 else 0, "label": pr.label,
                         "est": float(x[pr.free]) if pr.free >= 0 else float(pr.value)})
        return rows


def _per_group(values: tuple | None, g: int, ngroups: int, what: str):
    if values is None:
        return None
    if len(values) == 1:
        return values[0]
    if len(values) != ngroups:
        raise ConfigError(f"model syntax: {what} has {len(values)} modifiers for {ngroups} groups")
    return values[g]


def build_model(syntax: str | list[Statement], observed: list[str] | None = None, *, ngroups: int = 1,
                std_lv: bool = False, orthogonal: bool = False, meanstructure: bool = False,
                group_equal: tuple[str, ...] = (), group_partial: tuple[str, ...] = ()) -> SemModel:
    """The parameter table of a CFA model (lavaan ``cfa()`` defaults; see the module docstring)."""
    stmts = parse_model(syntax) if isinstance(syntax, str) else list(syntax)
    bad = [k for k in group_equal if k not in _EQ_KINDS]
    if bad:
        raise ConfigError(f"group_equal: unknown {', '.join(bad)}; use {', '.join(_EQ_KINDS)}")
    lat: list[str] = []
    for s in stmts:
        if s.op == "=~" and s.lhs not in lat:
            lat.append(s.lhs)
    obs: list[str] = []
    for s in stmts:
        for v in ((s.rhs,) if s.op == "=~" else (s.lhs, s.rhs) if s.op == "~~" else (s.lhs,)):
            if v and v not in lat and v not in obs:
                obs.append(v)
    if observed is not None:
        missing = [o for o in obs if o not in observed]
        if missing:
            raise ConfigError(f"model syntax names variables not in the data: {', '.join(missing)}")
    endo = {s.rhs for s in stmts if s.op == "=~" and s.rhs in lat}
    partial = {gp.replace(" ", "") for gp in group_partial}
    oi = {v: i for i, v in enumerate(obs)}
    li = {v: i for i, v in enumerate(lat)}
    params: list[Param] = []
    for g in range(ngroups):
        seen: set[tuple[str, str, str]] = set()
        first: dict[str, bool] = {}

        def add(lhs, op, rhs, mat, r, c, free, value, label="", kind="", forced=False, stmt=None):
            key = (lhs, op, rhs)
            for pr in params:  # an explicit statement overrides a default
                if pr.group == g and (pr.lhs, pr.op, pr.rhs) in (key, (rhs, op, lhs)):
                    params.remove(pr)
                    break
            fixed = _per_group(stmt.fixed, g, ngroups, f"{lhs} {op} {rhs}") if stmt else None
            lab = _per_group(stmt.labels, g, ngroups, f"{lhs} {op} {rhs}") if stmt else None
            if fixed is not None:
                free, value = False, fixed
            elif forced:
                free = True
            params.append(Param(lhs, op, rhs, g, mat, r, c, -2 if free else -1, value, lab or label, kind))
            seen.add(key)

        for s in stmts:
            if s.op != "=~":
                continue
            is_first = not first.get(s.lhs)
            first[s.lhs] = True
            forced = bool(s.free_forced and (s.fixed is None or _per_group(s.fixed, g, ngroups, "") is None))
            marker = is_first and not std_lv and not forced
            if s.rhs in lat:
                add(s.lhs, "=~", s.rhs, "beta", li[s.rhs], li[s.lhs], not marker, 1.0, kind="regressions",
                    forced=forced, stmt=s)
            else:
                add(s.lhs, "=~", s.rhs, "lambda", oi[s.rhs], li[s.lhs], not marker, 1.0, kind="loadings",
                    forced=forced, stmt=s)
        for v in obs:
            add(v, "~~", v, "theta", oi[v], oi[v], True, 0.0, kind="residuals")
        for f in lat:
            add(f, "~~", f, "psi", li[f], li[f], not std_lv, 1.0, kind="lv.variances")
        exo = [f for f in lat if f not in endo]
        if not orthogonal:
            for a in range(len(exo)):
                for b in range(a + 1, len(exo)):
                    add(exo[a], "~~", exo[b], "psi", li[exo[b]], li[exo[a]], True, 0.0, kind="lv.covariances")
        if meanstructure:
            for v in obs:
                add(v, "~1", "", "nu", oi[v], 0, True, 0.0, kind="intercepts")
            for f in lat:
                add(f, "~1", "", "alpha", li[f], 0, False, 0.0, kind="means")
        for s in stmts:
            if s.op == "~~":
                if s.lhs in lat and s.rhs in lat:
                    a, b = sorted((li[s.lhs], li[s.rhs]))
                    add(s.lhs, "~~", s.rhs, "psi", b, a, True, 1.0 if a == b else 0.0,
                        kind="lv.variances" if a == b else "lv.covariances", forced=s.free_forced, stmt=s)
                elif s.lhs in obs and s.rhs in obs:
                    a, b = sorted((oi[s.lhs], oi[s.rhs]))
                    add(s.lhs, "~~", s.rhs, "theta", b, a, True, 0.0,
                        kind="residuals" if a == b else "residual.covariances", forced=s.free_forced, stmt=s)
                else:
                    raise ConfigError(f"model syntax line {s.line}: a covariance between an item and a factor "
                                      "is not supported")
            elif s.op == "~1":
                if s.lhs in lat:
                    add(s.lhs, "~1", "", "alpha", li[s.lhs], 0, True, 0.0, kind="means", forced=True, stmt=s)
                else:
                    add(s.lhs, "~1", "", "nu", oi[s.lhs], 0, True, 0.0, kind="intercepts", stmt=s)
        # lavaan's identification rules when parameters are equal across groups
        if g > 0:
            for pr in params:
                if pr.group != g or pr.free != -1:
                    continue
                if pr.mat == "alpha" and "intercepts" in group_equal and "means" not in group_equal:
                    pr.free = -2
                if (pr.mat == "psi" and pr.row == pr.col and std_lv and "loadings" in group_equal
                        and "lv.variances" not in group_equal):
                    pr.free = -2
    # assign free indices: shared labels, and group_equal ties (same lhs/op/rhs across groups)
    index: dict[object, int] = {}
    nxt = 0
    for pr in params:
        if pr.free == -1:
            continue
        key: object
        name = f"{pr.lhs}{pr.op}{pr.rhs}"
        if pr.label:
            key = ("label", pr.label)
        elif (ngroups > 1 and pr.kind in group_equal and name not in partial
              and not (pr.kind == "lv.variances" and std_lv)):
            key = ("eq", pr.lhs, pr.op, pr.rhs)
        else:
            key = ("own", pr.group, pr.lhs, pr.op, pr.rhs)
        if key not in index:
            index[key] = nxt
            nxt += 1
        pr.free = index[key]
    return SemModel(obs, lat, params, ngroups, meanstructure)
