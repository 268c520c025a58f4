"""The HTML twin of a feedback report: the same blocks as the PDF, as accessible HTML.

One self-contained file (no scripts, no external resources): ``lang`` set, one ``h1`` and nested
``h2``/``h3`` headings, landmarks (header, main, footer), tables with a caption and column headers,
the chart as inline SVG with ``<title>``/``<desc>`` (and the same numbers in the table after it).
Checked with axe-core (WCAG 2.1 A/AA) in headless Chromium by ``tests/test_feedback_html.py``.

Examples
--------
>>> from mentorassess.reports.html import esc
>>> esc('<b> & "x"')
'&lt;b&gt; &amp; &quot;x&quot;'
"""

from __future__ import annotations

import html as _html
import textwrap
from functools import lru_cache
from typing import Any

__all__ = ["feedback_html", "esc"]

_CSS = """
body{font-family:"DejaVu Sans",Verdana,sans-serif;color:#1a1a1a;background:#fff;max-width:46rem;margin:1.5rem auto;
padding:0 1rem;line-height:1.45;font-size:1rem}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.25rem;margin:1.4rem 0 .4rem}h3{font-size:1.05rem;margin:1rem 0 .3rem}
.lead{font-weight:bold;margin:0}.subtitle,.small{color:#4a4a4a}.small{font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 .8rem;font-size:.92rem}
caption{text-align:left;font-weight:bold;padding:.2rem 0}
th,td{border-bottom:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#eef1f5}td.num{text-align:right}
.box{background:#f3f4f6;border-left:4px solid #4477aa;padding:.4rem .9rem;margin:.8rem 0}
figure{margin:.6rem 0}svg{max-width:100%;height:auto}
footer{border-top:1px solid #bbb;margin-top:2rem;color:#4a4a4a;font-size:.9rem}
"""


def esc(text: Any) -> str:
    """HTML-escape text (quotes too)."""
    return _html.escape(str(text), quote=True)


def _svg(chart: Any, ident: str) -> str:
    """The dot plot as inline SVG: a text alternative in <title>/<desc>, shapes as in the PDF."""
    rows = chart.rows
    # a row with a note (a competency whose mentee figures are withheld) gets a third line under its label
    w, label_w, row_h, top = 680, 210, 42 if any(r.note for r in rows) else 34, 34
    x0, x1 = label_w + 10, w - 16
    lo, hi = chart.scale_min, chart.scale_max

    def x(v: float) -> float:
        v = min(max(float(v), lo), hi)
        return x0 + (v - lo) / ((hi - lo) or 1) * (x1 - x0)

    h = top + row_h * len(rows) + 44
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
           f'aria-labelledby="{ident}-t {ident}-d"><title id="{ident}-t">{esc(chart.title)}</title>'
           f'<desc id="{ident}-d">{esc(chart.description)}</desc>']
    # legend: only the marks the chart draws (as the PDF's)
    entries = [(60, '<polygon points="{a},14 {b},8 {c},14 {b},20" fill="#fff" stroke="#222" stroke-width="1.5"/>'
                    '<text x="{t}" y="18">you</text>', 4, 22)] if any(r.self_score is not None for r in rows) else []
    if any(r.mean is not None for r in rows):
        entries += [(168, '<circle cx="{a}" cy="14" r="5" fill="#4477aa"/>'
                          '<text x="{t}" y="18">your mentees\' average</text>', 10, 20),
                    (134, '<rect x="{a}" y="9" width="14" height="9" fill="#c5d5e8"/>'
                          '<text x="{t}" y="18">plausible range</text>', 10, 30)]
    if any(r.band_low is not None for r in rows):
        entries.append((0, '<rect x="{a}" y="6" width="14" height="14" fill="#dddddd"/>'
                           '<text x="{t}" y="18">middle half of mentors (their mentees\' ratings)</text>', 10, 30))
    parts, ox = [], 0
    for width, svg, mark, text in entries:
        parts.append(svg.format(a=ox + mark, b=ox + mark + 6, c=ox + mark + 12, t=ox + text))
        ox += width
    out.append('<g font-size="12" fill="#1a1a1a">' + "".join(parts) + '</g>')
    out.append(_axis_svg(lo, hi, x0, x1, top, row_h, len(rows), tuple(chart.anchors), x))
    for i, r in enumerate(rows):
        yc = top + row_h * i + row_h / 2
        n_lines, tspans = _label_tspans(r.label)
        if r.note:  # as in the PDF: in italics under the label, inside the label column
            tspans += (f'<tspan x="0" dy="14" font-size="11" font-style="italic" fill="#4a4a4a">'
                       f'{esc(r.note)}</tspan>')
            n_lines += 1
        y0 = yc + 4 - 7 * (n_lines - 1)
        out.append(f'<text x="0" y="{y0:.1f}" font-size="12" fill="#1a1a1a">' + tspans + '</text>')
        if r.band_low is not None:
            out.append(f'<rect x="{x(r.band_low):.1f}" y="{yc - 12:.1f}" width="{x(r.band_high) - x(r.band_low):.1f}" '
                       'height="24" fill="#dddddd"/>')
        if r.mean is not None and r.low is not None:
            out.append(f'<rect x="{x(r.low):.1f}" y="{yc - 4:.1f}" width="{x(r.high) - x(r.low):.1f}" height="8" '
                       'fill="#c5d5e8"/>')
        ys = ym = yc
        if r.mean is not None and r.self_score is not None and abs(x(r.mean) - x(r.self_score)) < 11:
            ys, ym = yc - 6, yc + 5
        if r.mean is not None:
            out.append(f'<circle cx="{x(r.mean):.1f}" cy="{ym:.1f}" r="5.5" fill="#4477aa" stroke="#fff"/>')
        if r.self_score is not None:
            xs = x(r.self_score)
            out.append(f'<polygon points="{xs - 6:.1f},{ys:.1f} {xs:.1f},{ys - 6:.1f} {xs + 6:.1f},{ys:.1f} '
                       f'{xs:.1f},{ys + 6:.1f}" fill="#fff" stroke="#222" stroke-width="1.6"/>')
    out.append("</svg>")
    return "".join(out)


_AXES: dict[tuple, str] = {}


def _axis_svg(lo, hi, x0, x1, top, row_h, n_rows: int, anchors: tuple, x) -> str:
    """Gridlines, scale numbers and anchor labels of a chart (``x``: the chart's value-to-position map,
    fixed by ``lo``, ``hi``, ``x0`` and ``x1``): the same for every chart of that geometry, number of rows
    and anchors, so made once per process."""
    key = (lo, hi, type(lo), type(hi), x0, x1, top, row_h, n_rows, anchors)
    out = _AXES.get(key)
    if out is not None:
        return out
    parts = []
    for t in range(int(lo), int(hi) + 1):
        parts.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{top + row_h * n_rows}" '
                     'stroke="#e4e4e4"/>')
        parts.append(f'<text x="{x(t):.1f}" y="{top + row_h * n_rows + 16}" font-size="12" text-anchor="middle" '
                     f'fill="#1a1a1a">{t}</text>')
    for value, text in anchors:
        anchor = "start" if value == lo else "end" if value == hi else "middle"
        parts.append(f'<text x="{x(value):.1f}" y="{top + row_h * n_rows + 34}" font-size="11" '
                     f'text-anchor="{anchor}" fill="#4a4a4a">{esc(text)}</text>')
    if len(_AXES) >= 256:
        _AXES.clear()
    out = _AXES[key] = "".join(parts)
    return out


@lru_cache(maxsize=4096)
def _label_tspans(label: str) -> tuple[int, str]:
    """A chart row label wrapped to two lines at most (whole words, never cut mid-word): the number of
    lines and their ``<tspan>`` elements (once per distinct label of a process: labels recur)."""
    lines = textwrap.wrap(label, 30, max_lines=2, placeholder="…") or [""]
    return len(lines), "".join(f'<tspan x="0" dy="{0 if k == 0 else 14}">{esc(t)}</tspan>'
                               for k, t in enumerate(lines))


def feedback_html(doc: Any) -> str:
    """The HTML text of a :class:`~mentorassess.reports._document.Document` (deterministic)."""
    from mentorassess.reports._document import Box, Bullets, Chart, Heading, Para, Table

    d = doc.data
    parts: list[str] = []
    charts = 0
    main_started = False
    for blk in doc.blocks:
        if isinstance(blk, Heading):
            if blk.level == 1:
                parts.append(f"<header><h1>{esc(blk.text)}</h1>")
                continue
            if not main_started:
                parts.append("</header><main>")
                main_started = True
            parts.append(f"<h{blk.level}>{esc(blk.text)}</h{blk.level}>")
        elif isinstance(blk, Para):
            cls = f' class="{blk.style}"' if blk.style in ("lead", "subtitle", "small") else ""
            parts.append(f"<p{cls}>{esc(blk.text)}</p>")
        elif isinstance(blk, Bullets):
            items = "".join(f"<li>{esc(i.text if isinstance(i, Para) else i)}</li>" for i in blk.items)
            parts.append(f"<ul>{items}</ul>")
        elif isinstance(blk, Table):
            head = "".join(f'<th scope="col">{esc(h)}</th>' for h in blk.header)
            body = []
            for row in blk.rows:
                cells = [f'<th scope="row">{esc(row[0])}</th>'] + [
                    f'<td{" class=num" if j in blk.numeric else ""}>{esc(v)}</td>' for j, v in enumerate(row) if j]
                body.append("<tr>" + "".join(cells) + "</tr>")
            parts.append(f"<table><caption>{esc(blk.caption)}</caption><thead><tr>{head}</tr></thead>"
                         f"<tbody>{''.join(body)}</tbody></table>")
        elif isinstance(blk, Chart):
            charts += 1
            parts.append(f"<figure>{_svg(blk, f'chart{charts}')}<figcaption class=\"small\">The same numbers are in "
                         "the table of the “Your ratings in numbers” section.</figcaption></figure>")
        elif isinstance(blk, Box):
            paras = "".join(f"<p>{esc(p.text)}</p>" for p in blk.paras)
            parts.append(f'<section class="box" aria-label="{esc(blk.title)}"><h3>{esc(blk.title)}</h3>{paras}'
                         "</section>")
    if not main_started:
        parts.append("</header><main>")
    parts.append("</main>")
    foot = f"<footer><p>Confidential: prepared for {esc(d.mentor_name)}.</p></footer>"
    return (f'<!DOCTYPE html>\n<html lang="{esc(doc.lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(doc.title)}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n" + "\n".join(parts) + "\n" + foot + "\n</body>\n</html>\n")
