"""Write the inputs of make_reference.R (run from the worktree root):

    PYTHONPATH=$PWD python tests/reference/precision/released/make_released_inputs.py
    cd tests/reference/precision/released && Rscript make_reference.R

The package's sample (data/sample/responses.csv and roster.csv), read, scored and aggregated with
the default release rules. For every wave and competency (overall included) whose mentee mean a
mentor's profile releases, the raw mentee ratings behind that mean (eligible responses with a valid
value, as the release layer counts them) are written:

- released_ratings.csv: ``mentor, wave, competency, score`` for every released cell (the EB fits
  use these per wave and competency);
- the pre/post fits use the rows of mentors released in both waves of that competency.

The R fits use only these ratings, never the package's summaries, so the comparison in
tests/test_precision_released.py checks the path Profiles -> (n, mean, SD) -> REML against lme4
and lmerTest on the ratings themselves.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]


def released_ratings() -> pd.DataFrame:
    from mentorassess.aggregate import aggregate
    from mentorassess.instruments import load_instrument
    from mentorassess.io.canonical import read_responses
    from mentorassess.io.roster import read_roster
    from mentorassess.release.counting import eligible
    from mentorassess.scoring import score

    ins = load_instrument("mca-26")
    roster = read_roster(ROOT / "data" / "sample" / "roster.csv")
    sc = score(read_responses(ROOT / "data" / "sample" / "responses.csv", ins), ins)
    prof = aggregate(sc, roster=roster)
    el = eligible(sc, roster).scores.scores
    el = el[el["rater_role"] == "mentee"]
    comp = prof.competencies
    shown = comp.loc[comp["mentee_mean"].notna(), ["mentor_id", "wave", "competency"]]
    rows = []
    for cid in prof.competency_ids:
        long = el[["mentor_id", "wave", cid]].rename(columns={cid: "score"}).dropna()
        cells = shown[shown["competency"] == cid]
        long = long.merge(cells, on=["mentor_id", "wave"], how="inner")
        rows.append(long[["mentor_id", "wave", "competency", "score"]])
    out = pd.concat(rows, ignore_index=True).rename(columns={"mentor_id": "mentor"})
    return out.sort_values(["competency", "wave", "mentor"], kind="stable").reset_index(drop=True)


if __name__ == "__main__":
    released_ratings().to_csv(HERE / "released_ratings.csv", index=False, float_format="%.17g")
