"""Statistics for mentorassess: reliability, factor analysis, agreement and change.

Each public function takes a DataFrame of item responses (and, where it needs the structure,
the instrument) and returns a frozen result object with ``to_frame()`` at full precision.
Submodules are imported explicitly (``from mentorassess.stats.reliability import
estimate_alpha``) so that importing this package stays cheap.

Psychometric modules and their R counterparts (R 4.2.2, psych 2.2.9, lavaan 0.6-14,
semTools 0.5-6, GPArotation 2022.10-2; reference values in ``tests/reference/psych``):

- ``reliability``: ``estimate_alpha`` = ``psych::alpha``; ``estimate_reliability`` per competency.
- ``omega``: ``estimate_omega`` = ``psych::omega`` (Schmid-Leiman).
- ``factors``: ``estimate_kmo`` = ``psych::KMO``; ``bartlett_sphericity`` =
  ``psych::cortest.bartlett(R, n)``; ``parallel_analysis`` = ``psych::fa.parallel(fa = "both")``.
- ``efa``: ``fit_efa`` = ``psych::fa`` (minres/ml; oblimin/varimax/promax).
- ``cfa``: ``fit_cfa`` = ``lavaan::cfa`` + ``fitMeasures``, ``standardizedSolution``,
  ``modindices``, ``resid(type = "cor")``, ``semTools::compRelSEM``.
- ``report``: ``psychometrics`` bundles all of them per form and wave.
- ``agreement``: ``icc_nested`` = ``psych::statsBy`` ICC1/ICC2; ``icc_shrout_fleiss`` = ``psych::ICC``; rwg.
- ``change``: paired t = ``t.test(paired = TRUE)``; Wilcoxon = ``wilcox.test(paired = TRUE)``.
- ``precision`` (subpackage, docs/precision.md): G-study = ``lme4::lmer(score ~ 1 + (1|mentor) +
  (1|mentor:rater) + (1|item) + (1|mentor:item))``, D-study, EB scores = ``ranef(condVar = TRUE)``,
  pre/post change = ``lmerTest`` Satterthwaite, RCI, rwg nulls and awg = ``multilevel``
  (reference values in ``tests/reference/precision``).

Known, deliberate differences from R:

- Rows with no item answered are dropped before any statistic (psych counts them in N for
  alpha's Feldt interval and ``ase``; lavaan drops them anyway). Pass the same rows to R.
- EFA uniquenesses are optimized to tighter tolerances than R's ``optim`` (factr 1e7), so
  loadings agree to ~1e-6, not bit for bit. Rotations are line-by-line ports with R's stopping rules.
- Parallel analysis and bootstraps use numpy's generator: the simulated thresholds, the
  bootstrap interval and hence the suggested number of factors agree with R only in
  distribution (exactly on clear-cut data such as bfi). Observed eigenvalues are deterministic.
- ``estimate_kmo`` raises ``InsufficientDataError`` when the pairwise correlation matrix is not
  positive definite (psych returns NaN); Bartlett's test likewise (psych returns NaN/Inf).
- ``fit_efa`` warns (``HeywoodWarning``) when a communality reaches the .995 bound, not only
  above 1 as psych does; nothing is clipped beyond psych's own optimizer bounds.
- ``fit_cfa`` implements listwise ML only (no FIML, no WLSMV); ``modification_indices`` omits
  fixed marker loadings (lavaan lists them only when numerical noise makes them estimable).
- Alpha's zero-variance items are dropped (as psych) but the total used for ``raw_r`` is the
  mean of the remaining items (psych adds the dropped constant; correlations are unaffected).
"""

__all__: list[str] = []
