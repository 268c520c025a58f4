"""The program summary PDF for a program director (about 6-10 pages).

Sections (``docs/feedback-reports.md`` §5): participation, the program's competency profile
(self vs mentees per wave), the distribution of mentor scores, training needs and self-mentee
gaps, pre/post change with effect sizes and intervals, subgroups with primary and complementary
suppression, and a methods note. No mentor is identifiable: no names, ids or per-mentor rows,
unless ``show_names=True`` (then an appendix lists mentors, as a configuration may allow).

Every number comes from :mod:`mentorassess.program_tables` and :class:`Profiles`; this module
only formats (one decimal for means and changes, two for effect sizes, percentages whole).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from mentorassess.aggregate import Profiles
from mentorassess.program import ALL, UNKNOWN
from mentorassess.stats.program_data import ProgramTables
from mentorassess.scoring import OVERALL

__all__ = ["program_pdf_bytes", "render_program", "fmt1", "fmt2", "fmt_pct", "LEVEL_NOTE"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
LEVEL_NOTE = ("The scale is anchored only at 1 (not at all skilled), 4 (moderately skilled) and 7 (extremely "
              "skilled), so no point is labelled 'good enough'. We use {level:g}, one step above the "
              "'moderately skilled' anchor, as a practical line for where training could help.")
_BY_TITLE = {"department": "Department", "cohort": "Cohort", "trained": "Mentor training completed"}


def _nan(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def fmt1(v: Any) -> str:
    """One decimal ("5.4"); an en dash when missing."""
    return "–" if _nan(v) else f"{float(v):.1f}"


def fmt2(v: Any) -> str:
    """Two decimals ("0.53"), minus sign as '−'."""
    return "–" if _nan(v) else f"{float(v):.2f}".replace("-", "−")


def fmt_signed1(v: Any) -> str:
    return "–" if _nan(v) else f"{float(v):+.1f}".replace("-", "−")


def fmt_pct(v: Any) -> str:
    """A share as a whole percentage ("64%")."""
    return "–" if _nan(v) else f"{100 * float(v):.0f}%"


def _ci(lo: Any, hi: Any, f=fmt1) -> str:
    return "" if _nan(lo) or _nan(hi) else f"[{f(lo)}, {f(hi)}]"


def _date_text(d: _dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _right(text: str):
    """A right-aligned table cell that wraps inside its column (never spills into the next)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from mentorassess.reports.pdf import markup, styles

    base = styles()["cell"]
    return Paragraph(markup(text, base.fontName), ParagraphStyle("cell_right", parent=base, alignment=2))


def _titles(instrument) -> dict[str, str]:
    t = {c.id: c.title for c in instrument.competencies}
    t.setdefault(OVERALL, "Overall (all items)")
    return t


def _story(instrument, profiles: Profiles, tables: ProgramTables, *, report_date: _dt.date,
           program_name: str | None, show_names: bool) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer

    from mentorassess.reports.charts import DotRow, dot_plot
    from mentorassess.reports.pdf import FRAME_WIDTH, data_table, para, shaded_box
    from mentorassess.reports._program_charts import StripRow, strip_plot

    ins = instrument
    st = profiles.settings
    k = st.min_raters
    titles = _titles(ins)
    waves = st.waves
    comp_ids = list(profiles.competency_ids)
    anchors = {int(v): str(lbl) for v, lbl in ins.scale.labels.items()}
    W = FRAME_WIDTH
    out: list[Any] = []

    # --- title and how to read --------------------------------------------------------------------
    out.append(para(f"Program summary{': ' + program_name if program_name else ''}", "title"))
    out.append(para(f"{ins.title} · waves {', '.join(waves)} · report date {_date_text(report_date)}", "subtitle"))
    out.append(shaded_box([
        para("How to read this summary", "h3"),
        para(f"Scores are perceptions on the 1–{ins.scale.max:g} scale of the {ins.short_title}. Mentee figures "
             f"count only mentors with at least {k} mentee responses, so no mentee can be singled out; mentor-level "
             "averages are the unit of every table. Ranges in brackets are 95% intervals: the program average "
             "could plausibly lie anywhere between them. No mentor is named or identifiable in this report."
             if not show_names else
             f"Scores are perceptions on the 1–{ins.scale.max:g} scale. Mentee figures count only mentors with at "
             f"least {k} mentee responses. This copy names mentors (appendix) because the configuration allows it.",
             "box"),
    ]))
    out.append(Spacer(1, 6))

    # --- 1 participation ---------------------------------------------------------------------------
    part = tables.participation
    out.append(para("1. Who took part", "h2"))
    rows = [[w, "mentor self-rating" if r == "self" else "mentee rating", str(n), str(m), str(rt), str(a)]
            for w, r, n, m, rt, a in part.table[["wave", "rater_role", "responses", "mentors", "raters",
                                                 "mentors_at_min"]].itertuples(index=False)]
    out.append(data_table(["Wave", "Form", "Responses", "Mentors rated", "Raters", f"Mentors with ≥ {k} mentees"],
                          rows, [0.12 * W, 0.22 * W, 0.14 * W, 0.16 * W, 0.12 * W, 0.24 * W],
                          numeric_cols=(2, 3, 4, 5)))
    mentee = part.table[part.table["rater_role"] == "mentee"]
    sent = [f"in wave {w}, {a} of {m} rated mentors had at least {k} mentee responses"
            for w, m, a in mentee[["wave", "mentors", "mentors_at_min"]].itertuples(index=False)]
    if sent:
        out.append(para(("; ".join(sent)).capitalize()[:1] + "; ".join(sent)[1:] + ". Only these mentors' mentee averages enter the figures below; the "
                        "others still received their own self-rating summary.", "small"))
    if part.imports.empty:
        out.append(para("Responses received as supplied: no import audit was given, so invitations and response "
                        "rates are not known.", "small"))
    else:
        out.append(para("How every row of the exports was read, kept or excluded is in the staff workbook "
                        "(sheet 'Import audit'); this summary shows released figures only.", "small"))

    # --- 2 competency profile --------------------------------------------------------------------------
    prof = tables.profile
    out.append(CondPageBreak(300))
    out.append(para("2. Competency profile of the program", "h2"))
    out.append(para("Average of mentors' self-ratings (open diamond) and of their mentees' ratings (filled circle, "
                    "with its 95% interval as a shaded band), per competency and wave.", "small"))
    for w in waves:
        sub = prof[prof["wave"] == w].set_index(["rater_role", "competency"])
        rows_d = []
        for cid in comp_ids:
            s = sub.loc[("self", cid)] if ("self", cid) in sub.index else None
            m = sub.loc[("mentee", cid)] if ("mentee", cid) in sub.index else None
            rows_d.append(DotRow(label=titles.get(cid, cid),
                                 self_score=None if s is None or _nan(s["mean"]) else float(s["mean"]),
                                 mean=None if m is None or _nan(m["mean"]) else float(m["mean"]),
                                 low=None if m is None or _nan(m["ci_low"]) else float(m["ci_low"]),
                                 high=None if m is None or _nan(m["ci_high"]) else float(m["ci_high"])))
        out.append(KeepTogether([para(f"Wave {w}", "h3"),
                                 dot_plot(rows_d, scale_min=ins.scale.min, scale_max=ins.scale.max, anchors=anchors,
                                          width=W, label_width=150, row_height=22,
                                          labels={"self": "mentors' self-ratings, average",
                                                  "mean": "mentees' ratings, average",
                                                  "band": "95% interval of that average"})]))
        out.append(Spacer(1, 4))
    trows = []
    for cid in comp_ids:
        for w in waves:
            sub = prof[(prof["wave"] == w) & (prof["competency"] == cid)].set_index("rater_role")
            cells = []
            for role in ("self", "mentee"):
                if role in sub.index and not _nan(sub.loc[role, "mean"]):
                    r = sub.loc[role]
                    cells += [str(int(r["n_mentors"])), f"{fmt1(r['mean'])} {_ci(r['ci_low'], r['ci_high'])}"]
                else:  # hidden or empty read the same: no count, no reason
                    cells += ["–", "–"]
            trows.append([titles.get(cid, cid), w] + cells)
    out.append(data_table(["Competency", "Wave", "n", "Self-ratings [95% CI]", "n", "Mentees [95% CI]"],
                          trows, [0.32 * W, 0.08 * W, 0.06 * W, 0.24 * W, 0.06 * W, 0.24 * W], numeric_cols=(2, 4)))
    out.append(para("n = mentors whose averages enter the cell.", "small"))

    # --- 3 distribution ----------------------------------------------------------------------------------
    dist = tables.distribution
    bench = profiles.program[(profiles.program["rater_role"] == "mentee") & (profiles.program["level"] == "competency")]
    out.append(CondPageBreak(320))
    out.append(para("3. How mentors' scores are spread", "h2"))
    out.append(para(f"Each circle is one mentor's average from their mentees (unnamed; only mentors with at least "
                    f"{k} mentee responses). The grey box is the middle half of mentors, the bar the median.",
                    "small"))
    for w in waves:
        srows = []
        for cid in comp_ids:
            vals = tuple(dist.loc[(dist["wave"] == w) & (dist["competency"] == cid), "value"].astype(float))
            b = bench[(bench["wave"] == w) & (bench["competency"] == cid)]
            if len(vals) < k or b.empty or _nan(b["p50"].iloc[0]):
                continue
            srows.append(StripRow(titles.get(cid, cid), vals, float(b["p25"].iloc[0]), float(b["p50"].iloc[0]),
                                  float(b["p75"].iloc[0])))
        if srows:
            out.append(KeepTogether([para(f"Wave {w} ({len(srows[0].values)} mentors)", "h3"),
                                     strip_plot(srows, scale_min=ins.scale.min, scale_max=ins.scale.max,
                                                anchors=anchors, width=W, row_height=24)]))
            out.append(Spacer(1, 4))

    # --- 4 training needs and gaps --------------------------------------------------------------------------
    tn = tables.training_needs.table if tables.training_needs is not None else pd.DataFrame()
    wave_n = tables.needs_wave
    out.append(CondPageBreak(260))
    out.append(para(f"4. Where training could help (wave {wave_n})", "h2"))
    out.append(para(LEVEL_NOTE.format(level=tables.level), "small"))
    below = tables.share_below.set_index("competency")
    low = tn[(tn["kind"] == "lowest_mentee_mean") & (tn["level"] == "competency")] if len(tn) else tn
    nrows = [[titles.get(c, c), str(int(n)), fmt1(v),
              fmt_pct(below.loc[c, "share_below"]) if c in below.index else "–"]
             for c, n, v in low[["competency", "n_mentors", "value"]].itertuples(index=False)] if len(low) else []
    if nrows:
        out.append(data_table(["Competency (lowest first)", "Mentors", "Mentees' mean",
                               f"Mentors below {tables.level:g}"], nrows,
                              [0.46 * W, 0.14 * W, 0.18 * W, 0.22 * W], numeric_cols=(1, 2, 3)))
    gaps = tn[(tn["kind"] == "largest_gap") & (tn["level"] == "competency")] if len(tn) else tn
    if len(gaps):
        grows = [[titles.get(c, c), str(int(n)), fmt_signed1(v)]
                 for c, n, v in gaps[["competency", "n_mentors", "value"]].itertuples(index=False)]
        block = [para("Self-ratings against mentees' ratings", "h3"),
                 data_table(["Competency (largest gap first)", "Mentors", "Gap (self − mentees)"], grows,
                            [0.56 * W, 0.14 * W, 0.3 * W], numeric_cols=(1, 2))]
        pos = int((gaps["value"] > 0).sum())
        block.append(para(f"Gap = self-rating minus the mentees' mean, averaged over mentors with both. Positive gaps "
                          f"(mentors rate themselves higher) in {pos} of the {len(gaps)} competencies listed; a "
                          "negative gap means mentees rate the mentor higher than the mentor does.", "small"))
        out.append(KeepTogether(block))
    items = tn[(tn["kind"] == "lowest_mentee_mean") & (tn["level"] == "item")] if len(tn) else tn
    if len(items):
        irows = [[ins.item(i).label, titles.get(c, c), fmt1(v)] for i, c, v in
                 items[["item", "competency", "value"]].itertuples(index=False)]
        out.append(KeepTogether([para("Items with the lowest mentee ratings", "h3"),
                                 data_table(["Item", "Competency", "Mentees' mean"], irows,
                                            [0.45 * W, 0.4 * W, 0.15 * W], numeric_cols=(2,))]))

    # --- 5 change -----------------------------------------------------------------------------------------------
    out.append(CondPageBreak(300))
    out.append(para("5. Did scores move between waves?", "h2"))
    if not tables.changes:
        out.append(para("Only one wave: no change to report.", "body"))
    for ch in tables.changes:
        who = "Mentors' self-ratings" if ch.role == "self" else "Mentees' ratings of their mentors"
        t = ch.table
        unit = "mentors with results released in both waves"
        ov = t[t["competency"] == OVERALL]
        block: list[Any] = [para(f"{who}, {ch.pre} to {ch.post}", "h3")]
        if not ov.empty and not _nan(ov["mean_diff"].iloc[0]):
            r = ov.iloc[0]
            direction = "rose" if r["mean_diff"] > 0 else "fell" if r["mean_diff"] < 0 else "did not change"
            text = (f"{who} {direction} by {fmt1(abs(r['mean_diff']))} points on the 1–{ins.scale.max:g} scale "
                    f"(95% CI {fmt1(r['ci_low'])} to {fmt1(r['ci_high'])}; {int(r['n'])} {unit}; "
                    f"{int(r['n_pre'])} mentors released at {ch.pre}, {int(r['n_post'])} at {ch.post}).")
            if not _nan(r.get("share_improved")) and r.get("mentors_compared", 0):
                text += (f" About {round(10 * r['share_improved'])} in 10 of these mentors improved")
                text += (f"; under a normal model of the same mentors' changes, the share expected to improve is "
                         f"Φ(d_z) = {fmt_pct(r['phi_dz'])}." if not _nan(r.get("phi_dz")) else ".")
            block.append(para(text, "body"))
        crow = []
        for r in t.itertuples(index=False):
            name = titles.get(r.competency, r.competency)
            if bool(getattr(r, "suppressed", False)) or _nan(r.mean_diff) or _nan(getattr(r, "ci_low", None)):
                crow.append([name, "–", "–", "–", "–", "", ""])
                continue
            crow.append([name, str(int(r.n)), fmt1(r.mean_pre), fmt1(r.mean_post),
                         f"{fmt_signed1(r.mean_diff)} {_ci(r.ci_low, r.ci_high, fmt_signed1)}",
                         fmt2(getattr(r, "d_z", None)),
                         f"{fmt_pct(r.share_improved)} / {fmt_pct(r.phi_dz)}"])
        block.append(data_table(["Competency", "Mentors", ch.pre, ch.post, "Change [95% CI]", "d_z",
                                 "Improved: seen / Φ(d_z)"], crow,
                                [0.3 * W, 0.08 * W, 0.07 * W, 0.07 * W, 0.21 * W, 0.08 * W, 0.19 * W],
                                numeric_cols=(1, 2, 3, 4, 5, 6)))
        out.append(KeepTogether(block))
        out.append(Spacer(1, 4))
    if tables.changes:
        out.append(para("Read with care: there is no control group, so change is not proof that training worked; "
                        "mentors who started low tend to score higher next time anyway (regression to the mean); "
                        "retrospective pre-tests, where used, are reported as their own wave. d_z is the mean "
                        "change divided by the SD of the changes; 'seen' is the share of the compared mentors whose "
                        "own score rose. Each mentor counts once, whatever the number of mentees; a competency "
                        "compared for fewer than 3 mentors shows '–'.", "small"))
    for n in tables.notes:
        out.append(para(n, "small"))

    # --- 6 subgroups ----------------------------------------------------------------------------------------------
    out.append(CondPageBreak(300))
    out.append(para("6. Subgroups", "h2"))
    out.append(para("Overall score by group: the mean of the group's mentors' scores, with the number of mentors. "
                    f"A group is shown only with at least 3 mentors and {k} ratings behind it and no mentor "
                    "supplying most of them; some further groups are hidden so that no hidden group can be worked "
                    "out from the total or the others. Hidden groups show '–' whatever the reason. Mentee ratings "
                    "count only where the mentor's own results are released.", "small"))
    sg = tables.subgroups
    if sg is None:
        out.append(para("No roster with department, cohort or training was given.", "body"))
    else:
        t = sg.table[sg.table["competency"] == OVERALL]
        cols = [(w, r) for w in waves for r in ("mentee", "self") if ((t["wave"] == w) & (t["rater_role"] == r)).any()]

        def cell(c: pd.DataFrame):
            return _right(_cell_text(c))

        def _cell_text(c: pd.DataFrame) -> str:
            if c.empty:
                return "–"
            c = c.iloc[0]
            if bool(c["suppressed"]) or _nan(c["mean"]):
                return "–"
            return f"{fmt1(c['mean'])} ({int(c['n_mentors'])})"

        first = 0.24 * W
        rest = (W - first) / max(len(cols), 1)
        for b in sg.by:
            sub = t[t["by"] == b]
            groups = sorted(sub["group"].unique(), key=lambda g: (g == UNKNOWN, str(g)))
            header = [_BY_TITLE.get(b, b)] + [f"{w}: {'mentees' if r == 'mentee' else 'self'}" for w, r in cols]
            grows = [[str(g)] + [cell(sub[(sub["group"] == g) & (sub["wave"] == w) & (sub["rater_role"] == r)])
                                 for w, r in cols] for g in groups]
            tot = t[t["by"] == ALL]
            grows.append(["All mentors"] + [cell(tot[(tot["wave"] == w) & (tot["rater_role"] == r)]) for w, r in cols])
            out.append(KeepTogether([para(_BY_TITLE.get(b, b), "h3"),
                                     data_table(header, grows, [first] + [rest] * len(cols),
                                                numeric_cols=tuple(range(1, len(cols) + 1)))]))
            out.append(Spacer(1, 4))

    # --- 7 methods --------------------------------------------------------------------------------------------------
    out.append(CondPageBreak(220))
    out.append(para("7. Methods", "h2"))
    status = getattr(ins, "status", "") or "not stated"
    methods = [
        f"Instrument: {ins.title} ({ins.short_title}), version {ins.version}; status: {status}. {ins.citation or ''}",
        f"Confidentiality: mentee figures need at least {k} distinct mentees (repeat submissions count once; "
        "near-empty responses and self-assessments filed as mentee ratings do not count); values that would "
        "reveal individual answers are withheld. Every group cell needs at least 3 mentors, "
        f"{k} ratings and no mentor with most of them, and further cells are withheld so that none can be worked "
        "out from the others. Mentor names, ids and single-mentor rows do not appear in this report"
        + (" except in the appendix, which the configuration allows." if show_names else "."),
        f"Missing data: a competency score is the mean of its answered items when at least "
        f"{ins.scoring.min_answered:.0%} of them are answered; otherwise it is missing. 'N/A' answers count as "
        "missing.",
        f"What n counts: mentors throughout (a mentor's mentee average counts once, whatever their number of "
        f"mentees, at least {k}); in change, mentors released in both waves.",
        "Intervals: 95% t intervals over mentor-level averages; change intervals are paired t intervals (self: "
        "mentors in both waves; mentees: the same mentee rating the same mentor in both waves). d_z = mean change / SD of changes; Φ(d_z) is the chance that a mentor "
        "improved under a normal model, shown next to the observed share.",
    ]
    for m in methods:
        out.append(para(m, "small", bullet="•"))

    # --- appendix (names only on request) ------------------------------------------------------------------------
    if show_names:
        out.append(PageBreak())
        out.append(para("Appendix: mentors (named by configuration)", "h2"))
        mt = profiles.mentors
        last = waves[-1]
        sub = mt[mt["wave"] == last]
        comp = profiles.competencies
        ov = comp[(comp["wave"] == last) & (comp["competency"] == OVERALL)].set_index("mentor_id")
        arows = []
        for r in sub.itertuples(index=False):
            name = r.name if isinstance(r.name, str) and r.name else r.mentor_id
            mean = ov.loc[r.mentor_id, "mentee_mean"] if r.mentor_id in ov.index else None
            arows.append([name, "–" if _nan(r.mentee_n) else str(int(r.mentee_n)),
                          "–" if _nan(mean) else fmt1(mean)])
        out.append(data_table(["Mentor", f"Mentee responses ({last})", "Mentees' overall mean"], arows,
                              [0.5 * W, 0.25 * W, 0.25 * W], numeric_cols=(1, 2)))
    return out


def program_pdf_bytes(instrument, profiles: Profiles, tables: ProgramTables, *,
                      report_date: _dt.date | str | None = None, program_name: str | None = None,
                      show_names: bool = False) -> bytes:
    """The program summary as PDF bytes (deterministic for the same inputs and date)."""
    from mentorassess.reports.pdf import build_pdf, resolve_report_date

    date = resolve_report_date(report_date)
    story = _story(instrument, profiles, tables, report_date=date, program_name=program_name, show_names=show_names)
    ins = instrument
    return build_pdf(story, title=f"Program summary – {program_name or ins.short_title}", author="mentorassess",
                     subject="Mentoring program summary", keywords=("mentoring", ins.id),
                     footer_text=f"Program summary · {ins.short_title} · {_date_text(date)}", report_date=date)


def render_program(instrument, profiles: Profiles, tables: ProgramTables, path: str | os.PathLike, *,
                   report_date: _dt.date | str | None = None, program_name: str | None = None,
                   show_names: bool = False) -> Path:
    """Write the program summary PDF atomically; return its path."""
    from mentorassess._files import atomic_write_bytes

    return atomic_write_bytes(path, program_pdf_bytes(instrument, profiles, tables, report_date=report_date,
                                                      program_name=program_name, show_names=show_names))
