"""Tables of the psychometric report: EFA, CFA models and loadings, model CFA / invariance, agreement.

Each function takes one section of the JSON document (:mod:`mentorassess.stats.psych_document`)
and returns reportlab flowables. Nothing here computes a statistic beyond choosing which stored
values to print (blanking loadings below .30, adding up variance shares as psych prints them).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

__all__ = ["r2", "n2", "pct", "p_text", "reading_flowable", "efa_tables", "cfa_tables", "sem_extras",
           "agreement_tables"]


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _apa(v: Any, digits: int) -> str:
    if _nan(v):
        return "–"
    s = f"{float(v):.{digits}f}"
    s = s.replace("0.", ".", 1) if s.startswith(("0.", "-0.")) else s
    return s.replace("-", "−")


def r2(v: Any) -> str:
    """Two decimals without a leading zero (APA, for values bounded by 1): ".91", "−.05"."""
    return _apa(v, 2)


def n2(v: Any) -> str:
    return "–" if _nan(v) else f"{float(v):.2f}".replace("-", "−")


def n1(v: Any) -> str:
    return "–" if _nan(v) else f"{float(v):.1f}".replace("-", "−")


def r3(v: Any) -> str:
    """Three decimals without a leading zero, for small differences of fit indices: "−.004"."""
    return _apa(v, 3)


def pct(v: Any) -> str:
    return "–" if _nan(v) else f"{100 * float(v):.0f}%"


def p_text(v: Any) -> str:
    if _nan(v):
        return "–"
    return "< .001" if v < 0.001 else r2(v) if v >= 0.01 else f"{v:.3f}".lstrip("0")


def _title(code: Any) -> str:
    return "–" if code is None else str(code).replace("_", " ")


def reading_flowable(r: Any) -> Any:
    """A reading as a paragraph: 'Reading:' when it may be read, a shaded warning when it may not."""
    from mentorassess.reports.pdf import para, shaded_box

    if r is None:
        return para("", "small")
    if r.level == "not_valid":
        return shaded_box([para("Not valid: " + r.text, "box")])
    return para(("Reading (with caution): " if r.level == "caution" else "Reading: ") + r.text, "body")


def efa_tables(e: Mapping[str, Any], rules: Mapping[str, float], W: float, verdict: Any) -> list[Any]:
    """Pattern loadings with item labels and competencies, variance explained, factor correlations."""
    from reportlab.platypus import CondPageBreak, KeepTogether

    from mentorassess.reports.pdf import data_table, para

    out: list[Any] = [CondPageBreak(300), para(
        f"Exploratory factor analysis ({e['method']}, {e['rotation']} rotation, {e['n_factors']} factors)", "h2")]
    out.append(reading_flowable(verdict))  # the verdict before the table it concerns
    factors = [k for k in (e["loadings"][0].keys() if e["loadings"] else [])
               if k not in ("item", "label", "scale", "h2", "u2")]
    blank = rules["loading_blank_below"]

    def primary(row: Mapping[str, Any]) -> tuple[int, float]:
        vals = [abs(row[f]) if not _nan(row[f]) else 0 for f in factors]
        j = max(range(len(vals)), key=vals.__getitem__) if vals else 0
        return j, -vals[j] if vals else 0

    fw = min(0.075 * W, 0.455 * W / max(len(factors) + 1, 1))
    iw, cw = 0.32 * W, W - 0.32 * W - fw * (len(factors) + 1)
    rows = []
    for row in sorted(e["loadings"], key=primary):
        cells = [r2(row[f]) if not _nan(row[f]) and abs(row[f]) >= blank else "" for f in factors]
        rows.append([f"{row['item']} {row.get('label') or ''}".strip(), _title(row.get("scale"))] + cells
                    + [r2(row["h2"])])
    out.append(data_table(["Item", "Competency"] + factors + ["h²"], rows, [iw, cw] + [fw] * (len(factors) + 1),
                          numeric_cols=tuple(range(2, len(factors) + 3))))
    var = e.get("variance") or []
    if var:
        ss = [v["ss_loadings"] for v in var]
        prop = [v["proportion_var"] for v in var]
        cum = [sum(prop[:i + 1]) for i in range(len(prop))]
        vrows = [["SS loadings"] + [n2(v) for v in ss], ["Proportion Var"] + [r2(v) for v in prop],
                 ["Cumulative Var"] + [r2(v) for v in cum]]
        if len(var) > 1:
            expl = [v["proportion_explained"] for v in var]
            vrows += [["Proportion Explained"] + [r2(v) for v in expl],
                      ["Cumulative Proportion"] + [r2(sum(expl[:i + 1])) for i in range(len(expl))]]
        lw = W - fw * len(factors)
        out.append(KeepTogether([para("Variance explained", "h3"),
                                 data_table([""] + factors, vrows, [lw] + [fw] * len(factors),
                                            numeric_cols=tuple(range(1, len(factors) + 1)))]))
    out.append(para(f"Note. Pattern loadings; items sorted by their largest loading; |loading| < {r2(blank)} blanked; "
                    "h²: communality. Variance explained as psych::fa prints it (SS loadings of the rotated "
                    f"factors; with oblique factors they overlap). N = {e['n_obs']}."
                    + (f" Heywood items: {', '.join(e['heywood_items'])}." if e["heywood_items"] else ""), "small"))
    phi = e.get("factor_correlations") or []
    if phi:
        r = {(p["factor1"], p["factor2"]): p["r"] for p in phi}
        prow = [[a] + [r2(r.get((a, b))) if i > j else ("1" if i == j else "") for j, b in enumerate(factors)]
                for i, a in enumerate(factors)]
        out.append(KeepTogether([para("Factor correlations", "h3"),
                                 data_table(["Factor"] + factors, prow, [0.12 * W] + [fw] * len(factors),
                                            numeric_cols=tuple(range(1, len(factors) + 1)))]))
    return out


def _fit_cells(m: Mapping[str, Any]) -> list[str]:
    if _nan(m.get("chisq")):
        return [m.get("reason") or "not fitted"]
    return [str(int(m["n_obs"])) if not _nan(m.get("n_obs")) else "–", n2(m["chisq"]), f"{m['df']:.0f}",
            r2(m["cfi"]), r2(m["tli"]), f"{r2(m['rmsea'])} [{r2(m['rmsea_ci_low'])}, {r2(m['rmsea_ci_high'])}]",
            r2(m["srmr"]), f"{m['aic']:.0f}" if not _nan(m.get("aic")) else "–",
            f"{m['bic']:.0f}" if not _nan(m.get("bic")) else "–"]


_LABEL = {"one_factor": "One factor", "correlated": "Correlated factors", "second_order": "Second-order factor"}


def cfa_tables(c: Mapping[str, Any], W: float, readings: Mapping[str, Any]) -> list[Any]:
    """This program next to the published fit, the three-model comparison, standardised loadings."""
    from reportlab.platypus import CondPageBreak, KeepTogether, Table

    from mentorassess.reports.pdf import data_table, para

    models = {m["model"]: m for m in c.get("models") or []}
    out: list[Any] = []
    corr = models.get("correlated")
    if corr is not None and not _nan(corr.get("chisq")):
        out += [CondPageBreak(260), para("Confirmatory factor analysis: this program next to the published fit", "h2")]
        if readings.get("cfa") is not None:
            out.append(reading_flowable(readings["cfa"]))
        hdr = ["Sample", "N", "χ²", "df", "CFI", "TLI", "RMSEA [90% CI]", "SRMR"]
        rows = [["This program"] + _fit_cells(corr)[:7]]
        for p in c.get("published") or []:
            rows.append([f"Published ({p.get('source') or ''}, {p.get('form')} form)",
                         "–" if _nan(p.get("n")) else f"{p['n']:.0f}", n2(p.get("chisq")),
                         "–" if _nan(p.get("df")) else f"{p['df']:.0f}", r2(p.get("cfi")), r2(p.get("tli")),
                         f"{r2(p.get('rmsea'))} [{r2(p.get('rmsea_ci_low'))}, {r2(p.get('rmsea_ci_high'))}]",
                         r2(p.get("srmr"))])
        out.append(data_table(hdr, rows, [0.3 * W, 0.07 * W, 0.1 * W, 0.06 * W, 0.08 * W, 0.08 * W, 0.2 * W, 0.11 * W],
                              numeric_cols=(1, 2, 3, 4, 5, 6, 7)))
        out.append(para("Note. Correlated competencies; ML estimation, listwise deletion (lavaan's defaults). Hu & "
                        "Bentler (1999) cut-offs CFI/TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 are guides, not pass/fail "
                        "rules (Marsh, Hau & Wen 2004); TLI and RMSEA over-reject at small N; compare with the "
                        "published figures rather than with the cut-offs alone.", "small"))
    if len(models) > 1:
        out += [CondPageBreak(200), para("One factor, correlated competencies or a second-order factor?", "h2")]
        if readings.get("models") is not None:
            out.append(reading_flowable(readings["models"]))
        rows = []
        spans = []
        for i, name in enumerate(("one_factor", "correlated", "second_order")):
            m = models.get(name)
            if m is None:
                continue
            cells = _fit_cells(m)
            if len(cells) == 1:
                spans.append(len(rows) + 1)
                cells = cells + [""] * 8
            rows.append([{"correlated": "Correlated", "second_order": "Second order"}.get(name, _LABEL[name])]
                        + cells)
        widths = [0.17 * W, 0.06 * W, 0.09 * W, 0.06 * W, 0.065 * W, 0.065 * W, 0.215 * W, 0.08 * W, 0.08 * W, 0.08 * W]
        t = data_table(["Model", "N", "χ²", "df", "CFI", "TLI", "RMSEA [90% CI]", "SRMR", "AIC", "BIC"], rows, widths,
                       numeric_cols=tuple(range(1, 10)))
        if spans and isinstance(t, Table):
            t.setStyle([("SPAN", (1, r), (-1, r)) for r in spans] + [("ALIGN", (1, r), (-1, r), "LEFT") for r in spans])
        out.append(t)
        out.append(para("Note. Same data and estimator for the three models (ML, listwise). The second-order model "
                        "replaces the competency correlations by loadings on one general factor; with 3 competencies "
                        "it fits exactly as the correlated model, with fewer it is not identified. AIC/BIC: lower is "
                        "better (same data). Improper solutions (Heywood cases) are listed in the notes at the end.",
                        "small"))
    load = c.get("loadings") or []
    names = [n for n in ("one_factor", "correlated", "second_order")
             if n in models and not _nan(models[n].get("chisq"))]
    if load and names:  # no table of empty columns when no model could be fitted
        rows = [[f"{r['item']} {r.get('label') or ''}".strip(), _title(r.get("scale"))] + [r2(r.get(n)) for n in names]
                for r in load]
        mw = 0.13 * W
        short = {"one_factor": "1 factor", "correlated": "Correlated", "second_order": "2nd order"}
        head = para("Standardised CFA loadings", "h3")
        head.keepWithNext = False  # a long table: it starts under its heading and may split
        out += [CondPageBreak(200), head]
        out.append(data_table(["Item", "Competency"] + [short[n] for n in names], rows,
                              [0.4 * W, W - 0.4 * W - mw * len(names)] + [mw] * len(names),
                              numeric_cols=tuple(range(2, 2 + len(names)))))
        hi = c.get("higher_order") or []
        text = ("Note. Completely standardised loadings (lavaan std.all): the correlation of the item with its "
                "factor. Values above 1 signal an improper solution.")
        if hi:
            text += " Competencies on the second-order factor: " + "; ".join(
                f"{_title(h['factor'])} {r2(h['std_all'])}" for h in hi) + "."
        out.append(KeepTogether([para(text, "small")]))
    return out


def sem_extras(sec: Mapping[str, Any], invariance: list, W: float) -> list[Any]:
    """Model CFA (other estimator or model syntax) and measurement invariance, when computed."""
    from reportlab.platypus import CondPageBreak

    from mentorassess.reports.pdf import data_table, para

    out: list[Any] = []
    m = sec.get("cfa_model")
    if m:
        out += [CondPageBreak(160), para("Model CFA (estimator and model as requested)", "h2")]
        fm = m.get("fit_measures") or m.get("fit") or {}  # ML/MLR/FIML fits, or the WLSMV fit
        wlsmv = str(m.get("estimator")).upper() == "WLSMV"
        rob = ".scaled" if wlsmv else ("" if _nan(fm.get("cfi.robust")) else ".robust")
        df = m.get("df", fm.get("df"))
        how = "listwise, delta" if wlsmv else m.get("missing")
        rows = [[f"{sec.get('form') or '–'} / {sec.get('wave') or '–'}", f"{m.get('estimator')}, {how}",
                 str(m.get("n_obs")), n2(fm.get("chisq")), n2(fm.get("chisq.scaled")),
                 "–" if _nan(df) else f"{df:.0f}",
                 r2(fm.get("cfi" + rob)), r2(fm.get("tli" + rob)), r2(fm.get("rmsea" + rob)), r2(fm.get("srmr"))]]
        out.append(data_table(["Form / wave", "Estimator", "N", "χ²", "χ² scaled", "df", "CFI", "TLI", "RMSEA", "SRMR"],
                              rows, [0.16 * W, 0.15 * W, 0.07 * W, 0.1 * W, 0.1 * W, 0.06 * W, 0.08 * W, 0.08 * W,
                                     0.1 * W, 0.1 * W], numeric_cols=(2, 3, 4, 5, 6, 7, 8, 9)))
        out.append(para("Note. MLR: Yuan-Bentler scaled χ² and robust CFI/TLI/RMSEA (Brosseau-Liard & Savalei); "
                        "FIML: full-information ML under MAR; WLSMV: polychoric correlations, scaled-shifted χ² and "
                        "scaled CFI/TLI/RMSEA (as lavaan).", "small"))
    for inv in invariance or []:
        out += [CondPageBreak(180), para(f"Measurement invariance: {inv.get('label')}", "h2")]
        rows = []
        for st in inv.get("steps") or []:
            rows.append([st["model"], n1(st["chisq"]), f"{st['df']:.0f}", r2(st["cfi"]), r2(st["rmsea"]), r2(st["srmr"]),
                         n1(st.get("chisq_diff")), "–" if _nan(st.get("df_diff")) else f"{st['df_diff']:.0f}",
                         p_text(st.get("pvalue_diff")), r3(st.get("delta_cfi")), r3(st.get("delta_rmsea")),
                         (st.get("decision") or "–").replace(" (Chen 2007)", "")])
        out.append(data_table(["Model", "χ²", "df", "CFI", "RMSEA", "SRMR", "Δχ²", "Δdf", "p", "ΔCFI", "ΔRMSEA", "Decision"],
                              rows, [0.11 * W, 0.09 * W, 0.065 * W, 0.06 * W, 0.09 * W, 0.08 * W, 0.085 * W,
                                     0.06 * W, 0.055 * W, 0.075 * W, 0.11 * W, 0.115 * W],
                              numeric_cols=tuple(range(1, 11))))
        if inv.get("rule"):  # ordinal (WLSMV): its own rule and notes
            extra = "".join(f" {n[0].upper()}{n[1:].rstrip('.')}." for n in inv.get("notes") or [])
            out.append(para(f"Note. {inv.get('design')}, N = {inv.get('n')}. {inv['rule']}.{extra}", "small"))
        else:
            out.append(para(f"Note. {inv.get('design')}, {inv.get('estimator')}; difference tests against the previous "
                            "model (Satorra-Bentler 2001 scaled for MLR). A step fails when ΔCFI ≤ −.010 together with "
                            "ΔRMSEA ≥ .015 or ΔSRMR ≥ .030 (loadings) / .010 (intercepts, residuals) (Chen 2007).",
                            "small"))
    return out


def agreement_tables(agreement: list, labels: Mapping[str, str], W: float) -> list[Any]:
    """ICC(1), ICC(2) and rwg(j) per competency, then ICC(1), ICC(2) and rwg per item, per wave."""
    from reportlab.platypus import CondPageBreak

    from mentorassess.reports.pdf import data_table, para

    out: list[Any] = []
    for ag in agreement or []:
        out += [CondPageBreak(220), para(f"Agreement among a mentor's raters ({ag['role']}, wave {ag['wave']})", "h2")]
        rows = [[_title(a["scale"]), f"{a['n_ratings']:.0f}" if not _nan(a["n_ratings"]) else "–",
                 f"{a['mentors']:.0f}" if not _nan(a["mentors"]) else "–", r2(a["icc1"]), r2(a["icc2"]),
                 r2(a["rwg_j_median"]), str(a["rwg_mentors"])] for a in ag["scales"]]
        cols = [0.31 * W, 0.1 * W, 0.11 * W, 0.1 * W, 0.1 * W, 0.14 * W, 0.14 * W]
        out.append(data_table(["Scale", "Ratings", "Mentors", "ICC(1)", "ICC(2)", "rwg(j) Mdn", "Mentors (rwg)"],
                              rows, cols, numeric_cols=(1, 2, 3, 4, 5, 6)))
        out.append(para(f"Note. One-way random effects, raters nested in mentors, unbalanced (as psych::statsBy). "
                        "ICC(1): share of rating variance due to the mentor; ICC(2): reliability of a mentor's mean "
                        "over the average number of raters. rwg(j): within-mentor agreement on the scale's items "
                        f"against a uniform null (variance {n2(ag['null_variance'])}; multilevel::rwg.j), median over "
                        f"the mentors with at least {ag['min_raters']} raters.", "small"))
        ov = [a for a in ag["scales"] if a["scale"] == "overall" and not _nan(a["icc1"])]
        if ov:
            out.append(para(f"Reading: ICC(1) = {r2(ov[0]['icc1'])} for the overall score: raters of the same mentor "
                            "agree only partly, so a mean from three raters is a rough signal, which is why feedback "
                            "reports show it with an interval.", "body"))
        irows = [[f"{a['item']} {labels.get(a['item'], '')}".strip(), _title(a["scale"]), r2(a["icc1"]),
                  r2(a["icc2"]), r2(a["rwg_median"])] for a in ag["items"]]
        head = para("Item-level agreement", "h3")
        table = data_table(["Item", "Competency", "ICC(1)", "ICC(2)", "rwg Mdn"], irows,
                           [0.42 * W, 0.25 * W, 0.11 * W, 0.11 * W, 0.11 * W], numeric_cols=(2, 3, 4))
        head.keepWithNext = False
        out += [CondPageBreak(160), head, table,
                para("Note. rwg: agreement of a mentor's raters on the item against a uniform null (multilevel::rwg), "
                     "median over mentors; items with low ICC(1) and high rwg are rated alike for every mentor "
                     "(they separate mentors little).", "small")]
    return out
