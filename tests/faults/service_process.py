"""`partyledger serve` as a real process of its own, which a test may kill with SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

READY_TIMEOUT = 90.0


class ServiceProcess:
    """The service on ``127.0.0.1:<free port>``, its output appended to ``home/serve.log``."""

    def __init__(self, home: Path, environment: Mapping[str, str]) -> None:
        self.home = home
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home / "serve.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PARTYLEDGER_")},
            "PARTYLEDGER_HOME": str(home), "PARTYLEDGER_PORT": str(self.port),
            "PARTYLEDGER_HOST": "127.0.0.1", "PARTYLEDGER_ENV": "development",
            "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
            **environment,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the service and wait until it answers over HTTP (started again if it exits
        before, e.g. because the database was down as it started)."""
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            self._spawn()
            while time.monotonic() < deadline:
                if self.answers():
                    return
                if self.process is not None and self.process.poll() is not None:
                    break  # exited: start it again
                time.sleep(0.2)
            else:
                self.stop()
                msg = f"the service did not answer within {READY_TIMEOUT:.0f} s:\n{self.log_tail()}"
                raise TimeoutError(msg)

    def answers(self) -> bool:
        try:
            httpx.get(self.url + "/health", timeout=2.0)
        except httpx.HTTPError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, requests in flight are cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if the service has not ended within 15 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_problems(self, lines: int = 80) -> str:
        """The service's warnings, errors and tracebacks' last lines, the last ``lines``."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        words = ("WARNING", "ERROR", "Error", "failed", "set aside", "--- start")
        found = [line[:300] for line in text.splitlines() if any(w in line for w in words)]
        return "\n".join(found[-lines:])

    def _spawn(self) -> None:
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"\n--- start {self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [_partyledger(), "serve", "--no-demo"], cwd=self.home, env=self.env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )


def _partyledger() -> str:
    return str(Path(sys.executable).with_name("partyledger"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
