"""Write the malformed exports of issue 16 (each slip staff make), derived from the corpus truth.

Usage: ``python tests/data/corpus/bad/make_bad.py [OUT_DIR]``. ``README.md`` here lists each file,
the command-line arguments, what is wrong and the message the import must stop with (exit 2);
``tests/test_import_corpus_bad.py`` reads that table and rebuilds the files to check that the
committed ones are this script's output.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("make_corpus", HERE.parent / "make_corpus.py")
mc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mc)


def build(out: Path) -> None:
    """Write every malformed file into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    df, na = mc.truth()
    csv_bytes, xlsx_bytes = mc.csv_bytes, mc.xlsx_bytes

    def w(name: str, data: bytes | str) -> None:
        (out / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    rows = mc.generic_rows(df, na)                          # 20 responses, pre and post, mentee and self
    mentee = ((df.rater_role == "mentee")).to_numpy()
    men = mc.generic_rows(df[mentee].reset_index(drop=True), na[mentee])
    w("roster.csv", csv_bytes([["mentor_id", "name", "email"]] + [list(m) for m in mc.MENTORS], eol="\n"))
    w("pre_post.csv", csv_bytes(men, eol="\n"))                                   # --wave pre / --role self
    w("values_8_66.yaml", "values: {8: 66}\n")
    w("values_8_9.yaml", "values: {8: 9}\n")
    w("values_8_0.yaml", "values: {8: 0}\n")
    w("values_text.yaml", "values: {8: sometimes}\n")
    w("waves_baseline.yaml", "waves: {pre: baseline}\n")
    odd = [list(r) for r in men]
    odd[3][3], odd[9][3], odd[10][3] = "Post", "midpoint", "T3"
    w("wave_labels.csv", csv_bytes(odd, eol="\n"))
    role = [list(r) for r in men]
    role[4][2] = "mentor"
    w("role_mentor.csv", csv_bytes(role, eol="\n"))
    cut = csv_bytes(men, eol="\n")
    w("cut_last_row.csv", cut[:cut.rstrip(b"\n").rfind(b",", 0, len(cut) - 40)])
    dup = [list(r) for r in men]
    dup[7][0] = dup[2][0]
    w("duplicate_ids.csv", csv_bytes(dup, eol="\n"))
    empty = [list(r) for r in men]
    for r in empty[1:]:
        r[1] = ""
    w("empty_mentor.csv", csv_bytes(empty, eol="\n"))
    merged = [list(r) for r in men]
    for r in merged[3:6]:
        r[1] = merged[2][1]
    merged[3][1] = merged[4][1] = merged[5][1] = None
    w("merged_mentor.xlsx", xlsx_bytes(merged, merges=["B3:B6"]))
    sci = [list(r) for r in men]
    for r in sci[1:]:
        r[1] = "1.01E+02"
    w("scientific_ids.csv", csv_bytes(sci, eol="\n"))
    # Off-scale patterns.
    sel = ((df.rater_role == "mentee") & (df.wave == "post")).to_numpy()
    header, body = mc.qualtrics(df, na, sel, choice_text=False)
    first = header[0].index("Q4_1")
    shifted = [list(r) for r in body]
    for r in shifted:
        for j in range(26):
            v = r[first + j]
            r[first + j] = "1" if v == 8 else ("" if v == "" else str(int(v) + 1))
    w("qualtrics_display_order.csv", csv_bytes(header + shifted, bom=True))
    w("qualtrics_na_8.csv", csv_bytes(header + body, bom=True))
    n99 = [list(r) for r in body]
    for r in n99:
        for j in range(26):
            r[first + j] = "99" if r[first + j] == 8 else r[first + j]
    w("qualtrics_99.csv", csv_bytes(header + n99, bom=True))
    zero = [list(r) for r in body]
    for r in zero:
        for j in range(26):
            v = r[first + j]
            r[first + j] = "" if v in ("", 8) else str(int(v) - 1)
    w("codes_from_zero.csv", csv_bytes(header + zero, bom=True))
    head, smb = mc.sm_rows(df[sel].reset_index(drop=True), na[sel], numeric=True)
    w("surveymonkey_numeric.csv", csv_bytes(head + smb))
    # SurveyMonkey header damage.
    head, smb = mc.sm_rows(df[sel].reset_index(drop=True), na[sel])
    w("surveymonkey_no_subrow.csv", csv_bytes([head[0]] + smb))
    bad_id = [list(r) for r in smb]
    bad_id[2][0] = "R_7"
    w("surveymonkey_bad_id.csv", csv_bytes(head + bad_id))
    blank = [list(r) for r in smb]
    for r in blank:
        r[9] = ""
    w("surveymonkey_no_mentor.csv", csv_bytes(head + blank))
    # Legacy Excel and files that only pretend to be one.
    w("biff.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    w("web_page.xls", "<html><body><table><tr><td>mentor_id</td></tr></table></body></html>\n")
    w("text.xls", csv_bytes(men, delimiter="\t", eol="\n"))
    # Dates.
    msel = ((df.rater_role == "mentee") & (df.wave == "pre")).to_numpy()
    gsub = df[msel].reset_index(drop=True)
    gsub["submitted_at"] = [f"2025-0{1 + k % 9}-0{1 + k % 9}T10:00:00" for k in range(len(gsub))]
    us = lambda t: f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}:{t.second:02d}"  # noqa: E731
    head, gb = mc.google_rows(gsub, na[msel], date=us)
    w("google_ambiguous_dates.csv", csv_bytes([head] + gb))
    head, gb = mc.google_rows(df[msel].reset_index(drop=True), na[msel], date=us)
    mixed = [list(r) for r in gb]
    mixed[0][0] = "13/9/2025 10:00:00"
    w("google_mixed_dates.csv", csv_bytes([head] + mixed))
    uk = lambda t: t.strftime("%d/%m/%Y %H:%M:%S")  # noqa: E731
    head, gb = mc.google_rows(df[msel].reset_index(drop=True), na[msel], date=uk)
    w("google_uk_dates.csv", csv_bytes([head] + gb))
    twice = list(head)
    twice[-1] = twice[-2]
    w("google_duplicate_titles.csv", csv_bytes([twice] + gb))
    # LimeSurvey and Microsoft Forms.
    head, lb = mc.ls_rows(df[msel].reset_index(drop=True), na[msel], style="A")
    w("limesurvey_answer_codes.csv", b"\xef\xbb\xbf" + csv_bytes([head] + lb, quote_all=True))
    sq = [f"mca[SQ{k:03d}]" for k in range(1, 27)]
    head, lb = mc.ls_rows(df[msel].reset_index(drop=True), na[msel], style="NA")
    w("limesurvey_sq_codes.csv", b"\xef\xbb\xbf" + csv_bytes([head[:10] + sq] + lb, quote_all=True))
    psel = ((df.rater_role == "mentee") & (df.wave == "post")).to_numpy()
    head, mb = mc.ms_rows(df[psel].reset_index(drop=True), na[psel], date=lambda t: t)
    keep = [j for j, h in enumerate(head) if h != "Role"]
    w("ms_forms_no_role.xlsx", xlsx_bytes([[r[j] for j in keep] for r in [head] + mb]))
    # SPSS with a wave code that has no label, REDCap with an event outside the program's waves.
    spss = out / "spss_unlabelled_wave.sav"
    df3 = df.copy()
    df3.loc[df3.index[:2], "wave"] = "third"
    _spss(df3, na, spss)
    redcap_rows = [["record_id", "redcap_event_name", "mentor_id", "rater_role"] + mc.ITEMS]
    for i in range(len(men) - 1):
        r = men[i + 1]
        ev = "midpoint_arm_1" if i == 3 else f"{r[3]}_arm_1"
        redcap_rows.append([r[4], ev, r[1], r[2]] + [c if c != "N/A" else "" for c in r[6:32]])
    w("redcap_midpoint.csv", csv_bytes(redcap_rows))
    w("config_wave_contradicts.yaml", "program: P\ninstrument: mca-26\nroster: roster.csv\n"
                                      "exports: [{path: pre_post.csv, role: mentee, wave: pre}]\n")


def _spss(df, na, path: Path) -> None:
    import tempfile

    import numpy as np
    import pandas as pd
    import pyreadstat

    sav = pd.DataFrame({"ResponseId": df.response_id, "mentor_id": df.mentor_id, "role": df.rater_role,
                        "wave": df.wave.map({"pre": 1.0, "post": 2.0, "third": 3.0}), "rater_id": df.rater_id})
    for j, it in enumerate(mc.ITEMS):
        v = df[it].to_numpy(dtype=float).copy()
        v[na[:, j]] = 8
        sav[it] = v
    labels = {float(k): v for k, v in mc.ANCHORS.items()}
    labels[8.0] = "N/A"
    vvl = {it: labels for it in mc.ITEMS}
    vvl["wave"] = {1.0: "Pre", 2.0: "Post"}
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "x.sav"
        pyreadstat.write_sav(sav, str(p), variable_value_labels=vvl, missing_ranges={it: [8.0] for it in mc.ITEMS})
        raw = bytearray(p.read_bytes())
    raw[92:109] = b"01 Jan 2600:00:00"
    path.write_bytes(bytes(raw))
    _ = np


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
