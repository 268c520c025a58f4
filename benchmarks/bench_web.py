"""`mentorassess serve`: time from the first upload to the zip in hand, against `mentorassess run`.

The journey goes through the app's HTTP interface in process (Starlette's TestClient, no browser):
create the program, upload the roster, the Qualtrics mentee CSV and the Qualtrics self XLSX, save
the self export's mapping through the mapping form (N/A coded 8), run, download the zip. The
baseline is ``run_program`` on the same files with the equivalent ``program.yaml`` (what the CLI
does), in the same process, so the ratio is the app's overhead (uploads, audits, zip).

Usage::

    python benchmarks/bench_web.py --mentors 500
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _data(folder: Path, mentors: int | None) -> Path:
    if mentors is None:
        return ROOT / "data" / "sample"
    from datagen import consortium_exports

    consortium_exports(folder, n_mentors=mentors)
    return folder


def web_journey(data: Path, workspace: Path) -> tuple[float, int]:
    """Seconds from the first export upload to the zip's bytes, and the zip's size."""
    from starlette.testclient import TestClient

    from mentorassess.web.app import create_app

    app = create_app(workspace, token="bench", max_upload=500 * 1024 * 1024)
    c = TestClient(app, base_url="http://127.0.0.1")
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/?token=bench").text).group(1)
    r = c.post("/programs", data={"csrf": csrf, "program": "Benchmark", "instrument": "mca-26", "min_raters": "3",
                                  "comments": "on", "report_date": "2026-06-30", "wave_id_0": "pre",
                                  "wave_type_0": "pre", "wave_id_1": "post", "wave_type_1": "post"})
    pid = str(r.url).rstrip("/").split("/")[-1]
    c.post(f"/p/{pid}/roster", data={"csrf": csrf}, files={"roster": ("roster.csv", (data / "roster.csv").read_bytes())})
    t0 = time.perf_counter()
    c.post(f"/p/{pid}/exports", data={"csrf": csrf, "role": "mentee"},
           files=[("exports", ("qualtrics_mentee.csv", (data / "qualtrics_mentee.csv").read_bytes()))])
    r = c.post(f"/p/{pid}/exports", data={"csrf": csrf, "role": "self"},
               files=[("exports", ("qualtrics_self.xlsx", (data / "qualtrics_self.xlsx").read_bytes()))])
    eid = str(r.url).split("/")[-1]
    page = c.get(f"/p/{pid}/exports/{eid}/mapping").text
    form = {"csrf": csrf, "role": "self", "newcode_0": "8", "newvalue_0": "na"}
    for m in re.finditer(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        sel = re.search(r'<option value="([^"]*)" selected', m.group(2))
        form.setdefault(m.group(1), sel.group(1) if sel else "")
    c.post(f"/p/{pid}/exports/{eid}/mapping", data=form)
    c.post(f"/p/{pid}/run", data={"csrf": csrf})
    state = app.state.runs.wait(pid)
    if state.status != "done":
        raise RuntimeError(f"the run failed: {state.error}")
    z = c.get(f"/p/{pid}/download/reports.zip")
    if z.status_code != 200:
        raise RuntimeError(f"download failed: {z.status_code}")
    return time.perf_counter() - t0, len(z.content)


def cli_run(data: Path, out: Path) -> float:
    from mentorassess.pipeline import run_program

    cfg = out.parent / "program.yaml"
    cfg.write_text(f"program: Benchmark\ninstrument: mca-26\nroster: {data / 'roster.csv'}\nreport_date: 2026-06-30\n"
                   f"waves: [pre, post]\nexports:\n  - {{path: {data / 'qualtrics_mentee.csv'}, role: mentee}}\n"
                   f"  - {{path: {data / 'qualtrics_self.xlsx'}, role: self, "
                   f"mapping: {data / 'qualtrics_self.mapping.yaml'}}}\n", encoding="utf-8")
    t0 = time.perf_counter()
    run_program(cfg, out=out)
    return time.perf_counter() - t0


def measure(mentors: int | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = _data(tmp / "data", mentors)
        (tmp / "cli").mkdir()
        base = cli_run(data, tmp / "cli" / "out")
        t, size = web_journey(data, tmp / "workspace")
    label = "sample program (40 mentors)" if mentors is None else f"{mentors:,} mentors"
    return {"name": f"serve: upload to zip, {label}", "seconds": t, "baseline": "mentorassess run (run_program)",
            "baseline_seconds": base, "ratio": t / base, "note": f"zip of {size / 1e6:.1f} MB; in-process HTTP client"}


def run(quick: bool = False) -> list[dict]:
    if quick:  # CI: only check that the journey runs, on a small generated program
        return [measure(12)]
    return [measure(None), measure(500)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mentors", type=int, default=None, help="a generated program of this size (default: the sample)")
    args = ap.parse_args()
    r = measure(args.mentors)
    print(f"{r['name']}: {r['seconds']:.1f} s; {r['baseline']}: {r['baseline_seconds']:.1f} s "
          f"(ratio {r['ratio']:.2f}); {r['note']}")


if __name__ == "__main__":
    main()
