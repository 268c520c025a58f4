"""Write the sample program's mentee pre-wave responses to mca26_mentee_pre.csv.

Run once (``python tests/reference/psych/make_sample_csv.py`` from the repository root); the CSV
is committed so that the reference tests do not depend on the sample generator staying the same.
make_reference.R reads this CSV.
"""

from pathlib import Path

from mentorassess import load_instrument, sample

HERE = Path(__file__).parent

if __name__ == "__main__":
    ins = load_instrument("mca-26")
    prog = sample.generate()
    r = prog.responses
    r = r[(r["rater_role"] == "mentee") & (r["wave"] == "pre")]
    cols = ["response_id", "mentor_id", "rater_role", "wave", *ins.item_ids]
    r[cols].to_csv(HERE / "mca26_mentee_pre.csv", index=False)
    print(f"wrote {len(r)} rows")
