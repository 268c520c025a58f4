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
from mentorassess.program_tables import roster_participation
from mentorassess.reports._program_blocks import Block, _b, _table, flowables
from mentorassess.reports._program_change import multilevel_blocks, multilevel_headline, multilevel_method
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
    """Signed, one decimal ("+0.4", "−1.2"); "0.0" for a value that rounds to zero."""
    if _nan(v):
        return "–"
    text = f"{float(v):+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text.replace("-", "−")


def fmt_pct(v: Any) -> str:
    """A share as a whole percentage ("64%")."""
    return "–" if _nan(v) else f"{100 * float(v):.0f}%"


def _ci(lo: Any, hi: Any, f=fmt1) -> str:
    return "" if _nan(lo) or _nan(hi) else f"[{f(lo)}, {f(hi)}]"


def _date_text(d: _dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _titles(instrument) -> dict[str, str]:
    t = {c.id: c.title for c in instrument.competencies}
    t.setdefault(OVERALL, "Overall (all items)")
    return t


def _overall(ch) -> Any:
    t = ch.table
    ov = t[(t["competency"] == OVERALL) & ~t["suppressed"].astype(bool)] if "suppressed" in t else t[t["competency"] == OVERALL]
    return None if ov.empty or _nan(ov["mean_diff"].iloc[0]) else ov.iloc[0]


def _did_overall(tables: ProgramTables, role: str) -> Any:
    for d in tables.trained:
        if d.role == role:
            r = d.table[d.table["competency"] == OVERALL]
            return d, (None if r.empty or bool(r["suppressed"].iloc[0]) else r.iloc[0])
    return None, None


def _headlines(ins, profiles: Profiles, tables: ProgramTables, titles: dict[str, str]) -> list[str]:
    """Page-1 findings, each with its uncertainty; every statement counts mentors."""
    out: list[str] = []
    part = roster_participation(profiles)
    last = profiles.settings.waves[-1] if profiles.settings.waves else None
    pm = part[(part["wave"] == last) & (part["form"] == "mentee")]
    if len(pm):
        r = pm.iloc[0]
        out.append(f"Participation ({last}): {int(r['released'])} of {int(r['invited'])} mentors on the roster had "
                   f"enough mentee responses for their mentee results to be released; {int(r['responded'])} were "
                   f"rated by at least one mentee ({fmt_pct(r['response_rate'])}).")
    for ch in sorted(tables.changes, key=lambda c: c.role != "mentee"):
        ml = multilevel_headline(tables, scale_max=ins.scale.max) if ch.role == "mentee" else None
        if ml is not None:  # issue 21: mentees' change from the multilevel model
            out.append(ml)
            continue
        r = _overall(ch)
        who = "Mentees' ratings" if ch.role == "mentee" else "Mentors' self-ratings"
        if r is None:
            out.append(f"{who}, {ch.pre} to {ch.post}: too few mentors released in both waves to report a change.")
            continue
        out.append(f"{who}, {ch.pre} to {ch.post}: overall change {fmt_signed1(r['mean_diff'])} points "
                   f"(95% CI {fmt_signed1(r['ci_low'])} to {fmt_signed1(r['ci_high'])}), over {int(r['n'])} mentors "
                   f"released in both waves.")
    g = tables.gaps
    if len(g):
        ov = g[(g["competency"] == OVERALL) & g["mean"].notna()]
        for r in ov.itertuples(index=False):
            out.append(f"Self-ratings against mentees' ratings ({r.wave}): mentors rated themselves "
                       f"{fmt1(abs(r.mean))} points {'higher' if r.mean > 0 else 'lower'} than their mentees did "
                       f"(95% CI {fmt_signed1(r.ci_low)} to {fmt_signed1(r.ci_high)}; {int(r.n_mentors)} mentors).")
    d, r = _did_overall(tables, "mentee")
    if d is not None and r is not None:
        out.append(f"Trained minus untrained mentors' change in mentees' ratings: {fmt_signed1(r['did'])} points "
                   f"(95% CI {fmt_signed1(r['ci_low'])} to {fmt_signed1(r['ci_high'])}; {int(r['n_trained'])} "
                   f"trained and {int(r['n_untrained'])} untrained mentors). Not proof of a training effect: see 5.")
    return out


def _blocks(instrument, profiles: Profiles, tables: ProgramTables, *, report_date: _dt.date,
            program_name: str | None, show_names: bool, trajectories: Any = None) -> list[Block]:
    ins = instrument
    st = profiles.settings
    k = st.min_raters
    mm = getattr(tables, "min_mentors", 3)
    titles = _titles(ins)
    waves = st.waves
    comp_ids = list(profiles.competency_ids)
    anchors = {int(v): str(lbl) for v, lbl in ins.scale.labels.items()}
    out: list[Block] = []

    # --- page 1: title, headline findings, how to read ------------------------------------------------
    out.append(_b("title", f"Program summary{': ' + program_name if program_name else ''}"))
    out.append(_b("subtitle", f"{ins.title} · waves {', '.join(waves)} · report date {_date_text(report_date)}"))
    heads = _headlines(ins, profiles, tables, titles)
    if heads:
        out.append(Block("panel", children=(_b("h3", "Headline findings"),
                                          *(_b("bullet", h) for h in heads),
                                          _b("small", "The mentor is the unit of every figure: each mentor counts "
                                                      "once, whatever their number of mentees. Ranges are 95% "
                                                      "intervals."))))
    out.append(Block("panel", children=(
        _b("h3", "How to read this summary"),
        _b("box", f"Scores are perceptions on the 1–{ins.scale.max:g} scale of the {ins.short_title}. Mentee figures "
                  f"count only mentors with at least {k} mentee responses, so no mentee can be singled out; each "
                  "mentor's average is the unit of every table. Ranges in brackets are 95% intervals: the program "
                  "average could plausibly lie anywhere between them. "
                  + ("No mentor is named or identifiable in this report." if not show_names else
                     "This copy names mentors (appendix) because the configuration allows it.")),
    )))

    # --- 1 participation -------------------------------------------------------------------------------
    part = roster_participation(profiles)
    out.append(_b("h2", "1. Who took part"))
    rows = [[w, "mentor self-rating" if f == "self" else "mentee rating", str(i), str(r), str(rel), fmt_pct(rr)]
            for w, f, i, r, rel, rr in part[["wave", "form", "invited", "responded", "released",
                                             "response_rate"]].itertuples(index=False)]
    out.append(_table(["Wave", "Form", "Mentors invited", "Mentors responded", "Mentors released",
                       "Response rate"], rows, [0.1, 0.22, 0.17, 0.19, 0.17, 0.15], (2, 3, 4, 5)))
    out.append(_b("small", f"Invited = mentors on the roster. Responded = mentors with at least one response on "
                           f"the form (for mentee ratings: rated by at least one mentee). Released = mentors whose "
                           f"results are shown: a self-assessment, or at least {k} mentee responses. Only released "
                           "mentors enter the figures below. Response counts are in section 8."))

    # --- 2 competency profile: pre and post in one chart --------------------------------------------------
    prof = tables.profile
    out.append(_b("cond", height=300))
    out.append(_b("h2", "2. Competency profile of the program"))
    out.append(_b("small", "Program average of mentors' self-ratings (open diamond) and of their mentees' ratings "
                           "(filled circle with its 95% interval), per competency; "
                           + ("the waves one above the other (first wave grey)." if len(waves) > 1 else "one wave.")))
    idx = prof.set_index(["wave", "rater_role", "competency"])

    def val(w, role, cid, col):
        key = (w, role, cid)
        return None if key not in idx.index or _nan(idx.loc[key, col]) else float(idx.loc[key, col])

    wrows = [(titles.get(cid, cid), tuple((val(w, "mentee", cid, "mean"), val(w, "mentee", cid, "ci_low"),
                                           val(w, "mentee", cid, "ci_high"), val(w, "self", cid, "mean"))
                                          for w in waves)) for cid in comp_ids]
    out.append(Block("chart", chart=("waves", {"rows": wrows, "waves": tuple(waves), "scale": (ins.scale.min,
                                                                                              ins.scale.max),
                                               "anchors": anchors})))
    trows = []
    for cid in comp_ids:
        for w in waves:
            cells = []
            for role in ("self", "mentee"):
                m = val(w, role, cid, "mean")
                if m is not None:
                    cells += [str(int(idx.loc[(w, role, cid), "n_mentors"])),
                              f"{fmt1(m)} {_ci(val(w, role, cid, 'ci_low'), val(w, role, cid, 'ci_high'))}"]
                else:  # hidden or empty read the same: no count, no reason
                    cells += ["–", "–"]
            trows.append([titles.get(cid, cid), w] + cells)
    out.append(_table(["Competency", "Wave", "Mentors", "Self-ratings [95% CI]", "Mentors", "Mentees [95% CI]"],
                      trows, [0.26, 0.08, 0.12, 0.21, 0.12, 0.21], (2, 4)))
    out.append(_b("small", "Mentors = mentors whose averages enter the cell."))

    # --- 3 distribution -----------------------------------------------------------------------------------
    dist = tables.distribution
    bench = profiles.program[(profiles.program["rater_role"] == "mentee") & (profiles.program["level"] == "competency")]
    out.append(_b("cond", height=320))
    out.append(_b("h2", "3. How mentors' scores are spread"))
    out.append(_b("small", f"Each circle is one mentor's average from their mentees (unnamed; only mentors with at "
                           f"least {k} mentee responses). The grey box is the middle half of mentors, the bar the "
                           "median."))
    for w in waves:
        srows = []
        for cid in comp_ids:
            vals = tuple(dist.loc[(dist["wave"] == w) & (dist["competency"] == cid), "value"].astype(float))
            b = bench[(bench["wave"] == w) & (bench["competency"] == cid)]
            if len(vals) < k or b.empty or _nan(b["p50"].iloc[0]):
                continue
            srows.append((titles.get(cid, cid), vals, float(b["p25"].iloc[0]), float(b["p50"].iloc[0]),
                          float(b["p75"].iloc[0])))
        if srows:
            out.append(Block("keep", children=(
                _b("h3", f"Wave {w} ({len(srows[0][1])} mentors)"),
                Block("chart", chart=("strip", {"rows": srows, "scale": (ins.scale.min, ins.scale.max),
                                                "anchors": anchors})))))

    # --- 4 training needs and gaps (both waves) ----------------------------------------------------------------
    tn = tables.training_needs.table if tables.training_needs is not None else pd.DataFrame()
    wave_n = tables.needs_wave
    out.append(_b("cond", height=260))
    out.append(_b("h2", f"4. Where training could help (wave {wave_n})"))
    out.append(_b("small", LEVEL_NOTE.format(level=tables.level)))
    below = tables.share_below.set_index("competency")
    low = tn[(tn["kind"] == "lowest_mentee_mean") & (tn["level"] == "competency")] if len(tn) else tn
    nrows = [[titles.get(c, c), str(int(n)), fmt1(v),
              fmt_pct(below.loc[c, "share_below"]) if c in below.index else "–"]
             for c, n, v in low[["competency", "n_mentors", "value"]].itertuples(index=False)] if len(low) else []
    if nrows:
        out.append(_table(["Competency (lowest first)", "Mentors", "Mentees' mean",
                           f"Share of mentors below {tables.level:g}"], nrows, [0.44, 0.14, 0.18, 0.24], (1, 2, 3)))
    g = tables.gaps
    if len(g) and g["mean"].notna().any():
        gw = [w for w in waves if g.loc[g["wave"] == w, "mean"].notna().any()]
        grows = []
        for cid in comp_ids:
            cells = []
            for w in gw:
                r = g[(g["wave"] == w) & (g["competency"] == cid)]
                if r.empty or _nan(r["mean"].iloc[0]):
                    cells += ["–", "–"]
                else:
                    r = r.iloc[0]
                    cells += [str(int(r["n_mentors"])), f"{fmt_signed1(r['mean'])} "
                                                        f"{_ci(r['ci_low'], r['ci_high'], fmt_signed1)}"]
            grows.append([titles.get(cid, cid)] + cells)
        wid = 0.64 / max(len(gw), 1)
        out.append(Block("keep", children=(
            _b("h3", "Self-ratings against mentees' ratings, per wave"),
            _table(["Competency"] + [h for w in gw for h in (f"{w}: mentors", f"{w}: gap [95% CI]")], grows,
                   [0.36] + [x for _ in gw for x in (0.4 * wid, 0.6 * wid)], tuple(range(1, 2 * len(gw) + 1))),
            _b("small", f"Gap = the mentor's self-rating minus their mentees' average, averaged over mentors with both "
                        f"released in the wave (a cell needs {mm} mentors). A positive gap: mentors rate themselves "
                        "higher than their mentees do."))))
    items = tn[(tn["kind"] == "lowest_mentee_mean") & (tn["level"] == "item")] if len(tn) else tn
    if len(items):
        irows = [[ins.item(i).label, titles.get(c, c), fmt1(v)] for i, c, v in
                 items[["item", "competency", "value"]].itertuples(index=False)]
        out.append(Block("keep", children=(_b("h3", "Items with the lowest mentee ratings"),
                                           _table(["Item", "Competency", "Mentees' mean"], irows,
                                                  [0.45, 0.4, 0.15], (2,)))))

    # --- 5 change ------------------------------------------------------------------------------------------------
    out.append(_b("cond", height=300))
    out.append(_b("h2", "5. Did scores move between waves?"))
    if not tables.changes:
        out.append(_b("body", "Only one wave: no change to report."))
    for ch in tables.changes:
        who = "Mentors' self-ratings" if ch.role == "self" else "Mentees' ratings of their mentors"
        t = ch.table
        block: list[Block] = [_b("h3", f"{who}, {ch.pre} to {ch.post}")]
        r = _overall(ch)
        if r is not None:
            if r["ci_low"] <= 0 <= r["ci_high"]:  # the interval includes no change: say so, claim no direction
                direction = "changed on average"
            else:
                direction = "rose" if r["mean_diff"] > 0 else "fell"
            text = (f"{who} {direction} by {fmt_signed1(r['mean_diff'])} points on the 1–{ins.scale.max:g} scale "
                    f"(95% CI {fmt_signed1(r['ci_low'])} to {fmt_signed1(r['ci_high'])}; {int(r['n'])} mentors with "
                    f"results released in both waves; {int(r['n_pre'])} mentors released at {ch.pre}, "
                    f"{int(r['n_post'])} at {ch.post})."
                    + (" The interval includes no change." if r["ci_low"] <= 0 <= r["ci_high"] else ""))
            if not _nan(r.get("share_improved")) and r.get("mentors_compared", 0):
                text += f" {round(10 * r['share_improved'])} in 10 of these mentors improved"
                text += (f"; under a normal model of the same mentors' changes, the share of mentors expected to "
                         f"improve is Φ(d_z) = {fmt_pct(r['phi_dz'])}." if not _nan(r.get("phi_dz")) else ".")
            block.append(_b("body", text))
        crow = []
        for r in t.itertuples(index=False):
            name = titles.get(r.competency, r.competency)
            if bool(getattr(r, "suppressed", False)) or _nan(r.mean_diff) or _nan(getattr(r, "ci_low", None)):
                crow.append([name, "–", "–", "–", "–", "", ""])
                continue
            crow.append([name, str(int(r.n)), fmt1(r.mean_pre), fmt1(r.mean_post),
                         f"{fmt_signed1(r.mean_diff)} {_ci(r.ci_low, r.ci_high, fmt_signed1)}",
                         fmt2(getattr(r, "d_z", None)), f"{fmt_pct(r.share_improved)} / {fmt_pct(r.phi_dz)}"])
        block.append(_table(["Competency", "Mentors", ch.pre, ch.post, "Change [95% CI]", "d_z",
                             "Mentors improved: seen / Φ(d_z)"], crow, [0.25, 0.11, 0.07, 0.07, 0.22, 0.08, 0.2],
                            (1, 2, 3, 4, 5, 6)))
        out.append(Block("keep", children=tuple(block)))
    out.extend(multilevel_blocks(tables, titles, scale_max=ins.scale.max))
    if tables.changes:
        out.append(_b("small", "Read with care: there is no control group, so change is not proof that training "
                               "worked; mentors who started low tend to score higher next time anyway (regression to "
                               "the mean); retrospective pre-tests, where used, are reported as their own wave. d_z "
                               "is the mean change divided by the SD of the mentors' changes; 'seen' is the share of "
                               "the compared mentors whose own average rose. Each mentor counts once, whatever the "
                               f"number of mentees; a competency compared for fewer than {mm} mentors shows '–'."))
    for d in tables.trained:
        who = "self-ratings" if d.role == "self" else "mentees' ratings"
        if d.table["suppressed"].astype(bool).all():
            out.append(_b("small", f"Trained and untrained mentors' change in {who} is not shown: it needs at least "
                                   f"{d.min_mentors} mentors released in both waves in each group."))
            continue
        drows = []
        for r in d.table.itertuples(index=False):
            name = titles.get(r.competency, r.competency)
            if r.suppressed:
                drows.append([name, "–", "–", "–", "–", "–"])
            else:
                drows.append([name, str(r.n_trained), fmt_signed1(r.change_trained), str(r.n_untrained),
                              fmt_signed1(r.change_untrained),
                              f"{fmt_signed1(r.did)} {_ci(r.ci_low, r.ci_high, fmt_signed1)}"])
        out.append(Block("keep", children=(
            _b("h3", f"Trained and untrained mentors: change in {who}, {d.pre} to {d.post}"),
            _table(["Competency", "Trained: mentors", "Trained: change", "Untrained: mentors", "Untrained: change",
                    "Difference [95% CI]"], drows, [0.27, 0.12, 0.13, 0.13, 0.13, 0.22], (1, 2, 3, 4, 5)),
            _b("small", "Difference = trained mentors' average change minus untrained mentors' average change (a "
                        "difference in differences; each mentor's own change, mentors released in both waves; "
                        "Welch 95% interval). A row needs at least "
                        f"{d.min_mentors} mentors in each group, otherwise it shows '–'. Caution: mentors were not "
                        "assigned to training at random. Those who trained may differ in motivation, experience or "
                        "starting scores, so the difference can reflect who chose to train rather than what the "
                        "training did."))))
    for n in tables.notes:
        out.append(_b("small", n))

    # --- 6 subgroups -----------------------------------------------------------------------------------------------
    out.append(_b("cond", height=300))
    out.append(_b("h2", "6. Subgroups"))
    out.append(_b("small", "Overall score by group: the mean of the group's mentors' averages, with the number of "
                           f"mentors in brackets. A group is shown only with at least {mm} mentors and {k} ratings "
                           "behind it and no mentor supplying most of them; some further groups are hidden so that "
                           "no hidden group can be worked out from the total or the others. Hidden groups show '–' "
                           "whatever the reason. Mentee ratings count only where the mentor's own results are "
                           "released."))
    sg = tables.subgroups
    if sg is None:
        out.append(_b("body", "No roster with department, cohort or training was given."))
    else:
        t = sg.table[sg.table["competency"] == OVERALL]
        cols = [(w, r) for w in waves for r in ("mentee", "self") if ((t["wave"] == w) & (t["rater_role"] == r)).any()]

        def cell_text(c: pd.DataFrame) -> str:
            if c.empty:
                return "–"
            c = c.iloc[0]
            if bool(c["suppressed"]) or _nan(c["mean"]):
                return "–"
            return f"{fmt1(c['mean'])} ({int(c['n_mentors'])})"

        rest = 0.76 / max(len(cols), 1)
        for b in sg.by:
            sub = t[t["by"] == b]
            groups = sorted(sub["group"].unique(), key=lambda g: (g == UNKNOWN, str(g)))
            header = [_BY_TITLE.get(b, b)] + [f"{w}: {'mentees' if r == 'mentee' else 'self'}" for w, r in cols]
            grows = [[str(g)] + [cell_text(sub[(sub["group"] == g) & (sub["wave"] == w) & (sub["rater_role"] == r)])
                                 for w, r in cols] for g in groups]
            tot = t[t["by"] == ALL]
            grows.append(["All mentors"] + [cell_text(tot[(tot["wave"] == w) & (tot["rater_role"] == r)])
                                            for w, r in cols])
            out.append(Block("keep", children=(_b("h3", _BY_TITLE.get(b, b)),
                                               _table(header, grows, [0.24] + [rest] * len(cols),
                                                      tuple(range(1, len(cols) + 1))))))

    # --- 7 methods ----------------------------------------------------------------------------------------------------
    out.append(_b("cond", height=220))
    out.append(_b("h2", "7. Methods"))
    status = getattr(ins, "status", "") or "not stated"
    methods = [
        f"Instrument: {ins.title} ({ins.short_title}), version {ins.version}; status: {status}. {ins.citation or ''}",
        f"Confidentiality: mentee figures need at least {k} distinct mentees (repeat submissions count once; "
        "near-empty responses and self-assessments filed as mentee ratings do not count); values that would "
        f"reveal individual answers are withheld. Every group cell needs at least {mm} mentors, "
        f"{k} ratings and no mentor with most of them, and further cells are withheld so that none can be worked "
        "out from the others. Mentor names, ids and single-mentor rows do not appear in this report"
        + (" except in the appendix, which the configuration allows." if show_names else "."),
        f"Missing data: a competency score is the mean of its answered items when at least "
        f"{ins.scoring.min_answered:.0%} of them are answered; otherwise it is missing. 'N/A' answers count as "
        "missing.",
        f"The unit is the mentor throughout: a mentor's mentee average counts once, whatever their number of "
        f"mentees (at least {k}); change compares mentors released in both waves; the trained/untrained "
        "comparison compares those mentors' own changes.",
        "Intervals: 95% t intervals over mentor-level averages; change intervals are paired t intervals over "
        "mentors (self: the mentor's self-ratings; mentees: the mentor's released mentee averages, in both "
        "waves); the trained/untrained difference uses Welch's interval over mentors. d_z = mean change / SD of "
        "the mentors' changes; Φ(d_z) is the share of mentors expected to improve under a normal model, shown "
        "next to the observed share.",
    ]
    if (mm_text := multilevel_method(tables)) is not None:
        methods.append(mm_text)
    out.extend(_b("bullet_small", m) for m in methods)

    # --- 8 import detail (moved off page 1) ----------------------------------------------------------------------------
    pt = tables.participation
    out.append(_b("cond", height=200))
    out.append(_b("h2", "8. Responses counted"))
    rows = [[w, "mentor self-rating" if r == "self" else "mentee rating", str(n), str(m)]
            for w, r, n, m in pt.table[["wave", "rater_role", "responses", "raters"]].itertuples(index=False)]
    out.append(_table(["Wave", "Form", "Responses counted", "Distinct raters"], rows, [0.15, 0.35, 0.25, 0.25],
                      (2, 3)))
    out.append(_b("small", "How every row of the exports was read, kept or excluded is in the staff workbook "
                           "(sheet 'Import audit'); this summary shows released figures only."))

    # --- across cycles (history; released program cells only) -----------------------------------------------
    from mentorassess.reports._program_history import program_trajectory_blocks

    post = next((w for w in reversed(waves)), None)
    out += program_trajectory_blocks(trajectories, ins, post)

    # --- appendix (names only on request) ------------------------------------------------------------------------
    if show_names:
        out.append(_b("pagebreak"))
        out.append(_b("h2", "Appendix: mentors (named by configuration)"))
        mt = profiles.mentors
        last = waves[-1]
        sub = mt[mt["wave"] == last]
        comp = profiles.competencies
        ov = comp[(comp["wave"] == last) & (comp["competency"] == OVERALL)].set_index("mentor_id")
        arows = []
        for r in sub.itertuples(index=False):
            name = r.name if isinstance(r.name, str) and r.name else r.mentor_id
            mean = ov.loc[r.mentor_id, "mentee_mean"] if r.mentor_id in ov.index else None
            arows.append([name, "–" if _nan(r.mentee_n) else str(int(r.mentee_n)), "–" if _nan(mean) else fmt1(mean)])
        out.append(_table(["Mentor", f"Mentee responses ({last})", "Mentees' overall mean"], arows,
                          [0.5, 0.25, 0.25], (1, 2)))
    return out


def _story(instrument, profiles: Profiles, tables: ProgramTables, *, report_date: _dt.date,
           program_name: str | None, show_names: bool, trajectories: Any = None) -> list[Any]:
    return flowables(_blocks(instrument, profiles, tables, report_date=report_date, program_name=program_name,
                              show_names=show_names, trajectories=trajectories))


def program_pdf_bytes(instrument, profiles: Profiles, tables: ProgramTables, *,
                      report_date: _dt.date | str | None = None, program_name: str | None = None,
                      show_names: bool = False, trajectories: Any = None) -> bytes:
    """The program summary as PDF bytes (deterministic for the same inputs and date)."""
    from mentorassess.reports.pdf import build_pdf, resolve_report_date

    date = resolve_report_date(report_date)
    story = _story(instrument, profiles, tables, report_date=date, program_name=program_name, show_names=show_names,
                   trajectories=trajectories)
    ins = instrument
    return build_pdf(story, title=f"Program summary – {program_name or ins.short_title}", author="mentorassess",
                     subject="Mentoring program summary", keywords=("mentoring", ins.id),
                     footer_text=f"Program summary · {ins.short_title} · {_date_text(date)}", report_date=date)


def render_program(instrument, profiles: Profiles, tables: ProgramTables, path: str | os.PathLike, *,
                   report_date: _dt.date | str | None = None, program_name: str | None = None,
                   show_names: bool = False, trajectories: Any = None) -> Path:
    """Write the program summary PDF atomically; return its path."""
    from mentorassess._files import atomic_write_bytes

    return atomic_write_bytes(path, program_pdf_bytes(instrument, profiles, tables, report_date=report_date,
                                                      program_name=program_name, show_names=show_names,
                                                      trajectories=trajectories))
