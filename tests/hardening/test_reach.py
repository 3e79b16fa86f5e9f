"""A shared weight file cannot choose where the operator's credentials go (issue 20,
"Credentials and reach"): a `kind: sql` source connects only to a host the operator allowed,
and a file it names (a SQLite database, an export read from `--data`) lies inside the project
or data folder. Checked with real `healthscore` processes and a fake PostgreSQL server that
asks for the password in clear text."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from healthscore.errors import HealthscoreError
from healthscore.spec.reach import Reach, host_problem, parse_hosts, sql_target
from healthscore.weights.load import check_files
from tests.conftest import ROOT, write_weights
from tests.hardening.servers import RawServer

PASSWORD = "s3cret-pw-from-PGPASSWORD"
URL_PASSWORD = "hunter2-in-the-url"


class FakePostgres:
    """Speaks just enough of the PostgreSQL protocol to get a password: refuses SSL and GSS
    encryption, answers the startup message with AuthenticationCleartextPassword (code 3),
    records the password message, then fails the login."""

    def __init__(self) -> None:
        self.passwords: list[str] = []
        self.users: list[str] = []
        self.server = RawServer(self._answer)

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def connections(self) -> int:
        return self.server.connections

    def _answer(self, conn: socket.socket) -> None:
        with contextlib.suppress(struct.error):  # a client that hung up mid-message
            self._session(conn)

    @staticmethod
    def _read(conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _session(self, conn: socket.socket) -> None:
        while True:
            (length,) = struct.unpack("!i", self._read(conn, 4))
            body = self._read(conn, length - 4)
            (code,) = struct.unpack("!i", body[:4])
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: no
                conn.sendall(b"N")
                continue
            params = body[4:].split(b"\0")
            pairs = dict(zip(params[::2], params[1::2], strict=False))
            self.users.append(pairs.get(b"user", b"").decode())
            break
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        kind = self._read(conn, 1)
        (length,) = struct.unpack("!i", self._read(conn, 4))
        body = self._read(conn, length - 4)
        if kind == b"p":
            self.passwords.append(body.rstrip(b"\0").decode())
        fields = b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed (fake server)\0\0"
        conn.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def fake_pg():
    server = FakePostgres()
    yield server
    server.close()


def healthscore(*args, cwd: Path, env: dict[str, str] | None = None):
    """A real `healthscore` process running this checkout, with the operator's password in
    PGPASSWORD and no allow-list unless `env` gives one."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("PG") and k != "HEALTHSCORE_ALLOWED_HOSTS"}
    full = {**base, "PYTHONPATH": str(ROOT), "PGPASSWORD": PASSWORD,
            "PGCONNECT_TIMEOUT": "10", **(env or {})}
    return subprocess.run([sys.executable, "-m", "healthscore", *map(str, args)], cwd=cwd,
                          env=full, capture_output=True, text=True, timeout=120)


def _sql_weights(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_weights(folder / "w.yaml", {
        "sources": {"accounts": {"kind": "sql", "url": url, "table": "accounts"}},
        "signals": {"nps": {"score": {"linear": [-20, 60]}}}})


def _url(port: int, password: str = "") -> str:
    auth = f"ops:{password}" if password else "ops"
    return f"postgresql+psycopg://{auth}@127.0.0.1:{port}/crm"


def test_a_host_not_allowed_is_refused_before_any_connection(tmp_path, fake_pg):
    """The file alone cannot name the server: no connection, so no password leaves."""
    _sql_weights(tmp_path, _url(fake_pg.port))
    proc = healthscore("score", "-w", "w.yaml", "--as-of", "2026-10-31", "-o", "out",
                       cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (f"w.yaml:6: sources.accounts.url: `postgresql+psycopg://ops@127.0.0.1:"
            f"{fake_pg.port}/crm` would connect to 127.0.0.1:{fake_pg.port}, which the "
            "operator has not allowed") in " ".join(proc.stderr.split())
    assert "HEALTHSCORE_ALLOWED_HOSTS" in proc.stderr and "--allow-outside" in proc.stderr
    assert fake_pg.connections == 0 and fake_pg.passwords == []
    assert not (tmp_path / "out").exists()
    # `validate` says the same, without connecting either
    proc = healthscore("validate", "w.yaml", cwd=tmp_path)
    assert proc.returncode == 1 and "sources.accounts.url" in proc.stderr, proc.stderr
    assert fake_pg.connections == 0


def test_a_password_in_the_url_is_never_shown(tmp_path, fake_pg):
    _sql_weights(tmp_path, _url(fake_pg.port, URL_PASSWORD) + "?password=" + URL_PASSWORD)
    proc = healthscore("validate", "w.yaml", cwd=tmp_path)
    assert proc.returncode == 1 and "sources.accounts.url" in proc.stderr
    assert URL_PASSWORD not in proc.stderr + proc.stdout
    assert "ops:***@127.0.0.1" in proc.stderr
    assert fake_pg.connections == 0


@pytest.mark.parametrize("allowed", ["127.0.0.1:1", "localhost", "127.0.0.2"])
def test_an_allow_list_that_does_not_name_the_host_and_port_refuses(tmp_path, fake_pg,
                                                                     allowed):
    _sql_weights(tmp_path, _url(fake_pg.port))
    proc = healthscore("score", "-w", "w.yaml", "--as-of", "2026-10-31", "-o", "out",
                       cwd=tmp_path, env={"HEALTHSCORE_ALLOWED_HOSTS": allowed})
    assert proc.returncode == 2 and "sources.accounts.url" in proc.stderr, proc.stderr
    assert fake_pg.connections == 0


def test_a_host_named_in_the_query_is_checked_too(tmp_path, fake_pg):
    """libpq takes `host=` and `port=` from the query: `postgresql://ops@/crm?host=…`."""
    _sql_weights(tmp_path, f"postgresql+psycopg://ops@/crm?host=127.0.0.1&port={fake_pg.port}")
    proc = healthscore("score", "-w", "w.yaml", "--as-of", "2026-10-31", "-o", "out",
                       cwd=tmp_path, env={"HEALTHSCORE_ALLOWED_HOSTS": "127.0.0.1:5432"})
    assert proc.returncode == 2, proc.stderr
    assert f"would connect to 127.0.0.1:{fake_pg.port}" in proc.stderr
    assert fake_pg.connections == 0


@pytest.mark.parametrize("how", ["allow-list", "wildcard", "allow-outside"])
def test_an_allowed_host_is_connected_to_as_documented(tmp_path, fake_pg, how):
    """The operator allowed it: libpq connects and answers the server's password request
    (docs/security.md says so); the failed login is a message, without the password."""
    _sql_weights(tmp_path, _url(fake_pg.port))
    env = {"allow-list": {"HEALTHSCORE_ALLOWED_HOSTS": f"db.internal, 127.0.0.1:{fake_pg.port}"},
           "wildcard": {"HEALTHSCORE_ALLOWED_HOSTS": "127.0.0.*"},
           "allow-outside": {}}[how]
    extra = ["--allow-outside"] if how == "allow-outside" else []
    proc = healthscore("score", "-w", "w.yaml", "--as-of", "2026-10-31", "-o", "out", *extra,
                       cwd=tmp_path, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "source `accounts` cannot be read" in proc.stderr
    assert "password authentication failed (fake server)" in proc.stderr
    assert PASSWORD not in proc.stderr + proc.stdout
    assert fake_pg.connections >= 1 and fake_pg.passwords[0] == PASSWORD
    assert fake_pg.users[0] == "ops"


def test_a_malformed_allow_list_is_an_error_naming_it(tmp_path):
    _sql_weights(tmp_path, "postgresql+psycopg://ops@db.internal/crm")
    proc = healthscore("validate", "w.yaml", cwd=tmp_path,
                       env={"HEALTHSCORE_ALLOWED_HOSTS": "db.internal:pg"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "HEALTHSCORE_ALLOWED_HOSTS: `db.internal:pg` is not host[:port]" in proc.stderr


def test_a_sqlite_file_outside_the_project_is_refused(tmp_path):
    import sqlite3

    outside = tmp_path / "elsewhere.db"
    with sqlite3.connect(outside) as con:
        con.execute("CREATE TABLE accounts (customer_id TEXT, nps REAL)")
        con.execute("INSERT INTO accounts VALUES ('elsewhere-customer', 10)")
    project = tmp_path / "project"
    for url in ("sqlite:///../elsewhere.db", f"sqlite:///{outside}"):
        _sql_weights(project, url)
        problems = [str(p) for p in check_files([project / "w.yaml"])[1]]
        assert any("sources.accounts.url: `" in p and "is outside the project folder" in p
                   for p in problems), problems
        proc = healthscore("score", "-w", "w.yaml", "--as-of", "2026-10-31", "-o", "out",
                           cwd=project)
        assert proc.returncode == 2 and "sources.accounts.url" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    # the operator trusts the file: it is read
    proc = healthscore("score", "-w", "w.yaml", "--as-of", "2026-10-31", "-o", "out",
                       "--allow-outside", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "elsewhere-customer" in (project / "out" / "scores.csv").read_text()


def test_relative_paths_are_confined_where_they_are_read_from(tmp_path):
    """The loader checks `path:` from the weight file's folder; with `--data` the read starts
    from the data folder: `../../accounts.csv` was inside the project from one and outside it
    from the other, and was read."""
    secret = tmp_path / "accounts.csv"
    secret.write_text("customer_id,nps\nsecret-customer,10\n")
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "a" / "b").mkdir(parents=True)
    (project / "accounts.csv").write_text("customer_id,nps\nproject-customer,10\n")
    write_weights(project / "a" / "b" / "w.yaml", {
        "sources": {"accounts": {"kind": "csv", "path": "../../accounts.csv"}},
        "signals": {"nps": {"score": {"linear": [-20, 60]}}}})
    proc = healthscore("score", "-w", "a/b/w.yaml", "--data", "data", "--as-of", "2026-10-31",
                       "-o", "out", cwd=project)
    assert proc.returncode == 2, proc.stderr
    text = " ".join(proc.stderr.split())
    assert "sources.accounts.path: `../../accounts.csv` (read from data) is " in text
    assert str(secret) in text and "outside" in text and "Traceback" not in text
    assert not (project / "out").exists()
    # without --data the path starts from the weight file: inside the project, read
    proc = healthscore("score", "-w", "a/b/w.yaml", "--as-of", "2026-10-31", "-o", "out",
                       cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "project-customer" in (project / "out" / "scores.csv").read_text()
    # a path inside the data folder is read from it
    (project / "data" / "accounts.csv").write_text("customer_id,nps\ndata-customer,10\n")
    write_weights(project / "a" / "b" / "w.yaml", {
        "sources": {"accounts": {"kind": "csv", "path": "accounts.csv"}},
        "signals": {"nps": {"score": {"linear": [-20, 60]}}}})
    proc = healthscore("score", "-w", "a/b/w.yaml", "--data", "data", "--as-of", "2026-10-31",
                       "-o", "out2", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "data-customer" in (project / "out2" / "scores.csv").read_text()


@pytest.mark.parametrize("url, allowed, refused", [
    ("postgresql://u@db.internal/x", "db.internal", None),
    ("postgresql://u@DB.Internal:5432/x", "db.internal:5432", None),
    ("postgresql://u@db.internal:6432/x", "db.internal:5432", "db.internal:6432"),
    ("postgresql://u@a.corp.example/x", "*.corp.example", None),
    ("postgresql://u@corp.example.evil/x", "*.corp.example", "corp.example.evil:5432"),
    ("postgresql://u@/x", "", None),  # no host: the operator's own libpq settings
    ("postgresql://u@db.internal/x?host=evil.example", "db.internal", "evil.example:5432"),
    ("postgresql://u@/x?hostaddr=10.0.0.9", "db.internal", "10.0.0.9:5432"),
    ("postgresql://u@[::1]:5433/x", "[::1]:5433", None),
    ("mysql+pymysql://u@db.internal/x", "db.internal:3306", None),
    ("sqlite:///crm.db", "", None),
])
def test_the_allow_list(url, allowed, refused):
    why = host_problem(url, Reach(Path("/project"), parse_hosts(allowed)))
    if refused is None:
        assert why is None
    else:
        assert why is not None and f"would connect to {refused}," in why


def test_a_url_that_is_not_one_is_a_message():
    assert sql_target("postgresql://u@h/x").endpoints == (("h", 5432),)
    assert "not a SQLAlchemy URL" in host_problem("not a url", Reach(Path("/"), ()))
    with pytest.raises(HealthscoreError, match="`db:pg` is not host"):
        parse_hosts("ok, a:b:c:d, db:pg")


def test_a_loaded_file_changed_in_code_keeps_its_reach(tmp_path, fake_pg, monkeypatch):
    """The host is checked again where the data is read: a source swapped in after loading
    (same WeightFile, same reach) does not connect either."""
    import sqlite3

    import healthscore
    from healthscore.spec.sources import SourceSpec

    with sqlite3.connect(tmp_path / "crm.db") as con:
        con.execute("CREATE TABLE accounts (customer_id TEXT, nps REAL)")
        con.execute("INSERT INTO accounts VALUES ('a', 10)")
    _sql_weights(tmp_path, "sqlite:///crm.db")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    wf = healthscore.load_weights(tmp_path / "w.yaml")
    assert healthscore.compute_signals(wf, "2026-10-31").frame["customer_id"].tolist() == ["a"]
    swapped = wf.model_copy(update={"sources": {"accounts": SourceSpec(
        kind="sql", url=_url(fake_pg.port), table="accounts")}})
    with pytest.raises(HealthscoreError, match=r"sources\.accounts\.url: .* would connect to "
                                               rf"127\.0\.0\.1:{fake_pg.port}"):
        healthscore.compute_signals(swapped, "2026-10-31")
    assert fake_pg.connections == 0
    # a file the operator allowed the host for, through the API
    allowed = healthscore.load_weights(tmp_path / "w.yaml", hosts=[f"127.0.0.1:{fake_pg.port}"])
    swapped = allowed.model_copy(update={"sources": {"accounts": SourceSpec(
        kind="sql", url=_url(fake_pg.port), table="accounts")}})
    with pytest.raises(HealthscoreError, match="password authentication failed"):
        healthscore.compute_signals(swapped, "2026-10-31")
    assert fake_pg.passwords == [PASSWORD]
