"""Report file names that are unique by construction, and a writer that never overwrites.

A report's name is ``<id>_<name>_<wave>.pdf``: an ASCII slug of the mentor's stable id, of the
mentor's name (transliterated from any script with ``anyascii``: Greek, Cyrillic, Vietnamese,
Polish, Arabic, Chinese...) and of the wave. Slugs use only ``a-z``, ``0-9`` and ``-``, so the
``_`` separators split a name back into its three parts and two names can only be equal when
their id parts and wave parts are equal.

Slugging loses information (case, punctuation, script, length), so two distinct ids can give the
same id part: ``X-1``, ``X_1`` and ``x 1`` all give ``x-1``; ids sharing their first 40 characters
give the same truncated slug; two Chinese names can transliterate alike. :func:`plan_report_files`
looks at every id of one release at once and, wherever two distinct ids would share an id part
after NFKC normalisation and case folding (what a case-insensitive file system compares), appends
a short stable hash of the *exact* id to each of them (``x-1-9cc37f46``). It lengthens the hash
until every part is distinct, so distinct ids always give distinct file names; waves are treated
the same way. Ids that cannot be used (empty, control characters) are refused with a
:class:`~mentorassess.errors.DataError` naming each one's row.

:func:`write_new` writes a file with exclusive creation: it refuses to replace anything.

Examples
--------
>>> plan = plan_report_files([("X-1", "Ana Lee", "post"), ("X_1", "Bo Li", "post"), ("M7", "Ольга", "post")])
>>> [r.file for r in plan.names]
['x-1-9cc37f46_ana-lee_post.pdf', 'x-1-97e232ca_bo-li_post.pdf', 'm7_olga_post.pdf']
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from mentorassess.errors import DataError, Problem, ReportError

__all__ = ["ReportName", "FilePlan", "plan_report_files", "report_file_name", "slugify", "filename_key",
           "stable_hash", "is_reserved_name", "is_missing", "write_new", "ID_LIMIT", "NAME_LIMIT", "WAVE_LIMIT"]

ID_LIMIT = 40
NAME_LIMIT = 40
WAVE_LIMIT = 20
HASH_LENGTH = 8
_MAX_NAME_BYTES = 200  # well under the 255 bytes of common file systems, leaving room for a folder path

# Device names Windows refuses as a file stem, whatever the extension (also with superscript digits).
_RESERVED = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$", "clock$"}
                      | {f"{dev}{d}" for dev in ("com", "lpt") for d in "0123456789\u00b9\u00b2\u00b3"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile("['`\"]")  # O'Brien -> obrien; Cyrillic soft and hard signs transliterate to ' and "


def filename_key(name: str) -> str:
    """The form under which two file names are the same: NFKC, then case-folded.

    Examples
    --------
    >>> filename_key("Lee.PDF") == filename_key("lee.pdf")
    True
    """
    return unicodedata.normalize("NFKC", str(name)).casefold()


def stable_hash(text: str, length: int = HASH_LENGTH) -> str:
    """The first ``length`` hex digits of SHA-256 of ``text`` (UTF-8): the same on every machine.

    Examples
    --------
    >>> stable_hash("X-1")
    '9cc37f46'
    """
    return hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _ascii(text: str) -> str:
    from anyascii import anyascii

    out = []
    for ch in unicodedata.normalize("NFKC", text):
        if ord(ch) < 128:
            out.append(ch)
            continue
        t = anyascii(ch)
        # Han, kana, hangul: one syllable per character and no spaces in the source; keep them apart.
        out.append(f" {t} " if unicodedata.east_asian_width(ch) in ("W", "F") else t)
    return "".join(out)


def slugify(text: Any, limit: int = NAME_LIMIT) -> str:
    """ASCII slug of ``text`` (``a-z``, ``0-9``, single ``-``), transliterated from any script.

    At most ``limit`` characters, never starting or ending with ``-``; may be empty.

    Examples
    --------
    >>> slugify("Zofia Wiśniewska"), slugify("Γιώργος Παπαδόπουλος"), slugify("Ольга Иванова")
    ('zofia-wisniewska', 'giorgos-papadopoylos', 'olga-ivanova')
    >>> slugify("王芳"), slugify("Nguyễn Thị Hương"), slugify("../x")
    ('wang-fang', 'nguyen-thi-huong', 'x')
    """
    s = _NOT_ALNUM.sub("-", _APOSTROPHES.sub("", _ascii(str(text)).lower())).strip("-")
    return s[:limit].strip("-")


def is_reserved_name(name: str) -> bool:
    """True when Windows would refuse ``name`` (a device name before the first dot, or a trailing dot/space).

    Examples
    --------
    >>> is_reserved_name("CON.pdf"), is_reserved_name("con_x_post.pdf"), is_reserved_name("a.")
    (True, False, True)
    """
    stem = name.split(".", 1)[0].rstrip(" ").casefold()
    return stem in _RESERVED or name.endswith((".", " "))


def is_missing(value: Any) -> bool:
    """None, NaN, ``pandas.NA`` or ``NaT`` (without importing pandas).

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing("M1")
    (True, True, False, False)
    """
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and value != value


def _unusable(value: Any) -> str | None:
    """Why ``value`` cannot name a report, or None."""
    if is_missing(value):
        return "is missing"
    text = str(value)
    if not text.strip():
        return "is empty"
    bad = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn")
                  or c in "\u2028\u2029"})
    if bad:
        return f"holds control or unassigned characters ({', '.join(bad[:5])})"
    return None


@dataclass(frozen=True)
class ReportName:
    """The file name one mentor's report for one wave gets.

    Attributes
    ----------
    mentor_id, name, wave : str
        Exactly as given.
    file : str
        ``<id part>_<name slug>_<wave part><suffix>``.
    hashed : bool
        True when the id part carries a hash because another id of the release would share it.
    """

    mentor_id: str
    name: str
    wave: str
    file: str
    hashed: bool


@dataclass(frozen=True)
class FilePlan:
    """Every report file name of one release, unique after NFKC + case folding.

    Examples
    --------
    >>> plan = plan_report_files([("M1", "Ana", "pre"), ("M1", "Ana", "post")])
    >>> plan.file_for("M1", "post")
    'm1_ana_post.pdf'
    >>> list(plan.to_frame().columns)
    ['mentor_id', 'name', 'wave', 'file', 'hashed']
    """

    names: tuple[ReportName, ...]

    def file_for(self, mentor_id: Any, wave: Any) -> str:
        """The file name for one (mentor id, wave) of the plan."""
        key = (str(mentor_id), str(wave))
        for r in self.names:
            if (r.mentor_id, r.wave) == key:
                return r.file
        raise KeyError(key)

    def to_frame(self):
        import pandas as pd

        cols = ["mentor_id", "name", "wave", "file", "hashed"]
        return pd.DataFrame([[getattr(r, c) for c in cols] for r in self.names], columns=cols)


def _unique_parts(values: Sequence[str], limit: int, empty: str) -> dict[str, tuple[str, bool]]:
    """A file-name part per distinct exact value; a hash is added where parts would collide."""
    slugs = {v: slugify(v, limit) for v in values}
    length = {v: (HASH_LENGTH if not s else 0) for v, s in slugs.items()}

    def part(v: str) -> str:
        base = slugs[v] or empty
        return f"{base}-{stable_hash(v, length[v])}" if length[v] else base

    for _ in range(8):  # 0 -> 8 -> 16 -> 32 -> 64 hex digits: distinct values end distinct
        groups: dict[str, list[str]] = {}
        for v in values:
            groups.setdefault(filename_key(part(v)), []).append(v)
        clashes = [vs for vs in groups.values() if len(vs) > 1]
        if not clashes:
            return {v: (part(v), length[v] > 0) for v in values}
        for vs in clashes:
            for v in vs:
                length[v] = HASH_LENGTH if length[v] == 0 else min(64, length[v] * 2)
    raise ReportError("two report names stay equal even with the full SHA-256 of their ids",
                      value=", ".join(repr(v) for v in clashes[0][:2]))


def plan_report_files(entries: Iterable[Any], *, suffix: str = ".pdf", file: str | None = None,
                      rows: Sequence[int] | None = None) -> FilePlan:
    """File names for a whole release: one per (mentor id, wave), unique by construction.

    Parameters
    ----------
    entries : iterable of (mentor_id, name, wave), or a DataFrame with those columns
        Every report of the release (all waves at once, so a mentor keeps one id part).
    suffix : str
        File extension, with its dot.
    file : str, optional
        The source the ids came from, named in errors.
    rows : sequence of int, optional
        The row of each entry in ``file``, named in errors (default: the entry's 1-based position).

    Returns
    -------
    FilePlan
        In the order given.

    Raises
    ------
    DataError
        An id or wave that is missing, empty or holds control characters (one problem per entry,
        naming its row), or a (mentor id, wave) listed twice.
    """
    if hasattr(entries, "columns"):
        frame = entries
        entries = list(zip(frame["mentor_id"], frame["name"] if "name" in frame else frame["mentor_id"],
                           frame["wave"]))
    items = [tuple(e) for e in entries]
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for i, (mid, name, wave) in enumerate(items):
        row = int(rows[i]) if rows is not None else i + 1
        for column, value in (("mentor_id", mid), ("wave", wave)):
            why = _unusable(value)
            if why:
                problems.append(Problem(f"the {column.replace('_', ' ')} {why}; it cannot name a report file",
                                        file=file, row=row, column=column, value=repr(value),
                                        code="unusable-id", hint="give every mentor a stable id of visible "
                                        "characters in the roster and the exports"))
        key = (str(mid), str(wave))
        if key in seen and not any(p.row == row for p in problems):
            problems.append(Problem(f"mentor {mid!r}, wave {wave!r} is listed twice (first in row {seen[key]})",
                                    file=file, row=row, column="mentor_id", value=repr(mid),
                                    code="duplicate-report"))
        seen.setdefault(key, row)
    if problems:
        raise DataError.from_problems(problems, summary=f"{len(problems)} report(s) cannot be named")
    ids = list(dict.fromkeys(str(m) for m, _, _ in items))
    waves = list(dict.fromkeys(str(w) for _, _, w in items))
    id_part = _unique_parts(ids, ID_LIMIT, "id")
    wave_part = _unique_parts(waves, WAVE_LIMIT, "wave")
    name_of: dict[str, str] = {}
    for mid, name, _ in items:
        name_of.setdefault(str(mid), "" if is_missing(name) else str(name))
    out = []
    for mid, _, wave in items:
        mid, wave = str(mid), str(wave)
        who = slugify(name_of[mid], NAME_LIMIT) or "mentor"
        part, hashed = id_part[mid]
        out.append(ReportName(mentor_id=mid, name=name_of[mid], wave=wave,
                              file=f"{part}_{who}_{wave_part[wave][0]}{suffix}", hashed=hashed))
    _check_unique(out)
    return FilePlan(tuple(out))


def _check_unique(names: Sequence[ReportName]) -> None:
    """Defensive: the construction guarantees these; a failure here is a bug, not bad input."""
    keys: dict[str, ReportName] = {}
    for r in names:
        k = filename_key(r.file)
        if k in keys or is_reserved_name(r.file) or len(r.file.encode("utf-8")) > _MAX_NAME_BYTES \
                or "/" in r.file or "\\" in r.file:
            raise ReportError(f"report file name {r.file!r} is not unique or not safe",
                              value=repr(r.mentor_id))
        keys[k] = r


def report_file_name(mentor_id: Any, name: Any, wave: Any, *, suffix: str = ".pdf") -> str:
    """The name one report gets when it is the only one of its release (see :func:`plan_report_files`).

    Examples
    --------
    >>> report_file_name("M001", "Zofia Wiśniewska", "post")
    'm001_zofia-wisniewska_post.pdf'
    """
    return plan_report_files([(mentor_id, name, wave)], suffix=suffix).names[0].file


def write_new(path: str | os.PathLike, data: bytes, *, sync: bool = True) -> Path:
    """Write ``data`` to a new file ``path``; refuse if anything already has that name.

    The bytes go to a temporary file in the same folder, which is then hard-linked to ``path``:
    the link fails when ``path`` exists (exclusive creation), and ``path`` never appears half
    written. Where the file system has no hard links, ``open(path, "xb")`` is used instead
    (inside the pipeline's temporary output folder a half-written file is never published).
    ``sync`` (default) flushes the file to disk before it gets its name; pass False only when the
    whole folder is synced before anyone is shown it (``run`` writes into a temporary folder that
    :func:`mentorassess._files.atomic_dir` syncs once before publishing it).

    Raises
    ------
    ReportError
        If ``path`` exists (nothing is overwritten) or cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_new(d / "a.pdf", b"%PDF").name
    'a.pdf'
    >>> write_new(d / "a.pdf", b"other")
    Traceback (most recent call last):
    ...
    mentorassess.errors.ReportError: ...a.pdf: a file with this name already exists; nothing was overwritten (...)
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (some network or FAT file systems)
            with open(path, "xb") as fh:
                fh.write(data)
                if sync:
                    fh.flush()
                    os.fsync(fh.fileno())
    except FileExistsError as exc:
        raise ReportError("a file with this name already exists; nothing was overwritten", file=str(path),
                          hint="write into an empty folder, or move the earlier reports away first") from exc
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return path


def _write_error(path: Path, exc: OSError) -> ReportError:
    return ReportError(f"cannot write the file: {exc.strerror or exc}", file=str(path),
                       hint="check that the output folder exists and is writable")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
