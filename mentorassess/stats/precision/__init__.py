"""How much to trust a mentor's score (issue 21; docs/precision.md).

Modules (import them explicitly; this package imports nothing):

- ``gstudy``: variance components of (raters:mentor) x items by REML (= lme4) or ANOVA; G, Phi.
- ``dstudy``: D-study tables, mentees needed for .70/.80, per-mentor reliability.
- ``shrinkage``: empirical-Bayes mentor scores with conditional SDs (= lme4 ``ranef(condVar = TRUE)``).
- ``prepost``: multilevel pre/post change with Satterthwaite df (= lmerTest), standardised effects.
- ``rci``: reliable change index per mentor (Jacobson & Truax) with the reliability of a k-rater mean.
- ``nulls``: rwg null distributions (LeBreton & Senter 2008) and awg (= multilevel ``awg``).
- ``summary``: ``precision_report``, all of the above for one form (the CLI's ``precision``).
- ``_mixed``, ``_satterthwaite``: the REML engine and lmerTest's df (private).
"""
