"""Who may name a database host or a file: the operator, never a shared weight file alone.

A weight file is shared like code, but a `kind: sql` source connects with the operator's
credentials: libpq answers a server's cleartext password request with `PGPASSWORD` or a
`.pgpass` entry, so a file naming `db.attacker.example` would send that password there. So:

- a network host (a URL's host, or `host=`/`hostaddr=` in its query) must be on the
  operator's allow-list, `HEALTHSCORE_ALLOWED_HOSTS` (comma-separated `host[:port]` patterns,
  `*` as a wildcard: `db.internal:5432, *.analytics.example`); a URL without a host connects
  where the operator's own libpq settings say (`PGHOST`, the local socket) and needs no entry;
- a SQLite database file follows the rule of every file a weight file names: inside the
  project folder, or inside the data folder the operator gave (`--data`);
- `--allow-outside` (API: `confine=False`) lifts both rules for a file the operator trusts.

The rules are checked when the weight file is loaded (with the file's line) and again on the
paths as they are read, before any file is opened or any connection is made. Messages never
show a password: URLs are shown with it masked.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from healthscore.errors import HealthscoreError, Problem

ENV_HOSTS = "HEALTHSCORE_ALLOWED_HOSTS"
OPT_OUT = "--allow-outside (API: confine=False)"
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433,
                 "oracle": 1521}
_HOST_KEYS = ("host", "hostaddr")  # libpq's query parameters that name where to connect


@dataclass(frozen=True)
class HostPattern:
    """One entry of the allow-list: a host (fnmatch pattern, case-insensitive), a port or any."""

    host: str
    port: int | None

    def matches(self, host: str, port: int | str | None) -> bool:
        return (fnmatch.fnmatchcase(host.lower(), self.host.lower())
                and (self.port is None or self.port == port))

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


def parse_hosts(text: str | Iterable[str], origin: str = ENV_HOSTS) -> tuple[HostPattern, ...]:
    """`db.internal:5432, *.corp.example, [::1]:5433` → patterns. Raises HealthscoreError
    naming `origin` for an entry that is not `host[:port]`."""
    items = text.split(",") if isinstance(text, str) else list(text)
    patterns = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        host, port = _split_host_port(item)
        if host is None or not host or (port is not None and not port.isdigit()):
            raise HealthscoreError(Problem(
                f"`{item}` is not host[:port] (e.g. db.internal:5432, *.corp.example, "
                "[::1]:5432)", key=origin))
        patterns.append(HostPattern(host, int(port) if port is not None else None))
    return tuple(patterns)


def allowed_hosts_from_env() -> tuple[HostPattern, ...]:
    return parse_hosts(os.environ.get(ENV_HOSTS, ""))


def _split_host_port(text: str) -> tuple[str | None, str | None]:
    if text.startswith("["):  # [::1] or [::1]:5432
        end = text.find("]")
        if end < 0:
            return None, None
        rest = text[end + 1:]
        if rest and not rest.startswith(":"):
            return None, None
        return text[1:end], (rest[1:] or None) if rest else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, port
    return text, None  # a name, or a bare IPv6 address without a port


@dataclass(frozen=True)
class Reach:
    """What a loaded weight file may reach: files inside `root` (None: anywhere) and the
    database hosts `hosts` allows (None: any)."""

    root: Path | None
    hosts: tuple[HostPattern, ...] | None

    @classmethod
    def anywhere(cls) -> Reach:
        return cls(None, None)

    def allows_file(self, path: Path, *also: Path | None) -> bool:
        """Whether `path` (as resolved: a symbolic link counts where it points) lies inside the
        project folder or one of the folders `also` (the data folder the operator gave)."""
        if self.root is None:
            return True
        target = path.resolve()
        return any(_inside(target, Path(folder).resolve())
                   for folder in (self.root, *also) if folder is not None)

    def allows_host(self, host: str, port: int | str | None) -> bool:
        return self.hosts is None or any(p.matches(host, port) for p in self.hosts)

    def folders(self, *also: Path | None) -> str:
        shown = [str(self.root), *(str(Path(f).resolve()) for f in also if f is not None)]
        return " or ".join(dict.fromkeys(shown))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# ------------------------------------------------------------------------------ SQL URLs


@dataclass(frozen=True)
class SqlTarget:
    """Where a SQLAlchemy URL would connect: its backend, the network endpoints it names, the
    SQLite file it opens (as written), and the URL with its password masked (for messages)."""

    backend: str
    endpoints: tuple[tuple[str, int | str | None], ...]
    sqlite_file: str | None
    shown: str


def sql_target(url: str) -> SqlTarget:
    """Parse a source's `url:`; raises ValueError (with a message free of the password) when
    it is not a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError("not a SQLAlchemy URL (e.g. postgresql+psycopg://user@host/db or "
                         "sqlite:///data/crm.db)") from None
    masked = {k: "***" for k in parsed.query if k.lower() in ("password", "passfile")}
    shown = parsed.update_query_dict(masked).render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        db = parsed.database
        return SqlTarget(backend, (), None if db in (None, "", ":memory:") else db, shown)
    # every host it names, each with every port it names: the pairing of libpq's lists is
    # not guessed, so each combination must be allowed
    ports = [int(p) if p.isdigit() else p for p in _values(parsed.query, "port")]
    default = [parsed.port or DEFAULT_PORTS.get(backend)]
    hosts: list[tuple[str, int | str | None]] = [
        (h, None) for h in (parsed.host or "").split(",") if h.strip()]
    for key in _HOST_KEYS:
        for item in _values(parsed.query, key):
            host, port = _split_host_port(item)
            hosts.append((host or item, int(port) if port and port.isdigit() else port))
    endpoints = {(host.strip(), port if port is not None else p)
                 for host, port in hosts for p in (ports or default)}
    return SqlTarget(backend, tuple(sorted(endpoints, key=str)), None, shown)


def _values(query, key: str) -> list[str]:
    """A URL query parameter's values, each comma-separated list split."""
    values = query.get(key, ())
    return [item.strip() for value in ((values,) if isinstance(values, str) else values)
            for item in value.split(",") if item.strip()]


def host_problem(url: str, reach: Reach) -> str | None:
    """Why a weight file may not connect to `url`, or None. Nothing is connected to."""
    try:
        target = sql_target(url)
    except ValueError as exc:
        return str(exc)
    refused = [(h, p) for h, p in target.endpoints if not reach.allows_host(h, p)]
    if not refused:
        return None
    names = ", ".join(_endpoint(h, p) for h, p in refused)
    listed = ", ".join(str(p) for p in reach.hosts or ()) or "not set"
    return (f"`{target.shown}` would connect to {names}, which the operator has not allowed: "
            "a weight file may not choose the database server that receives your database "
            f"credentials. The allow-list (${ENV_HOSTS}) is {listed}; add "
            f"{_endpoint(*refused[0])} to it, or pass {OPT_OUT} to trust this file")


def _endpoint(host: str, port: int | str | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return host if port is None else f"{host}:{port}"


def sqlite_path(url: str) -> str | None:
    """The SQLite database file a URL names, as written (None: not SQLite, or in memory)."""
    try:
        return sql_target(url).sqlite_file
    except ValueError:
        return None


def with_sqlite_path(url: str, path: Path) -> str:
    """The URL with its SQLite database replaced by `path` (absolute), password kept."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=str(path)).render_as_string(hide_password=False)
