"""The program summary's page across cycles (issue 22): the program's mentor-level mean per cycle.

Built only from :class:`~mentorassess.history.trajectory.ProgramPoint` objects, i.e. the program
cells the release ledger holds as released (earlier cycles) and this run's own released cells.
Each row: the mean of mentors' mentee averages with its 95% interval and the number of mentors,
per cycle, and the change against the previous cycle with a 95% interval (cycles treated as
independent samples of mentors). The words follow the numbers: a change is called a rise or a
fall only when its interval excludes zero.
"""

from __future__ import annotations

from typing import Any

from mentorassess.reports._program_blocks import Block, _b, _table

__all__ = ["program_trajectory_blocks", "change_verdict"]

Z95 = 1.959963984540054


def _f(v: float) -> str:
    return f"{v:.1f}".replace("-", "−")


def _signed(v: float) -> str:
    r = round(v, 1)
    return ("+" if r > 0 else "") + _f(v) if r != 0 else "0.0"


def change_verdict(low: float, high: float) -> str:
    """``rise`` / ``fall`` when the change's 95% interval excludes zero, else ``no clear change``.

    >>> change_verdict(0.1, 0.5), change_verdict(-0.2, 0.3), change_verdict(-0.6, -0.1)
    ('rise', 'no clear change', 'fall')
    """
    return "rise" if low > 0 else "fall" if high < 0 else "no clear change"


def program_trajectory_blocks(trajectories: Any, instrument, wave: str | None) -> list[Block]:
    """The section's blocks, or nothing with fewer than two cycles of released program cells."""
    if trajectories is None:
        return []
    lo_s, hi_s = float(instrument.scale.min), float(instrument.scale.max)

    def _c(v: float) -> str:  # an interval limit, clipped to the scale for display
        return _f(min(max(v, lo_s), hi_s))
    pts = [p for p in trajectories.program if wave is None or p.wave == wave]
    cycles = [c for c in trajectories.order if any(p.cycle == c for p in pts)]
    if len(cycles) < 2:
        return []
    titles = {"overall": "Overall"} | {c.id: c.title for c in instrument.competencies}
    comp_ids = (["overall"] if len(instrument.competencies) > 1 else []) + [c.id for c in instrument.competencies]
    by = {(p.cycle, p.competency): p for p in pts}
    rows, words = [], []
    prev_c, cur_c = cycles[-2], cycles[-1]
    for cid in comp_ids:
        cells = []
        for c in cycles:
            p = by.get((c, cid))
            cells.append("–" if p is None else
                         f"{_f(p.mean)} ({_c(p.ci_low)}–{_c(p.ci_high)}), n={p.n_mentors}" if p.ci_low is not None
                         else _f(p.mean))
        a, b = by.get((prev_c, cid)), by.get((cur_c, cid))
        change = ""
        if a is not None and b is not None and a.se is not None and b.se is not None:
            d = b.mean - a.mean
            half = Z95 * (a.se ** 2 + b.se ** 2) ** 0.5
            lo, hi = d - half, d + half
            change = f"{_signed(d)} ({_f(lo)} to {_f(hi)})"
            v = change_verdict(lo, hi)
            if cid == "overall" or len(comp_ids) == 1 or v != "no clear change":
                what = {"rise": "rose", "fall": "fell", "no clear change": "changed"}[v]
                tail = ("; the interval excludes zero" if v != "no clear change"
                        else "; the interval includes zero, so there is no clear change")
                words.append(f"{titles.get(cid, cid)}: the program mean {what} from {_f(a.mean)} in {prev_c} to "
                             f"{_f(b.mean)} in {cur_c} ({_signed(d)}, 95% interval {_f(lo)} to {_f(hi)}){tail}.")
        rows.append([titles.get(cid, cid)] + cells + [change])
    n = len(cycles)
    first = 0.2
    w = (1 - first - 0.18) / n
    out: list[Block] = [_b("cond", height=260), _b("h2", "Across cycles"),
                        _b("small", "Program mean of mentors' mentee averages in each cycle, with its 95% interval and "
                                    "n, the number of mentors with released results, from the figures released in each cycle's summary only; "
                                    f"the last column is the change from {prev_c} to {cur_c} with its 95% interval. "
                                    "Different mentors and mentees take part in different cycles.")]
    out.append(_table(["Competency"] + cycles + [f"Change {prev_c} to {cur_c}"], rows,
                      [first] + [w] * n + [0.18], tuple(range(1, n + 2))))
    if words:
        out += [_b("bullet_small", t) for t in words]
    if len(comp_ids) > 1 and not [t for t in words if not t.startswith("Overall:")]:
        out.append(_b("small", "No competency changed clearly: each change's interval includes zero."))
    return out
