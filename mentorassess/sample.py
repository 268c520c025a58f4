"""Synthetic mentoring program calibrated to published MCA figures.

:func:`generate` simulates a program of mentors rated on the MCA-26 by themselves and by their
mentees at a ``pre`` and a ``post`` wave, in the canonical data model (one row per response).
Ratings come from a correlated six-factor model with a mentor effect shared by a mentor's
mentees, small cross-loadings and correlated residuals (realistic misfit), then rounded to the
1-7 scale. Intercepts are calibrated by bisection so that program means land on the published
figures (mentors 4.75 -> 5.71, mentees 5.55 -> 5.92; Am J Trop Med Hyg 2023, Table 2): these are
plausibility targets for test data, never norms.

The same seed gives the same data and, through :func:`write_sample`, the same bytes on every machine:
no matrix decomposition and no order-dependent floating-point reduction is involved (see
``docs/design.md``, "Same seed, same bytes on every machine").

Examples
--------
>>> from mentorassess.sample import generate
>>> prog = generate(seed=1, n_mentors=12)
>>> sorted(prog.responses.rater_role.unique())
['mentee', 'self']
>>> prog.responses.equals(generate(seed=1, n_mentors=12).responses)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess.instruments import Instrument, load_instrument

__all__ = ["SampleProgram", "generate", "write_sample", "TARGET_MEANS", "TARGET_SDS", "DEFAULT_SEED"]

DEFAULT_SEED = 20261125

# Published program means and SDs (Am J Trop Med Hyg 2023;109(2):489-494, Table 2), used only as
# calibration targets. Competencies the table does not report use the overall figure.
TARGET_MEANS = {
    ("self", "pre"): {"overall": 4.75, "communication": 5.14, "expectations": 4.51, "understanding": 4.74,
                      "independence": 5.04},
    ("self", "post"): {"overall": 5.71, "communication": 5.74, "expectations": 5.67, "understanding": 5.87,
                       "independence": 5.95},
    ("mentee", "pre"): {"overall": 5.55, "communication": 5.81, "expectations": 5.31, "understanding": 5.57,
                        "independence": 5.73},
    ("mentee", "post"): {"overall": 5.92, "communication": 6.03, "expectations": 5.92, "understanding": 6.11,
                         "independence": 6.23},
}
TARGET_SDS = {("self", "pre"): 1.38, ("self", "post"): 0.91, ("mentee", "pre"): 1.46, ("mentee", "post"): 1.37}
# Correlations between competency factors: published ranges .49-.87 (mentors), .58-.92 (mentees).
FACTOR_CORR = {"self": 0.80, "mentee": 0.84}
MENTOR_ICC = 0.30  # share of a mentee rating's latent variance that is the mentor's own

_NAMES = [
    ("Zofia Wiśniewska", "Public Health"), ("Nguyễn Thị Hương", "Medicine"), ("Γιώργος Παπαδόπουλος", "Pharmacy"),
    ("王芳 (Wang Fang)", "Biomedical Sciences"), ("ليلى حداد (Layla Haddad)", "Nursing"),
    ("Анна Смирнова", "Medicine"), ("Jordan Smith", "Medicine"), ("Amara Okafor", "Public Health"),
    ("Łukasz Żółkiewski", "Biomedical Sciences"), ("Trần Văn Đức", "Dentistry"), ("Søren Kierkegaard-Holm", "Nursing"),
    ("María José Hernández", "Medicine"), ("Priya Raghunathan", "Pharmacy"), ("Kwame Mensah", "Biomedical Sciences"),
    ("Aiko Tanaka", "Medicine"), ("Olusegun Adeyemi", "Public Health"), ("Ingrid Bergström", "Nursing"),
    ("Mehmet Yılmaz", "Dentistry"), ("Fatima Zahra El Amrani", "Medicine"), ("Chen Jie", "Biomedical Sciences"),
    ("Dmitri Volkov", "Pharmacy"), ("Siobhán Ní Bhriain", "Public Health"), ("José Luis Peña", "Medicine"),
    ("Hana Dvořáková", "Nursing"), ("Rahul Mehta", "Biomedical Sciences"), ("Elif Şahin", "Medicine"),
    ("Kalani Akana", "Public Health"), ("Björn Ågren", "Dentistry"), ("Nomvula Dlamini", "Medicine"),
    ("Park Ji-woo", "Biomedical Sciences"), ("Gabriela Costa", "Pharmacy"), ("Tomasz Kowalczyk", "Medicine"),
    ("Ayşe Demir", "Nursing"), ("Samuel Cohen", "Public Health"), ("Leilani Kahale", "Medicine"),
    ("François Lefèvre", "Biomedical Sciences"), ("Oksana Kovalenko", "Medicine"), ("Yusuf Ibrahim", "Dentistry"),
    ("Emily Nakamura", "Public Health"), ("Άννα Γεωργίου", "Medicine"),
]

_COMMENTS = {
    "comment_strengths": [
        "Always makes time for me, even in busy weeks.",
        "Gives detailed feedback on drafts within days.",
        "Introduced me to collaborators outside our department.",
        "Listens first and then asks good questions.",
        "Celebrates small wins with the whole group.",
        "=) very supportive during my first grant submission.",
        "+1 for the weekly one-to-one meetings.",
        "Explains how decisions about authorship are made.",
    ],
    "comment_growth": [
        "Could share expectations about timelines earlier.",
        "More help with planning my next career step would be welcome.",
        "Meetings are sometimes cancelled at short notice.",
        "I would value more feedback on my presentations.",
        "-Clearer guidance on what independence looks like for me.",
        "Could connect me with mentors who share my background.",
    ],
    "comment_goals": [
        "Set up an individual development plan with each mentee.",
        "Hold regular check-ins about career goals.",
        "Learn more about supporting mentees from different backgrounds.",
        "Delegate more decisions to senior mentees.",
    ],
}


@dataclass(frozen=True)
class SampleProgram:
    """A generated program.

    Attributes
    ----------
    instrument : Instrument
    roster : DataFrame
        ``mentor_id, name, email, department, cohort, trained``.
    responses : DataFrame
        Canonical responses (one row per submitted questionnaire); items NaN when missing or N/A.
    not_applicable : DataFrame
        Boolean, same rows and item columns as ``responses``: True where the rater chose N/A
        (a non-substantive answer), as opposed to skipping the item.
    seed : int
    """

    instrument: Instrument
    roster: pd.DataFrame
    responses: pd.DataFrame
    not_applicable: pd.DataFrame
    seed: int


def _correlated_normals(rng: np.random.Generator, n: int, k: int, r: float) -> np.ndarray:
    """``n`` draws of ``k`` standard normals with correlation ``r`` between every pair.

    Built from an explicit one-factor model, ``sqrt(r) * common + sqrt(1 - r) * own``, with
    elementwise arithmetic only: no matrix decomposition (``multivariate_normal`` factors the
    covariance with an SVD whose signs and last bits depend on the BLAS/LAPACK build and the
    processor), so the same seed gives the same numbers on every machine.
    """
    common = rng.standard_normal((n, 1))
    own = rng.standard_normal((n, k))
    return np.sqrt(r) * common + np.sqrt(1.0 - r) * own


def _discretise(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.rint(x), lo, hi)


MENTEE_WEIGHTS = (.04, .06, .08, .16, .18, .18, .14, .10, .06)  # P(0..8 mentees per mentor)


def generate(*, seed: int = DEFAULT_SEED, n_mentors: int = 40, instrument: str | Instrument = "mca-26",
             waves: tuple[str, ...] = ("pre", "post"),
             mentee_weights: tuple[float, ...] = MENTEE_WEIGHTS) -> SampleProgram:
    """Simulate a program: roster, self and mentee responses at each wave.

    Parameters
    ----------
    seed : int
        Seed of the generator (``numpy.random.default_rng``).
    n_mentors : int
        Number of mentors (names repeat with a suffix beyond 40).
    instrument : str or Instrument
        An instrument with ``self`` and ``mentee`` forms and competencies named as in MCA-26
        (calibration targets of other competencies fall back to the overall figure).
    waves : tuple of str
        Waves to simulate; the first is treated as ``pre``, later ones as ``post``.
    mentee_weights : tuple of float
        Probabilities of 0, 1, 2, ... mentees per mentor (they must sum to 1).

    Returns
    -------
    SampleProgram
    """
    rng = np.random.default_rng(seed)
    ins = load_instrument(instrument)
    roster = _roster(rng, n_mentors)
    comps = ins.competencies
    k = len(comps)
    item_ids = list(ins.total_item_ids)
    comp_index = np.array([next(j for j, c in enumerate(comps) if i in c.items) for i in item_ids])
    n_items = len(item_ids)
    loadings = rng.uniform(0.72, 0.90, n_items)
    # Realistic misfit: a few cross-loadings onto the next competency and correlated residual pairs.
    cross = np.where(rng.random(n_items) < 0.25, rng.uniform(0.15, 0.30, n_items), 0.0)
    resid_pairs = [tuple(sorted(rng.choice(n_items, 2, replace=False))) for _ in range(4)]

    # Mentees per mentor: 0-8, with a few mentors deliberately below the anonymity threshold.
    n_mentees = rng.choice(np.arange(len(mentee_weights)), size=n_mentors, p=list(mentee_weights))
    n_mentees[:3] = [0, 1, 2][: min(3, n_mentors)]
    rng.shuffle(n_mentees)
    mentor_effect = _correlated_normals(rng, n_mentors, k, FACTOR_CORR["mentee"])
    trained = roster["trained"].to_numpy()

    rows: list[dict] = []
    latent_rows: list[np.ndarray] = []
    keys: list[tuple[str, str]] = []
    mentee_seq = 0
    mentee_ids = {}
    for m in range(n_mentors):
        mentee_ids[m] = [f"E{mentee_seq + j + 1:04d}" for j in range(int(n_mentees[m]))]
        mentee_seq += int(n_mentees[m])
    for w, wave in enumerate(waves):
        stage = "pre" if w == 0 else "post"
        growth = 0.0 if w == 0 else 1.0
        for m in range(n_mentors):
            mid = roster["mentor_id"].iat[m]
            boost = growth * (0.35 if trained[m] else -0.15)
            if rng.random() < (0.95 if w == 0 else 0.9):
                z = (np.sqrt(0.5) * mentor_effect[m]
                     + np.sqrt(0.5) * _correlated_normals(rng, 1, k, FACTOR_CORR["self"])[0])
                rows.append({"mentor_id": mid, "rater_role": "self", "wave": wave, "rater_id": mid})
                latent_rows.append(z + boost)
                keys.append(("self", stage))
            for rater in mentee_ids[m]:
                if w > 0 and rng.random() < 0.15:  # attrition between waves
                    continue
                z = (np.sqrt(MENTOR_ICC) * mentor_effect[m]
                     + np.sqrt(1 - MENTOR_ICC) * _correlated_normals(rng, 1, k, FACTOR_CORR["mentee"])[0])
                rows.append({"mentor_id": mid, "rater_role": "mentee", "wave": wave, "rater_id": rater})
                latent_rows.append(z + 0.5 * boost)
                keys.append(("mentee", stage))
    latent = np.array(latent_rows)
    n = len(rows)
    unique = rng.standard_normal((n, n_items))
    for a, b in resid_pairs:  # correlated residuals
        shared = rng.standard_normal(n)
        unique[:, a] = np.sqrt(0.6) * unique[:, a] + np.sqrt(0.4) * shared
        unique[:, b] = np.sqrt(0.6) * unique[:, b] + np.sqrt(0.4) * shared
    next_comp = (comp_index + 1) % k
    signal = (loadings * latent[:, comp_index] + cross * latent[:, next_comp]
              + np.sqrt(1 - loadings ** 2) * unique)
    keys_arr = np.array([f"{r}|{s}" for r, s in keys])
    values = np.empty((n, n_items))
    lo, hi = ins.scale.min, ins.scale.max
    for key in sorted(set(keys_arr)):
        role, stage = key.split("|")
        sel = np.flatnonzero(keys_arr == key)
        targets = _competency_targets(TARGET_MEANS.get((role, stage), {}), comps, (lo + hi) / 2)
        # Calibrate on at most 4,000 rows so that large benchmark sets stay fast.
        probe = sel[np.linspace(0, len(sel) - 1, min(len(sel), 4000)).astype(int)]
        spread, shifts = _calibrate_group(signal[probe], comp_index, targets,
                                          TARGET_SDS.get((role, stage), 1.2), lo, hi)
        for j in range(k):
            cols = np.flatnonzero(comp_index == j)
            values[np.ix_(sel, cols)] = _discretise(signal[np.ix_(sel, cols)] * spread + shifts[j], lo, hi)

    # Missing answers as in real surveys: most raters answer everything; N/A clusters on items not
    # every mentor can show (6% each), and one rater in five skips one or two items.
    na_prone = {"mca06", "mca20", "mca21", "mca26"}
    na_rate = np.array([0.06 if i in na_prone else 0.0 for i in item_ids])
    not_applicable = rng.random((n, n_items)) < na_rate
    skipped = np.zeros((n, n_items), dtype=bool)
    skippers = np.flatnonzero(rng.random(n) < 0.2)
    for r in skippers:
        skipped[r, rng.choice(n_items, size=int(rng.integers(1, 3)), replace=False)] = True
    skipped &= ~not_applicable
    values[not_applicable | skipped] = np.nan

    meta = pd.DataFrame(rows)
    order = np.lexsort((meta["rater_id"], meta["rater_role"].map({"self": 0, "mentee": 1}),
                        meta["mentor_id"], meta["wave"].map({w: i for i, w in enumerate(waves)})))
    meta = meta.iloc[order].reset_index(drop=True)
    values = values[order]
    not_applicable = not_applicable[order]
    responses = meta.copy()
    responses.insert(0, "response_id", [f"S{i + 1:05d}" for i in range(n)])
    start = {w: pd.Timestamp("2025-09-01") + pd.DateOffset(months=8 * i) for i, w in enumerate(waves)}
    minutes = rng.integers(0, 60 * 24 * 28, n)
    responses["submitted_at"] = [
        (start[w] + pd.Timedelta(minutes=int(mm))).strftime("%Y-%m-%dT%H:%M:%S")
        for w, mm in zip(responses["wave"], minutes)
    ]
    for j, item_id in enumerate(item_ids):
        responses[item_id] = values[:, j]
    for extra in ins.items:
        if not extra.in_total:  # stand-alone items (e.g. MET's overall item) follow the total
            responses[extra.id] = _discretise(responses[item_ids].mean(axis=1).to_numpy(), lo, hi)
    for oe in ins.open_ended:
        pool = _COMMENTS.get(oe.id, ["No further comments."])
        roles = oe.forms or tuple(ins.forms)
        answered = responses["rater_role"].isin(roles).to_numpy() & (rng.random(n) < 0.3)
        picks = rng.integers(0, len(pool), n)
        responses[oe.id] = pd.Series([pool[p] if a else None for a, p in zip(answered, picks)], dtype="object")
    responses["source_row"] = np.arange(1, n + 1)
    na_frame = pd.DataFrame(not_applicable, columns=item_ids)
    return SampleProgram(instrument=ins, roster=roster, responses=responses, not_applicable=na_frame, seed=seed)


def _competency_targets(published: dict, comps, fallback: float) -> list[float]:
    """Target mean per competency; those the table lacks are set so the overall mean is on target."""
    overall = published.get("overall", fallback)
    sizes = [len(c.items) for c in comps]
    known = [c.id in published for c in comps]
    out = [float(published[c.id]) if k else None for c, k in zip(comps, known)]
    if not all(known):  # math.fsum: correctly rounded whatever the order (no BLAS, no SIMD reduction)
        given = math.fsum(v * s for v, s in zip(out, sizes) if v is not None)
        rest = (overall * sum(sizes) - given) / sum(s for s, k in zip(sizes, known) if not k)
        out = [rest if v is None else v for v in out]
    return out


def _calibrate_group(signal: np.ndarray, comp_index: np.ndarray, targets: list[float], target_sd: float,
                     lo: int, hi: int) -> tuple[float, list[float]]:
    """Spread and per-competency intercepts so that rounded scores hit target means and overall SD."""
    blocks = [signal[:, comp_index == j] for j in range(len(targets))]

    def fit(spread: float) -> tuple[float, list[float]]:
        shifts = [_calibrate(b * spread, t, lo, hi) for b, t in zip(blocks, targets)]
        items = np.hstack([_discretise(b * spread + s, lo, hi) for b, s in zip(blocks, shifts)])
        return _row_mean_sd(items), shifts

    a, b = 0.2, 4.0
    for _ in range(18):
        mid = (a + b) / 2
        if fit(mid)[0] < target_sd:
            a = mid
        else:
            b = mid
    spread = (a + b) / 2
    return spread, fit(spread)[1]


def _row_mean_sd(items: np.ndarray) -> float:
    """SD (ddof 1) of the row means of a block of whole numbers, computed exactly.

    The rows' sums are whole numbers, so the variance is a ratio of integers: the result does not
    depend on summation order, SIMD width or the processor (a floating-point ``std`` may differ in
    the last bit between machines, and a bisection on it can then take another branch).
    """
    sums = [int(v) for v in items.sum(axis=1)]  # integer-valued floats: exact in any order
    n, p = len(sums), items.shape[1]
    num = n * sum(v * v for v in sums) - sum(sums) ** 2
    return math.sqrt(num / (p * p * n * (n - 1)))


def _calibrate(block: np.ndarray, target: float, lo: int, hi: int) -> float:
    """Intercept that makes the mean of row means of the rounded block equal ``target``."""
    def mean_at(shift: float) -> float:
        return float(_discretise(block + shift, lo, hi).mean())

    a, b = lo - 4.0, hi + 4.0
    for _ in range(30):
        mid = (a + b) / 2
        if mean_at(mid) < target:
            a = mid
        else:
            b = mid
    return (a + b) / 2


def _roster(rng: np.random.Generator, n_mentors: int) -> pd.DataFrame:
    rows = []
    for m in range(n_mentors):
        name, dept = _NAMES[m % len(_NAMES)]
        if m >= len(_NAMES):
            name = f"{name} {m // len(_NAMES) + 1}"
        rows.append({
            "mentor_id": f"M{m + 1:03d}",
            "name": name,
            "email": f"mentor{m + 1:03d}@example.edu",
            "department": dept,
            "cohort": str(2024 + (m % 2)),
            "trained": bool(rng.random() < 0.6),
        })
    return pd.DataFrame(rows)


def write_sample(program: SampleProgram, out: str | Path) -> list[Path]:
    """Write the roster, the canonical responses and real-shaped sample exports.

    Files (all byte-identical for the same program):

    - ``roster.csv``, ``responses.csv``: canonical CSV (UTF-8, ``\\n``, escaped text);
    - ``qualtrics_mentee.csv``: Qualtrics mentee form, three header rows, choice-text labels, with
      2 previews, 1 test response, 2 partials, 1 kept partial, 1 earlier duplicate and 1 mistyped
      mentor id;
    - ``qualtrics_self.xlsx`` + ``qualtrics_self.mapping.yaml``: Qualtrics self form, numeric codes,
      N/A coded 8 (declared in the mapping);
    - ``redcap_mentee_DATA_LABELS.csv`` + ``redcap_mentee_DataDictionary.csv`` +
      ``redcap_mentee.mapping.yaml``: REDCap labels export of the mentee form (events Pre/Post);
    - ``spss_post.sav``: both forms at the ``post`` wave, N/A = 8 declared user-missing;
    - ``generic_pre.csv``: both forms at the ``pre`` wave, one header row, mentors by e-mail.

    Returns the paths written.
    """
    from mentorassess._files import atomic_write_text
    from mentorassess.io import writers
    from mentorassess.io.canonical import write_csv

    out = Path(out)
    ins, resp, na = program.instrument, program.responses, program.not_applicable
    roster = program.roster.assign(trained=program.roster["trained"].map({True: "yes", False: "no"}))
    paths = [write_csv(roster, out / "roster.csv"), write_csv(resp, out / "responses.csv")]

    def part(mask):
        idx = np.flatnonzero(mask.to_numpy())
        return resp.iloc[idx].reset_index(drop=True), na.iloc[idx].reset_index(drop=True)

    mentee, mentee_na = part(resp["rater_role"] == "mentee")
    header, body = writers.qualtrics_rows(mentee, mentee_na, ins, "mentee", choice_text=True, seed=program.seed)
    body = writers.add_qualtrics_traps(header, body, choice_text=True, n_items=len(ins.items))
    paths.append(writers.write_qualtrics_csv(out / "qualtrics_mentee.csv", header, body))

    selfr, self_na = part(resp["rater_role"] == "self")
    header, body = writers.qualtrics_rows(selfr, self_na, ins, "self", choice_text=False, seed=program.seed + 1)
    paths.append(writers.write_qualtrics_xlsx(out / "qualtrics_self.xlsx", header, body))
    paths.append(atomic_write_text(out / "qualtrics_self.mapping.yaml", _SELF_MAPPING))

    paths.extend(writers.write_redcap(out / "redcap_mentee_DATA_LABELS.csv", out / "redcap_mentee_DataDictionary.csv",
                                      mentee, mentee_na, ins))
    paths.append(atomic_write_text(out / "redcap_mentee.mapping.yaml", _REDCAP_MAPPING))

    post, post_na = part(resp["wave"] == "post")
    paths.append(writers.write_spss(out / "spss_post.sav", post, post_na, ins))
    pre, pre_na = part(resp["wave"] == "pre")
    paths.append(writers.write_generic_csv(out / "generic_pre.csv", pre, pre_na, ins, program.roster))
    return paths


_SELF_MAPPING = """\
# Mapping for qualtrics_self.xlsx (Qualtrics self form, numeric codes).
# Items are found by their question text; this file only says what the codes mean.
instrument: mca-26
role: self
columns:
  rater_id: ExternalReference
values:
  8: na          # the survey's recode value for the "N/A" choice
"""

_REDCAP_MAPPING = """\
# Mapping for redcap_mentee_DATA_LABELS.csv (REDCap labels export, longitudinal).
instrument: mca-26
dictionary: redcap_mentee_DataDictionary.csv
role: mentee
columns:
  response_id: record_id
  rater_id: record_id
  mentor: mentor_id
  wave: redcap_event_name
waves:
  Pre: pre
  Post: post
missing_codes: [UNK]   # project missing-data code "UNK, Unknown"
"""
