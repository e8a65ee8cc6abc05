"""A throwaway PostgreSQL cluster for tests and benchmarks: the real server, on loopback.

``initdb`` and ``pg_ctl`` from Debian's ``postgresql`` package (``/usr/lib/postgresql/<v>/bin``,
or ``PG_BINDIR``) create and start a cluster in a fresh temporary directory, listening on a free
loopback port with password authentication and no Unix socket; ``close`` stops it and removes
the directory. PostgreSQL refuses to run as root, so as root (CI) the cluster belongs to the
unprivileged ``postgres`` user the package creates. ``durable=False`` (tests) turns fsync off,
which only matters on a power cut; benchmarks keep the defaults so the figures are honest.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

from agent.errors import MissingBinary, ReplayError
from agent.replay.http import free_port

_INSTALL_HINT = "install it with `apt-get install postgresql` (make system-deps) or set PG_BINDIR"
_USER = "agent"
_START_TIMEOUT_S = 60
_PORT_ATTEMPTS = 3


def find_bindir(environ: dict[str, str] | None = None) -> Path:
    """The directory holding ``initdb`` and ``pg_ctl`` (the newest Debian version wins).

    Raises:
        MissingBinary: PostgreSQL's server programs are not installed.
    """
    env = os.environ if environ is None else environ
    candidates: list[Path] = []
    if env.get("PG_BINDIR"):
        candidates.append(Path(env["PG_BINDIR"]))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: int(p.name), reverse=True)]
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise MissingBinary(f"PostgreSQL's initdb and pg_ctl not found: {_INSTALL_HINT}")


class PostgresCluster:
    """One temporary cluster; use as a context manager or call ``start`` and ``close``."""

    def __init__(self, *, durable: bool = False, bindir: Path | None = None) -> None:
        self._durable = durable
        self._bindir = bindir
        self._root: Path | None = None
        self._password = secrets.token_hex(16)
        self.port = 0

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def url(self, dbname: str = "postgres") -> str:
        """A connection URL for ``dbname`` on this cluster."""
        return f"postgresql://{_USER}:{self._password}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def start(self) -> PostgresCluster:
        """Create the cluster and start the server.

        Raises:
            MissingBinary: PostgreSQL or, as root, the ``postgres`` user is missing.
            ReplayError: ``initdb`` or the server failed (with their output).
        """
        bindir = self._bindir or find_bindir()
        owner = _unprivileged_owner()
        self._root = Path(tempfile.mkdtemp(prefix="agent-pg-"))
        try:
            self._init(bindir, owner)
            for attempt in range(_PORT_ATTEMPTS):
                self.port = free_port()
                if self._start_server(bindir, owner, last=attempt == _PORT_ATTEMPTS - 1):
                    break
        except BaseException:
            self.close()
            raise
        return self

    def _init(self, bindir: Path, owner: pwd.struct_passwd | None) -> None:
        assert self._root is not None
        if owner is not None:
            os.chown(self._root, owner.pw_uid, owner.pw_gid)
        secret = self._root / "pwfile"
        secret.write_text(self._password + "\n", encoding="utf-8")
        if owner is not None:
            os.chown(secret, owner.pw_uid, owner.pw_gid)
        secret.chmod(0o600)
        _run(
            [str(bindir / "initdb"), "-D", str(self._root / "data"), "-U", _USER,
             "--auth=scram-sha-256", f"--pwfile={secret}", "-E", "UTF8", "--no-locale",
             "--no-sync"],
            owner, cwd=self._root,
        )  # fmt: skip
        secret.unlink()

    def _start_server(self, bindir: Path, owner: pwd.struct_passwd | None, *, last: bool) -> bool:
        assert self._root is not None
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": "''",
            "max_connections": "200",
            "shared_buffers": "32MB",
        }
        if not self._durable:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        conf = self._root / "data" / "postgresql.auto.conf"
        conf.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()), encoding="utf-8")
        if owner is not None:
            os.chown(conf, owner.pw_uid, owner.pw_gid)
        log = self._root / "server.log"
        try:
            _run(
                [str(bindir / "pg_ctl"), "-D", str(self._root / "data"), "-l", str(log), "-w",
                 "-t", str(_START_TIMEOUT_S), "start"],
                owner, cwd=self._root,
            )  # fmt: skip
        except ReplayError:
            if last:
                output = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise ReplayError(f"PostgreSQL did not start: {output}") from None
            return False  # most likely the port was taken meanwhile: try another
        return True

    def close(self) -> None:
        """Stop the server (immediately: the data is thrown away) and remove the directory."""
        if self._root is None:
            return
        root, self._root = self._root, None
        if (root / "data" / "postmaster.pid").exists():
            with contextlib.suppress(ReplayError, MissingBinary):
                bindir = self._bindir or find_bindir()
                _run([str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate",
                      "-w", "stop"], _unprivileged_owner(), cwd=root)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _unprivileged_owner() -> pwd.struct_passwd | None:
    """The user the cluster runs as when we are root (``None``: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise MissingBinary(
            "running as root, and PostgreSQL refuses to: no unprivileged 'postgres' user to run "
            f"the test cluster as ({_INSTALL_HINT}, which creates it)"
        ) from None


def _run(command: Sequence[str], owner: pwd.struct_passwd | None, cwd: Path) -> None:
    extra: dict[str, Any] = {}
    if owner is not None:
        extra = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    done = subprocess.run(
        list(command), cwd=cwd, env=env, capture_output=True, text=True, check=False,
        timeout=_START_TIMEOUT_S + 30, **extra,
    )  # fmt: skip
    if done.returncode != 0:
        raise ReplayError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout)[-2000:]}")
