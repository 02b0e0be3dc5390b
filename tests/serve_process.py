"""`partyledger serve` as a process of its own: started with a chosen environment, waited for
until /health answers, stopped with a signal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CLI = Path(sys.executable).with_name("partyledger")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli_environment(home: Path, **env: str) -> dict[str, str]:
    """The process's environment without any PARTYLEDGER_ setting of the caller's, plus ``env``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PARTYLEDGER_")}
    environ.update(PARTYLEDGER_HOME=str(home), **env)
    return environ


def start_serve(home: Path, *args: str, **env: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen(
        [str(CLI), "serve", "--port", str(port), *args], env=cli_environment(home, **env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, port


def wait_until_serving(process: subprocess.Popen[str], port: int, *, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}: "
                                 f"{process.communicate()[1][-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("serve did not answer /health in time")


def stop(process: subprocess.Popen[str], signum: int, *, seconds: float = 30) -> tuple[str, str]:
    """Send ``signum`` and wait for the exit; the process's stdout and stderr."""
    process.send_signal(signum)
    try:
        return process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
