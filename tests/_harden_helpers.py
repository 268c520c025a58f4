"""A small generated program for the hardening tests: controlled rater counts, planted markers.

Matrix mentors ``T0..T{k+1}`` get ``j`` mentee responses in wave ``pre`` and ``k + 1 - j`` in
``post``; filler mentors ``F1..F5`` get 7 in each wave (so the psychometric checks run). Every
mentee comment carries a unique marker ``<letter> LEAK-<mentor>-<wave>-<j>`` whose first letter makes
alphabetical order differ from submission order (and from its reverse); rater ids look like ``RATERX00001`` and every submission time has
the minute ``03:47``, so a leak of any of them can be found by plain text search.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

ITEMS = [f"mca{i:02d}" for i in range(1, 27)]
FILLERS = 5
FILLER_N = 7
SELF_PATTERN = [((i * 3) % 7) + 1 for i in range(26)]       # the same self ratings for every matrix mentor


def counts(k: int) -> dict[str, dict[str, int]]:
    out = {f"T{j}": {"pre": j, "post": k + 1 - j} for j in range(k + 2)}
    out.update({f"F{f}": {"pre": FILLER_N, "post": FILLER_N} for f in range(1, FILLERS + 1)})
    return out


def responses(k: int, *, comments: bool = True, seed: int = 0, shift_suppressed: int = 0,
              names: dict[str, str] | None = None, comment_text=None) -> pd.DataFrame:
    """Canonical responses; ``shift_suppressed`` changes every rating of below-threshold mentors."""
    rng = np.random.default_rng(seed)
    rows, r = [], 0
    for mid, per_wave in counts(k).items():
        for w, wave in enumerate(("pre", "post")):
            n = per_wave[wave]
            r += 1
            row = {"response_id": f"RESP{r:05d}", "mentor_id": mid, "rater_role": "self", "wave": wave,
                   "rater_id": f"RATERX{r:05d}", "submitted_at": f"2025-{3 + 6 * w:02d}-01T03:47:{r % 60:02d}"}
            row.update({it: float(v) for it, v in zip(ITEMS, SELF_PATTERN)})
            row["comment_goals"] = f"GOAL-{mid}-{wave}" if comments else None
            rows.append(row)
            for j in range(n):
                r += 1
                vals = rng.integers(2, 7, size=26).astype(float)
                if n < k:
                    vals = np.clip(vals + shift_suppressed, 1, 7)
                row = {"response_id": f"RESP{r:05d}", "mentor_id": mid, "rater_role": "mentee", "wave": wave,
                       "rater_id": f"RATERX{r:05d}",
                       "submitted_at": f"2025-{3 + 6 * w:02d}-{2 + j:02d}T03:47:{r % 60:02d}"}
                row.update(dict(zip(ITEMS, vals)))
                if comments:
                    letter = "mzaqkxe"[j]  # alphabetical order is neither submission order nor its reverse
                    text = comment_text(mid, wave, j) if comment_text else f"{letter} LEAK-{mid}-{wave}-{j}"
                    row["comment_strengths"] = text
                    row["comment_growth"] = f"{letter} GROW-{mid}-{wave}-{j}"
                rows.append(row)
    df = pd.DataFrame(rows)
    for c in ("comment_strengths", "comment_growth", "comment_goals"):
        if c not in df:
            df[c] = None
    return df


def roster(k: int, names: dict[str, str] | None = None, departments: dict[str, str] | None = None) -> pd.DataFrame:
    mids = list(counts(k))
    return pd.DataFrame({
        "mentor_id": mids,
        "name": [(names or {}).get(m, f"Mentor {m}") for m in mids],
        "email": [f"{m.lower()}@example.edu" for m in mids],
        "department": [(departments or {}).get(m, "Small Dept" if m.startswith("T") and i % 2 else "Big Dept")
                       for i, m in enumerate(mids)],
        "cohort": ["2024" if i % 3 else "2025" for i in range(len(mids))],
        "trained": ["yes" if i % 2 else "no" for i in range(len(mids))],
    })


def write_program(folder: Path, k: int, *, comments: bool = True, frame: pd.DataFrame | None = None,
                  ros: pd.DataFrame | None = None, instrument: str = "mca-26", extra: str = "") -> Path:
    """Write responses.csv (canonical), roster.csv and program.yaml into ``folder``; return the config."""
    from mentorassess.io.canonical import write_csv

    folder.mkdir(parents=True, exist_ok=True)
    write_csv(frame if frame is not None else responses(k, comments=comments), folder / "responses.csv")
    write_csv(ros if ros is not None else roster(k), folder / "roster.csv")
    cfg = folder / "program.yaml"
    cfg.write_text(
        "program: Hardening test program\n"
        f"instrument: {instrument}\n"
        "roster: roster.csv\n"
        "report_date: 2026-06-30\n"
        "waves:\n  - {id: pre, type: pre}\n  - {id: post, type: post}\n"
        "exports:\n  - {path: responses.csv, format: canonical}\n"
        f"min_raters: {k}\n"
        f"comments: {'true' if comments else 'false'}\n" + extra, encoding="utf-8")
    return cfg


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(p.extract_text() for p in reader.pages).replace("\xa0", " ")


def workbook_cells(path: Path) -> list[tuple[str, str, object, str]]:
    """(sheet, coordinate, value, data_type) of every non-empty cell."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.value, c.data_type) for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.value is not None]


def docx_text(path: Path) -> str:
    """Every paragraph and table cell of a Word document."""
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)
