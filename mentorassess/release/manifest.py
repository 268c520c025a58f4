"""The distribution manifest: which file goes to whom, with its SHA-256, verified before delivery.

Staff send reports from the manifest, not from a folder listing. Each row names the mentor (id,
name, e-mail from the roster), the wave, the file and its SHA-256; every feedback PDF also carries
its recipient's id in its metadata (a ``recipient=<id>`` keyword, the id percent-encoded), so
:func:`verify_manifest` can check, before anything is sent, that each file is unchanged and is
addressed to the mentor its row names. ``manifest.json`` is the authority; ``manifest.csv`` is the
same rows for a mail merge, and a copy that differs from the JSON is reported too.

Examples
--------
>>> recipient_keyword("M 01/x")
'recipient=M%2001%2Fx'
>>> read_recipient(b"<< /Keywords (mentoring, recipient=M%2001%2Fx) >>")
'M 01/x'
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path, PurePath
from typing import Any, Iterable, Mapping
from urllib.parse import quote, unquote

from mentorassess._safe import escape_cell
from mentorassess.errors import ConfidentialityError, Problem
from mentorassess.release.filenames import filename_key, is_missing, write_new

__all__ = ["ManifestEntry", "Manifest", "ManifestCheck", "build_manifest", "write_manifest", "read_manifest",
           "verify_manifest", "recipient_keyword", "read_recipient", "sha256_file", "MANIFEST_CSV",
           "MANIFEST_JSON", "roster_emails", "refuse_earlier_release"]

MANIFEST_CSV = "manifest.csv"
MANIFEST_JSON = "manifest.json"
RECIPIENT = "recipient="
_FORMAT = "mentorassess report manifest"


def recipient_keyword(mentor_id: Any) -> str:
    """The PDF keyword naming a report's recipient: ``recipient=`` and the percent-encoded id."""
    return RECIPIENT + quote(str(mentor_id), safe="")


_KEYWORDS = re.compile(rb"/Keywords\s*(\(|<)")
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def _pdf_string(data: bytes, start: int, opener: bytes) -> bytes:
    """The bytes of the PDF string starting just after ``opener`` at ``start``."""
    if opener == b"<":
        end = data.index(b">", start)
        hexes = re.sub(rb"\s", b"", data[start:end])
        return bytes.fromhex((hexes + b"0" * (len(hexes) % 2)).decode("ascii"))
    out, depth, i = bytearray(), 1, start
    while i < len(data):
        c = data[i]
        if c == 0x5C:  # backslash
            nxt = data[i + 1]
            if 0x30 <= nxt <= 0x37:
                m = re.match(rb"[0-7]{1,3}", data[i + 1:i + 4])
                out.append(int(m.group(), 8) & 0xFF)
                i += 1 + len(m.group())
                continue
            if nxt in (0x0A, 0x0D):  # line continuation
                i += 2
                continue
            out += _ESCAPES.get(nxt, bytes([nxt]))
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out)
        out.append(c)
        i += 1
    raise ValueError("unterminated string")


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    return raw.decode("latin-1")


def read_recipient(pdf: bytes) -> str | None:
    """The recipient id embedded in a PDF's keywords; None if absent or ambiguous.

    Every ``/Keywords`` entry of the file is read (an incremental update could add a second info
    dictionary); they must agree on a single recipient.
    """
    found = set()
    for m in _KEYWORDS.finditer(pdf):
        try:
            text = _decode(_pdf_string(pdf, m.end(), m.group(1)))
        except (ValueError, IndexError, AttributeError):
            return None
        for word in text.split(","):
            word = word.strip()
            if word.startswith(RECIPIENT):
                found.add(unquote(word[len(RECIPIENT):]))
    return found.pop() if len(found) == 1 else None


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class ManifestEntry:
    """One file to distribute: to whom (``mentor_id`` is also the id embedded in the PDF)."""

    mentor_id: str
    name: str
    email: str
    wave: str
    file: str
    sha256: str
    bytes: int


_COLUMNS = [f.name for f in fields(ManifestEntry)]


@dataclass(frozen=True)
class Manifest:
    """Every file of one release, in release order.

    Examples
    --------
    >>> m = Manifest((ManifestEntry("M1", "Ana", "ana@example.org", "post", "m1_ana_post.pdf", "ab" * 32, 10),))
    >>> m.to_frame()[["mentor_id", "file"]].values.tolist()
    [['M1', 'm1_ana_post.pdf']]
    >>> Manifest.from_json(m.to_json()) == m
    True
    """

    entries: tuple[ManifestEntry, ...]

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([[getattr(e, c) for c in _COLUMNS] for e in self.entries], columns=_COLUMNS)

    def to_csv(self) -> str:
        """CSV text (UTF-8, ``\\n``), cells guarded against formula injection."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(_COLUMNS)
        for e in self.entries:
            w.writerow([escape_cell(getattr(e, c)) for c in _COLUMNS])
        return buf.getvalue()

    def to_json(self) -> str:
        doc = {"format": _FORMAT, "version": 1, "files": [asdict(e) for e in self.entries]}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT or not isinstance(doc.get("files"), list):
            raise ValueError("not a mentorassess report manifest")
        entries = []
        for row in doc["files"]:
            entries.append(ManifestEntry(**{c: (int(row[c]) if c == "bytes" else str(row[c])) for c in _COLUMNS}))
        return cls(tuple(entries))


def build_manifest(folder: str | Path, reports: Iterable[Any], *, emails: Mapping[str, Any] | None = None,
                   digests: Mapping[str, tuple[str, int]] | None = None) -> Manifest:
    """Hash the written files of ``reports`` (``ReportName``-like: mentor_id, name, wave, file) in ``folder``.

    ``emails`` maps mentor ids to e-mail addresses (from the roster); missing ones stay empty.
    ``digests`` maps a file name to the ``(SHA-256, size)`` of the bytes its writer wrote (the
    feedback workers compute them from the bytes in memory); a file not in it is hashed from disk.
    Either way :func:`verify_manifest` then re-reads every file and refuses one that differs.
    """
    folder = Path(folder)
    emails = emails or {}
    digests = digests or {}
    out = []
    for r in reports:
        known = digests.get(r.file)
        if known is None:
            path = folder / r.file
            known = (sha256_file(path), path.stat().st_size)
        email = emails.get(str(r.mentor_id))
        email = "" if is_missing(email) else str(email).strip()
        out.append(ManifestEntry(mentor_id=str(r.mentor_id), name=str(r.name), email=email, wave=str(r.wave),
                                 file=r.file, sha256=known[0], bytes=int(known[1])))
    return Manifest(tuple(out))


def digest(data: bytes) -> tuple[str, int]:
    """``(SHA-256 as hex, size)`` of bytes about to be written (see ``build_manifest(digests=...)``)."""
    return hashlib.sha256(data).hexdigest(), len(data)


def write_manifest(manifest: Manifest, folder: str | Path) -> tuple[Path, Path]:
    """Write ``manifest.csv`` and ``manifest.json`` into ``folder`` (exclusive creation)."""
    folder = Path(folder)
    return (write_new(folder / MANIFEST_CSV, manifest.to_csv().encode("utf-8")),
            write_new(folder / MANIFEST_JSON, manifest.to_json().encode("utf-8")))


def read_manifest(folder: str | Path) -> Manifest:
    """Read ``manifest.json`` from ``folder``."""
    path = Path(folder) / MANIFEST_JSON
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfidentialityError("the report manifest cannot be read", file=str(path),
                                   hint="write the reports again; do not send files without a manifest") from exc


def _read_one(path: str) -> tuple[str, str | None] | str | None:
    """A listed file read once: its SHA-256 and, for a PDF, the recipient embedded in it; None when
    there is no such file, the reason as text when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError as exc:
        if not os.path.isfile(path):
            return None
        return exc.strerror or type(exc).__name__
    return hashlib.sha256(data).hexdigest(), read_recipient(data) if _is_pdf(path) else None


def _plain_name(name: str) -> bool:
    """A bare file name: no folder part, not empty, ``.`` or ``..``."""
    return name == Path(name).name and name not in ("", ".", "..")


def _is_pdf(name: str) -> bool:
    """``Path(name).suffix.lower() == ".pdf"`` (the cheap test first)."""
    return name[-4:].lower() == ".pdf" and PurePath(name).suffix.lower() == ".pdf"


def _read_all(folder: Path, files: list[str]) -> list[tuple[str, str | None] | str | None]:
    """Each file of ``files`` through :func:`_read_one`, in order (one thread: measured on 8,000
    reports, two threads were no faster, the reads of small files holding the GIL)."""
    base = os.fspath(folder)
    return [_read_one(os.path.join(base, f)) for f in files]


@dataclass(frozen=True)
class ManifestCheck:
    """What :func:`verify_manifest` checked: files listed, files verified, problems found."""

    folder: Path
    listed: int
    verified: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([p.to_dict() for p in self.problems],
                            columns=["code", "severity", "message", "file", "line", "row", "column", "loc",
                                     "value", "hint"])


def verify_manifest(folder: str | Path, *, strict: bool = True) -> ManifestCheck:
    """Re-hash every listed file, check each PDF's embedded recipient, and look for unlisted reports.

    Parameters
    ----------
    folder : path
        The folder holding the reports and ``manifest.json`` (and usually ``manifest.csv``).
    strict : bool
        Raise when anything is wrong (default); else return the problems.

    Raises
    ------
    ConfidentialityError
        Listing every problem: a missing or changed file, a PDF addressed to someone else, a file
        listed twice, a PDF in the folder that the manifest does not list, a ``manifest.csv`` that
        differs from ``manifest.json``.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    verified = 0
    first = {}   # each plain file name's first listing: the one that is read and checked
    for i, e in enumerate(manifest.entries):
        if _plain_name(e.file):
            first.setdefault(filename_key(e.file), i)
    reads = dict(zip(first.values(), _read_all(folder, [manifest.entries[i].file for i in first.values()])))
    for row, e in enumerate(manifest.entries, 1):
        where = dict(file=str(Path(MANIFEST_JSON)), row=row, value=e.mentor_id)
        if not _plain_name(e.file):
            problems.append(Problem(f"{e.file!r} is not a plain file name", column="file", code="manifest-path",
                                    **where))
            continue
        key = filename_key(e.file)
        if key in seen:
            problems.append(Problem(f"{e.file} is listed twice (first in row {seen[key]})", column="file",
                                    code="manifest-duplicate", **where))
            continue
        seen[key] = row
        found = reads[row - 1]
        if found is None:
            problems.append(Problem(f"{e.file} is missing", column="file", code="manifest-missing", **where))
            continue
        if isinstance(found, str):
            problems.append(Problem(f"{e.file} cannot be read ({found})", column="file", code="manifest-unreadable",
                                    hint="check the folder's permissions, then verify again", **where))
            continue
        if found[0] != e.sha256:
            problems.append(Problem(f"{e.file} has changed since it was written (SHA-256 differs)", column="sha256",
                                    code="manifest-changed", hint="write the reports again", **where))
            continue
        if _is_pdf(e.file):
            got = found[1]
            if got != e.mentor_id:
                problems.append(Problem(f"{e.file} is addressed to {got!r}, not to {e.mentor_id!r}",
                                        column="mentor_id", code="manifest-recipient",
                                        hint="do not send it; write the reports again", **where))
                continue
        verified += 1
    listed = set(seen)
    with os.scandir(folder) as entries:   # names first (cheap); Paths only for the few reported
        stray = [e.name for e in entries if _is_pdf(e.name) and e.is_file() and filename_key(e.name) not in listed]
    for p in sorted(folder / name for name in stray):
        problems.append(Problem(f"{p.name} is not in the manifest", file=str(p.name), code="manifest-unlisted",
                                hint="only send files the manifest lists"))
    csv_path = folder / MANIFEST_CSV
    if csv_path.exists() and csv_path.read_bytes() != manifest.to_csv().encode("utf-8"):
        problems.append(Problem("manifest.csv differs from manifest.json", file=MANIFEST_CSV,
                                code="manifest-csv-changed", hint="send from the JSON, or write the reports again"))
    check = ManifestCheck(folder=folder, listed=len(manifest.entries), verified=verified, problems=tuple(problems))
    if strict and problems:
        raise ConfidentialityError.from_problems(problems, summary=f"{folder}: {len(problems)} problem(s) with the "
                                                 "report manifest; send nothing until they are fixed")
    return check


def roster_emails(roster: Any) -> dict[str, Any]:
    """``mentor_id -> email`` from a roster frame (:func:`mentorassess.io.read_roster`); empty without one."""
    if roster is None or "email" not in getattr(roster, "columns", ()):
        return {}
    return dict(zip(roster["mentor_id"].astype(str).str.strip(), roster["email"]))


def refuse_earlier_release(folder: str | Path, plan: Any) -> None:
    """One folder holds one release: refuse a folder that already has a PDF, a planned name or a manifest.

    Raises
    ------
    ReportError
        Before anything is written, so an earlier release is never mixed with or overwritten by a new one.
    """
    from mentorassess.errors import ReportError

    folder = Path(folder)
    planned = {filename_key(n) for n in (MANIFEST_CSV, MANIFEST_JSON, *(r.file for r in plan.names))}
    there = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".pdf" or filename_key(p.name) in planned)
    if there:
        raise ReportError(f"the folder already holds {len(there)} report file(s) or a manifest (e.g. {there[0]}); "
                          "nothing was overwritten", file=str(folder),
                          hint="write into an empty or new folder (--out), or move the earlier reports away")
