"""Faults injected while writers are busy, one at a time, each once enough writes have been
acknowledged since the last one: so each strikes with writes in flight, and the writers have
shown the service recovered from the one before."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from faults.private_postgres import PrivatePostgres
from faults.service_process import ServiceProcess
from faults.writers import Ledger


@dataclass(frozen=True)
class Fault:
    kind: str
    """``database``: ``pg_ctl stop -m immediate``, down ``outage`` s, start; ``service``:
    SIGKILL, then started again."""
    outage: float = 0.0


class FaultInjector:
    def __init__(self, plan: Sequence[Fault], postgres: PrivatePostgres, service: ServiceProcess,
                 *, ledger: Ledger, total: int, deadline: float) -> None:
        self.plan, self.postgres, self.service = plan, postgres, service
        self.ledger, self.deadline = ledger, deadline
        self.step = total // (len(plan) + 1)
        self.done: list[Fault] = []
        self.errors: list[BaseException] = []

    def run(self) -> None:
        """Each fault in turn, after ``step`` more acknowledgements; stops at the deadline."""
        try:
            for n, fault in enumerate(self.plan, start=1):
                remaining = max(0.0, self.deadline - time.monotonic())
                if not self.ledger.wait_for(n * self.step, remaining):
                    return
                if fault.kind == "database":
                    self.postgres.restart_immediately(fault.outage)
                else:
                    self.service.kill()
                    self.service.start()
                self.done.append(fault)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.errors.append(error)
