"""Issue 16 item 3: drafted mappings are right or say they are unsure, and unsure drafts are refused.

Exports are built from the corpus truth table with headers in other wording than our labels
(``tests/data/draft/other_wording.txt``: our own close paraphrases, in the style of published
wording). A draft used unedited must give data equal to the truth, or be refused (exit 2)
listing the lines to confirm; it must never give wrong data.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.cli import main
from mentorassess.errors import ConfigError, MentorAssessError
from mentorassess.instruments import load_instrument
from mentorassess.io import read_export, writers
from mentorassess.io.detect import read_table
from mentorassess.io.draft import draft_mapping

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "data" / "corpus"
INS = load_instrument("mca-26")
ITEMS = list(INS.item_ids)
OTHER = [ln for ln in (HERE / "data" / "draft" / "other_wording.txt").read_text(encoding="utf-8").splitlines()
         if ln and not ln.startswith("#")]
STEM = "Please rate how skilled your mentor is in the following areas"


def _truth() -> tuple[pd.DataFrame, pd.DataFrame]:
    t = pd.read_csv(CORPUS / "truth.csv", dtype=str, keep_default_na=False)
    t = t[t.rater_role == "mentee"].reset_index(drop=True)
    na = pd.DataFrame([[it in s.split() for it in ITEMS] for s in t["na_items"]], columns=ITEMS)
    df = t.drop(columns="na_items").copy()
    for it in ITEMS:
        df[it] = pd.to_numeric(df[it].replace("", np.nan))
    return df, na


def _csv(rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _qualtrics(path: Path, wording: list[str], *, order=None) -> Path:
    """A choice-text Qualtrics export whose matrix rows read ``wording`` (rows in ``order`` of items)."""
    df, na = _truth()
    header, body = writers.qualtrics_rows(df, na, INS, "mentee", choice_text=True, seed=3)
    first = header[0].index("Q4_1")
    order = list(range(26)) if order is None else order
    header[1][first:first + 26] = [f"{STEM} - {wording[k]}" for k in order]
    body = [list(r[:first]) + [r[first + k] for k in order] + list(r[first + 26:]) for r in body]
    path.write_bytes(_csv(header + body))
    return path


def _plain(path: Path, wording: list[str], order: list[int]) -> Path:
    """A one-header-row export (Microsoft-Forms-like statements) with items in ``order``."""
    df, na = _truth()
    head = ["Mentor ID", "Wave", "Role"] + [wording[k] for k in order]
    rows = [head]
    for i in range(len(df)):
        cells = [df.mentor_id[i], df.wave[i], "mentee"]
        for k in order:
            v = df[ITEMS[k]][i]
            cells.append("N/A" if na.iloc[i, k] else ("" if np.isnan(v) else str(int(v))))
        rows.append(cells)
    path.write_bytes(_csv(rows))
    return path


def _draft(tmp_path: Path, export: Path) -> Path:
    table = read_table(export, export.name)
    out = tmp_path / "draft.yaml"
    out.write_text(draft_mapping(table, INS), encoding="utf-8")
    return out


def _items(draft: Path) -> dict:
    import yaml

    return yaml.safe_load(draft.read_text(encoding="utf-8"))["items"]


def _right_or_refused(export: Path, draft: Path) -> str:
    """Import with the unedited draft: 'right' (equal to the truth) or 'refused'; fail on wrong data."""
    df, na = _truth()
    try:
        res = read_export(export, "mca-26", mapping=draft, role="mentee" if "Role" not in
                          export.read_text(encoding="utf-8").splitlines()[0] else None)
    except MentorAssessError:
        return "refused"
    got = res.responses.reset_index(drop=True)  # rows in file order, as written from the truth
    want = df
    assert len(got) == len(want)
    for it in ITEMS:
        np.testing.assert_array_equal(got[it].to_numpy(float), want[it].to_numpy(float), err_msg=it)
    return "right"


def test_issue_case_matrix_in_other_wording_is_drafted_right(tmp_path):
    """The issue's failing case: the old draft swapped two items, moved item 8 and left five empty."""
    export = _qualtrics(tmp_path / "other.csv", OTHER)
    draft = _draft(tmp_path, export)
    items = _items(draft)
    assert items == {it: f"Q4_{k + 1}" for k, it in enumerate(ITEMS)}
    assert "\nconfirm:" not in draft.read_text(encoding="utf-8")
    assert _right_or_refused(export, draft) == "right"


def test_every_drafted_line_carries_its_confidence(tmp_path):
    draft = _draft(tmp_path, _qualtrics(tmp_path / "other.csv", OTHER))
    lines = [ln for ln in draft.read_text(encoding="utf-8").splitlines() if ln.startswith("  mca")]
    assert len(lines) == 26
    assert all("# confidence: high" in ln or "# confidence: medium" in ln for ln in lines)


def test_shuffled_matrix_in_other_wording_is_right_or_refused(tmp_path):
    rng = np.random.default_rng(7)
    for trial in range(3):
        order = rng.permutation(26).tolist()
        export = _qualtrics(tmp_path / f"shuffled{trial}.csv", OTHER, order=order)
        draft = _draft(tmp_path, export)
        outcome = _right_or_refused(export, draft)
        items = _items(draft)
        text = draft.read_text(encoding="utf-8")
        # every line not listed under confirm: is right
        for k, it in enumerate(order):
            col = f"Q4_{k + 1}"
            if items[ITEMS[it]] != col:
                assert f"- items.{ITEMS[it]}" in text, (ITEMS[it], items[ITEMS[it]], col)
        assert outcome in ("right", "refused")


@pytest.mark.parametrize("drop", [None, 7])
def test_statement_headers_without_a_matrix_are_right_or_refused(tmp_path, drop):
    order = [k for k in range(26) if k != drop]
    export = _plain(tmp_path / "plain.csv", OTHER, order)
    draft = _draft(tmp_path, export)
    text = draft.read_text(encoding="utf-8")
    items = _items(draft)
    assert _right_or_refused(export, draft) == "refused" if drop is not None else True
    for k in order:
        if items[ITEMS[k]] != OTHER[k]:
            assert f"- items.{ITEMS[k]}" in text
    if drop is not None:  # the item the survey did not ask is empty and must be confirmed
        assert items[ITEMS[drop]] is None and f"- items.{ITEMS[drop]}" in text
    # identifiers are never item columns, item columns never identifiers
    assert 'mentor: "Mentor ID"' in text and 'wave: "Wave"' in text and 'role: "Role"' in text


def test_missing_matrix_row_is_refused_not_dropped(tmp_path):
    """Item 8 not asked: the draft leaves it empty, and the import refuses until that is confirmed."""
    order = [k for k in range(26) if k != 7]
    df_path = _qualtrics(tmp_path / "q.csv", OTHER)
    rows = list(csv.reader(io.StringIO(df_path.read_text(encoding="utf-8"))))
    first = rows[0].index("Q4_1")
    drop = first + 7
    rows = [r[:drop] + r[drop + 1:] for r in rows]
    export = tmp_path / "q25.csv"
    export.write_bytes(_csv(rows))
    draft = _draft(tmp_path, export)
    assert _items(draft)["mca08"] is None
    with pytest.raises(ConfigError, match="to confirm") as exc:
        read_export(export, "mca-26", mapping=draft)
    assert any("items.mca08" in str(p) for p in exc.value.problems)
    assert order  # 25 columns remain


def test_unconfirmed_draft_is_refused_with_exit_2_and_confirming_works(tmp_path, capsys):
    export = _plain(tmp_path / "plain.csv", OTHER, [k for k in range(26) if k != 7])
    draft = tmp_path / "draft.yaml"
    with pytest.raises(SystemExit) as exc:
        main(["import", str(export), "--instrument", "mca-26", "--write-mapping", str(draft)])
    assert exc.value.code in (0, None)
    with pytest.raises(SystemExit) as exc:
        main(["import", str(export), "--instrument", "mca-26", "-m", str(draft), "-o", str(tmp_path / "o.csv")])
    assert exc.value.code == 2
    err = capsys.readouterr()
    assert "items.mca08" in err.err + err.out and not (tmp_path / "o.csv").exists()
    # The person checks the lines: item 8 was not asked (stays empty), the others are corrected or confirmed.
    text = draft.read_text(encoding="utf-8")
    import yaml

    data = yaml.safe_load(text)
    for k in range(26):
        if k != 7:
            data["items"][ITEMS[k]] = OTHER[k]
    data.pop("confirm", None)
    draft.write_text(yaml.safe_dump(data), encoding="utf-8")
    res = read_export(export, "mca-26", mapping=draft)
    assert res.responses["mca08"].isna().all() and res.report.rows_kept == 16


def test_google_grid_with_mentor_in_stem_never_proposes_items_as_identifiers(tmp_path):
    df, na = _truth()
    head = ["Timestamp", "Email address", "Mentor", "Wave"] + [f"How skilled is your mentor? [{w}]" for w in OTHER]
    rows = [head]
    for i in range(len(df)):
        rows.append([f"9/{i + 1}/2025 10:00:00", df.rater_id[i], df.mentor_id[i], df.wave[i]]
                    + ["N/A" if na.iloc[i, k] else ("" if np.isnan(df[it][i]) else str(int(df[it][i])))
                       for k, it in enumerate(ITEMS)])
    export = tmp_path / "google.csv"
    export.write_bytes(_csv(rows))
    draft = _draft(tmp_path, export)
    text = draft.read_text(encoding="utf-8")
    assert 'mentor: "Mentor"' in text and 'wave: "Wave"' in text
    assert _items(draft) == {it: head[4 + k] for k, it in enumerate(ITEMS)}
    assert _right_or_refused(export, draft) in ("right", "refused")


def test_redcap_draft_proposes_record_id_and_timestamp(tmp_path):
    d = tmp_path
    fields = ["record_id", "redcap_event_name", "mentor_id", "mca_mentee_timestamp"] + [f"q{k + 1}" for k in range(26)]
    dict_rows = [["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
                  "Choices, Calculations, OR Slider Labels"] + [""] * 12,
                 ["record_id", "mca_mentee", "", "text", "Record ID"] + [""] * 13,
                 ["mentor_id", "mca_mentee", "", "text", "Your mentor"] + [""] * 13]
    dict_rows[0][6:] = ["Field Note", "Text Validation Type OR Show Slider Number", "Text Validation Min",
                        "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
                        "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
                        "Matrix Ranking?", "Field Annotation"]
    for k in range(26):
        dict_rows.append([f"q{k + 1}", "mca_mentee", "", "radio", OTHER[k],
                          "1, 1 | 2, 2 | 3, 3 | 4, 4 | 5, 5 | 6, 6 | 7, 7 | 8, N/A"] + [""] * 9 + ["mca", "", ""])
    (d / "p_DataDictionary.csv").write_bytes(_csv(dict_rows))
    rows = [fields + ["mca_mentee_complete"],
            ["e01", "pre_arm_1", "0101", "2025-09-03 10:00:00"] + ["5"] * 26 + ["2"]]
    export = d / "p_DATA.csv"
    export.write_bytes(_csv(rows))
    from mentorassess.io.redcap import read_dictionary

    table = read_table(export, export.name, dictionary=read_dictionary(d / "p_DataDictionary.csv"))
    text = draft_mapping(table, INS, dictionary=d / "p_DataDictionary.csv", base=d)
    assert 'rater_id: "record_id"' in text and 'submitted_at: "mca_mentee_timestamp"' in text
    assert 'mentor: "mentor_id"' in text
    assert all(f'mca{k + 1:02d}: "q{k + 1}"' in text for k in range(26))


def test_one_matrix_per_competency_in_other_wording(tmp_path):
    """Six matrices (one per competency): each is aligned with a contiguous block of items."""
    export = _qualtrics(tmp_path / "q.csv", OTHER)
    rows = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8"))))
    first = rows[0].index("Q4_1")
    k, want = 0, {}
    for g, comp in enumerate(INS.competencies):
        for j, item in enumerate(comp.items):
            rows[0][first + k] = f"Q{g + 10}_{j + 1}"
            rows[1][first + k] = f"{comp.title}: rate your mentor - " + rows[1][first + k].split(" - ", 1)[1]
            want[item] = rows[0][first + k]
            k += 1
    export.write_bytes(_csv(rows))
    draft = _draft(tmp_path, export)
    text = draft.read_text(encoding="utf-8")
    items = _items(draft)
    for item, col in items.items():
        assert col == want[item] or f"- items.{item}" in text, item
    assert _right_or_refused(export, draft) in ("right", "refused")


@pytest.mark.parametrize("name", ["google_forms.csv", "ms_forms.xlsx", "limesurvey_full.csv", "surveymonkey.csv"])
def test_drafts_of_the_corpus_match_every_item_and_identifier(tmp_path, name):
    table = read_table(CORPUS / name, name)
    text = draft_mapping(table, INS)
    import yaml

    data = yaml.safe_load(text)
    assert "confirm" not in data
    assert all(data["items"][it] for it in ITEMS)
    item_cols = set(data["items"].values())
    assert not item_cols & {data["columns"].get(k) for k in ("mentor", "role", "wave", "rater_id")}
    assert data["columns"].get("mentor")
