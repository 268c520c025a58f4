"""Opening a history store: SQLite by default, PostgreSQL by URL; locking; the program secret.

:func:`open_store` takes a file path (SQLite) or a database URL (``postgresql://...``,
``sqlite:///...``). Every write runs in :meth:`Store.write`: one transaction that holds the
store's write lock (SQLite: ``BEGIN IMMEDIATE`` with a busy timeout; PostgreSQL: a transaction
advisory lock), so two writers queue instead of interleaving, and a process killed mid-write
leaves the store as it was (the transaction never commits).

Rater ids never enter the store in clear outside the stored canonical responses: the ledger keeps
keyed hashes, HMAC-SHA-256 with a program secret. The secret is a file of 64 hex characters,
created on first use with permissions 0600: beside a SQLite store (``<store>.secret``) or at the
path given as ``history: {secret: ...}`` (required to share a PostgreSQL store between
machines: every writer must use the same secret).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> s = open_store(d / "h.sqlite")
>>> s.backend, s.schema_version()
('sqlite', 1)
>>> len(s.rater_hash("R1")) == 64 and s.rater_hash("r1 ") == s.rater_hash("R1")
True
>>> oct((d / "h.sqlite.secret").stat().st_mode & 0o777)
'0o600'
>>> s.close()
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from mentorassess.errors import ConfigError
from mentorassess.history import schema as S
from mentorassess.release.counting import normalise_key

__all__ = ["Store", "open_store", "is_url", "BUSY_TIMEOUT"]

BUSY_TIMEOUT = 60.0  # seconds a writer waits for another one
_LOCK_KEY = 0x6D61_6873  # "mahs": the advisory lock id of mentorassess history stores


def is_url(value: str) -> bool:
    """True for a database URL (``scheme://``), False for a file path.

    >>> is_url("postgresql://u@h/db"), is_url("history.sqlite")
    (True, False)
    """
    return "://" in str(value)


def _read_secret(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    raw = path.read_text(encoding="ascii").strip()
    if len(raw) < 32:
        raise ConfigError(f"the history secret {path} is empty or too short", file=str(path),
                          hint="restore it from a backup; a new secret makes earlier ledger hashes unmatched")
    return raw.encode("ascii")


class Store:
    """An open history store (build with :func:`open_store`)."""

    def __init__(self, engine: Engine, secret: bytes, *, location: str, secret_path: Path) -> None:
        self.engine = engine
        self.backend = engine.dialect.name
        self.location = location
        self.secret_path = secret_path
        self._secret = secret
        self._hashes: dict = {}   # raw id -> hash (a cycle hashes the same raters several times)
        with self.write() as conn:
            S.migrate(conn)

    # -- keys ---------------------------------------------------------------------------------------
    def rater_hash(self, rater_id) -> str | None:
        """Keyed HMAC-SHA-256 of a normalised rater (or mentor) id; ``None`` for no id."""
        memo = isinstance(rater_id, str)
        if memo:
            hit = self._hashes.get(rater_id)
            if hit is not None:
                return hit
        key = normalise_key(rater_id)
        if key is None:
            return None
        h = hmac.new(self._secret, key.encode("utf-8"), hashlib.sha256).hexdigest()
        if memo:
            if len(self._hashes) >= 500_000:
                self._hashes.clear()
            self._hashes[rater_id] = h
        return h

    # -- transactions -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction holding the store's lock (committed on success, rolled back otherwise)."""
        with self.engine.begin() as conn:
            if self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def schema_version(self) -> int:
        with self.read() as conn:
            return int(conn.execute(select(func.max(S.migrations.c.version))).scalar() or 0)

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every table (tests and ``history export``)."""
        out = {}
        with self.read() as conn:
            for name in ("schema_migrations",) + S.TABLES:
                t = S.METADATA.tables[name]
                out[name] = [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns or t.c))]
        return out

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # let us issue BEGIN ourselves
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # take the write lock at the start: writers queue, never deadlock on upgrade
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def open_store(location: str | os.PathLike, *, secret: str | os.PathLike | None = None) -> Store:
    """Open (and create or migrate) a history store.

    Parameters
    ----------
    location : path or URL
        A SQLite file path, or a SQLAlchemy URL (``postgresql://user@host:port/db`` uses psycopg 3).
    secret : path, optional
        The program secret file (default: ``<store>.secret`` beside a SQLite file; required for a URL
        other than ``sqlite:///<file>``).

    Raises
    ------
    ConfigError
        Bad URL, unreachable server, or no secret path for a server store.
    """
    loc = str(location)
    if is_url(loc):
        try:
            url = make_url(loc)
        except ArgumentError:
            raise ConfigError(f"history: {loc!r} is not a database URL", value=loc,
                              hint="use a file path, sqlite:///file or postgresql://user@host:port/db") from None
        if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
            url = url.set(drivername="postgresql+psycopg")
        elif url.get_backend_name() != "sqlite":
            raise ConfigError(f"history: the database {url.get_backend_name()!r} is not supported", value=loc,
                              hint="use SQLite (a file path) or PostgreSQL (postgresql://...)")
        shown = url.render_as_string(hide_password=True)
        if url.get_backend_name() == "sqlite":
            if not url.database:
                raise ConfigError("history: a SQLite URL needs a file (sqlite:///path)", value=shown)
            default_secret = Path(url.database + ".secret")
        else:
            default_secret = None
    else:
        path = Path(loc).expanduser().resolve()
        if not path.parent.is_dir():
            raise ConfigError(f"history: the folder {path.parent} does not exist", file=str(path))
        url, shown, default_secret = make_url(f"sqlite:///{path}"), str(path), Path(str(path) + ".secret")
    secret_path = Path(secret).expanduser().resolve() if secret else default_secret
    if secret_path is None:
        raise ConfigError(f"history: a server store ({shown}) needs a secret file: history: {{secret: path}}",
                          value=shown, hint="every program writing to this store must use the same secret file")
    try:
        key = _read_secret(secret_path)
    except OSError as exc:
        raise ConfigError(f"history: cannot read or create the secret {secret_path}: {exc.strerror}",
                          file=str(secret_path)) from None
    try:
        if url.get_backend_name() == "sqlite":
            engine = _sqlite_engine(url)
        else:
            engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        return Store(engine, key, location=shown, secret_path=secret_path)
    except (OperationalError, SQLAlchemyError) as exc:
        msg = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"history: cannot open the store {shown}: {msg}", value=shown,
                          hint="check the server, the URL and that the file is a mentorassess history store") from None
