"""Write the input CSVs of make_reference.R (run from the worktree root):

    PYTHONPATH=$PWD python tests/reference/precision/make_inputs.py

- sim_nested.csv: simulated unbalanced (raters:mentor) x items ratings (1-7), 60 mentors with
  1-8 raters, 8 items, about 8% of ratings missing (seed 2112).
- sim_prepost.csv: simulated pre/post ratings, 40 mentors, 1-6 raters per wave, about half of
  the pre raters answer again at post (same rater id), others are new (seed 2113).
- sample_long.csv / sample_scores.csv: the package's sample (data/sample/responses.csv read with
  ``read_responses`` and scored with ``score``): mentee item ratings in long form per wave and
  scale, and each mentee response's competency scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def sim_nested(seed: int = 2112) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    item_eff = rng.normal(0, 0.4, 8)
    for m in range(60):
        um = rng.normal(0, 0.5)
        umi = rng.normal(0, 0.3, 8)
        for r in range(int(rng.integers(1, 9))):
            ur = rng.normal(0, 0.6)
            for i in range(8):
                if rng.random() < 0.08:
                    continue
                y = 5 + um + ur + item_eff[i] + umi[i] + rng.normal(0, 0.7)
                rows.append((f"M{m:02d}", f"R{r}", f"i{i + 1}", float(np.clip(np.round(y), 1, 7))))
    return pd.DataFrame(rows, columns=["mentor", "rater", "item", "score"])


def sim_prepost(seed: int = 2113) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for m in range(40):
        um = rng.normal(0, 0.6)
        pre = [f"E{m:02d}_{k}" for k in range(int(rng.integers(1, 7)))]
        post = [r for r in pre if rng.random() < 0.5] + [f"E{m:02d}_n{k}" for k in range(int(rng.integers(0, 4)))]
        ur = {r: rng.normal(0, 0.3) for r in set(pre) | set(post)}
        for wave, raters, shift in (("pre", pre, 0.0), ("post", post, 0.4)):
            for r in raters:
                rows.append((f"M{m:02d}", r, wave, round(4.5 + um + ur[r] + shift + rng.normal(0, 0.5), 4)))
    return pd.DataFrame(rows, columns=["mentor", "rater", "wave", "score"])


def sample_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    from mentorassess.instruments import load_instrument
    from mentorassess.io.canonical import read_responses
    from mentorassess.scoring import score

    ins = load_instrument("mca-26")
    sc = score(read_responses(ROOT / "data" / "sample" / "responses.csv", ins), ins)
    items = sc.items[sc.items["rater_role"] == "mentee"]
    scales = {c.id: list(c.items) for c in ins.competencies}
    scales["overall"] = list(ins.total_item_ids)
    longs = []
    for wave in sc.waves:
        w = items[items["wave"] == wave]
        for s, its in scales.items():
            lg = w[["mentor_id", "response_id", *its]].melt(id_vars=["mentor_id", "response_id"], var_name="item",
                                                            value_name="score").dropna()
            lg.insert(0, "scale", s)
            lg.insert(0, "wave", wave)
            longs.append(lg.rename(columns={"mentor_id": "mentor", "response_id": "rater"}))
    per = sc.scores[sc.scores["rater_role"] == "mentee"]
    cols = ["response_id", "mentor_id", "rater_id", "wave", *scales]
    return pd.concat(longs, ignore_index=True), per[cols].reset_index(drop=True)


if __name__ == "__main__":
    sim_nested().to_csv(HERE / "sim_nested.csv", index=False)
    sim_prepost().to_csv(HERE / "sim_prepost.csv", index=False)
    lg, per = sample_frames()
    lg.to_csv(HERE / "sample_long.csv", index=False)
    per.to_csv(HERE / "sample_scores.csv", index=False, float_format="%.17g")
