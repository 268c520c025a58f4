"""The program summary as an editable Word document (python-docx), with the PDF's content.

Built from the same blocks as the PDF (:func:`mentorassess.reports.program._blocks`): headings,
paragraphs, the headline findings, every table, and the charts drawn with matplotlib as images.
Deterministic: fixed document properties and zip entry times, PNGs without a time stamp.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import zipfile
from pathlib import Path
from typing import Any

from mentorassess.aggregate import Profiles
from mentorassess.stats.program_data import ProgramTables

__all__ = ["program_docx_bytes", "render_program_docx"]

_FIXED = _dt.datetime(2000, 1, 1)
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def _png(chart) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name, data = chart
    lo, hi = data["scale"]
    rows = data["rows"]
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(rows) + 1.2), dpi=150)
    labels = [r[0] for r in rows]
    ys = list(range(len(rows)))[::-1]
    if name == "waves":
        waves = data["waves"]
        colours = ["#777777"] * (len(waves) - 1) + ["#4477AA"]
        for j, w in enumerate(waves):
            off = 0.15 * ((len(waves) - 1) / 2 - j) * (2 / max(len(waves) - 1, 1)) if len(waves) > 1 else 0.0
            for (lbl, vals), y in zip(rows, ys):
                mean, low, high, own = vals[j]
                if low is not None and high is not None:
                    ax.plot([low, high], [y + off, y + off], color=colours[j], lw=1.2)
                if mean is not None:
                    ax.plot(mean, y + off, "o", color=colours[j], ms=5,
                            label=f"{w}: mentees' average [95% CI]" if (lbl == rows[0][0]) else None)
                if own is not None:
                    ax.plot(own, y + off, "D", mfc="white", mec=colours[j], ms=5,
                            label=f"{w}: mentors' self-ratings, average" if (lbl == rows[0][0]) else None)
        ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    else:
        for (lbl, vals, p25, p50, p75), y in zip(rows, ys):
            ax.barh(y, p75 - p25, left=p25, height=0.6, color="#DDDDDD")
            ax.plot([p50, p50], [y - 0.32, y + 0.32], color="#222222", lw=1.6)
            ax.plot(vals, [y] * len(vals), "o", mfc="white", mec="#4477AA", ms=4)
        ax.set_title("circles: one mentor each (mentees' average); box: middle half; bar: median", fontsize=7)
    ax.set_yticks(ys, labels, fontsize=7.5)
    ax.set_xlim(lo - 0.1, hi + 0.1)
    ax.set_xticks(range(int(lo), int(hi) + 1))
    ax.set_xlabel(f"scale {lo:g}–{hi:g}", fontsize=8)
    ax.grid(axis="x", color="#E4E4E4")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _add(doc, blocks) -> None:
    from docx.shared import Inches, Pt

    for b in blocks:
        k = b.kind
        if k == "title":
            doc.add_heading(b.text, level=0)
        elif k == "subtitle":
            doc.add_paragraph(b.text).runs[0].italic = True
        elif k in ("h2", "h3"):
            doc.add_heading(b.text, level=1 if k == "h2" else 2)
        elif k in ("body", "box"):
            doc.add_paragraph(b.text)
        elif k == "small":
            p = doc.add_paragraph(b.text)
            for r in p.runs:
                r.font.size = Pt(8.5)
        elif k in ("bullet", "bullet_small"):
            p = doc.add_paragraph(b.text, style="List Bullet")
            if k == "bullet_small":
                for r in p.runs:
                    r.font.size = Pt(8.5)
        elif k == "table":
            t = doc.add_table(rows=1, cols=len(b.header))
            t.style = "Table Grid"
            for j, h in enumerate(b.header):
                cell = t.rows[0].cells[j]
                cell.text = str(h)
                for r in cell.paragraphs[0].runs:
                    r.bold = True
            for row in b.rows:
                cells = t.add_row().cells
                for j, v in enumerate(row):
                    cells[j].text = str(v)
                    if j in b.numeric:
                        cells[j].paragraphs[0].alignment = 2  # right
            for row in t.rows:
                for c in row.cells:
                    for p in c.paragraphs:
                        for r in p.runs:
                            r.font.size = Pt(8.5)
            doc.add_paragraph()
        elif k == "chart":
            doc.add_picture(io.BytesIO(_png(b.chart)), width=Inches(6.3))
        elif k in ("panel", "keep"):
            _add(doc, b.children)
        elif k == "pagebreak":
            doc.add_page_break()


def program_docx_bytes(instrument, profiles: Profiles, tables: ProgramTables, *,
                       report_date: _dt.date | str | None = None, program_name: str | None = None,
                       show_names: bool = False, trajectories: Any = None) -> bytes:
    """The program summary as .docx bytes (same blocks as the PDF; deterministic)."""
    from docx import Document

    from mentorassess.reports.pdf import resolve_report_date
    from mentorassess.reports.program import _blocks

    date = resolve_report_date(report_date)
    blocks = _blocks(instrument, profiles, tables, report_date=date, program_name=program_name,
                     show_names=show_names, trajectories=trajectories)
    doc = Document()
    cp = doc.core_properties
    cp.author = cp.last_modified_by = "mentorassess"
    cp.title = f"Program summary – {program_name or instrument.short_title}"
    cp.created = cp.modified = cp.last_printed = _FIXED
    cp.revision = 1
    _add(doc, blocks)
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def render_program_docx(instrument, profiles: Profiles, tables: ProgramTables, path: str | os.PathLike, *,
                        report_date: Any = None, program_name: str | None = None, show_names: bool = False,
                        trajectories: Any = None) -> Path:
    """Write the Word program summary atomically; return its path."""
    from mentorassess._files import atomic_write_bytes

    return atomic_write_bytes(path, program_docx_bytes(instrument, profiles, tables, report_date=report_date,
                                                       program_name=program_name, show_names=show_names,
                                                       trajectories=trajectories))
