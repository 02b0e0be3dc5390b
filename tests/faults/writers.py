"""Concurrent writers that send each admission with its own idempotency key and retry that key,
with the same input, until the service acknowledges it; and the ledger of what they saw.

An answer is *acknowledged* only when it is an HTTP 200 whose ``admitMember`` payload has no
``userErrors``, a member and a position. Anything else (a refused connection, a timeout, an
HTTP error, a GraphQL error of any code) means "send the same key again". A ``userErrors``
answer is a refusal by a rule: the test fails on it, unless its code says to try again.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

ADMIT = """
mutation Admit($input: AdmitMemberInput!) {
  admitMember(input: $input) {
    member { id fullName }
    userErrors { field message code }
    position
  }
}"""
TRANSIENT_CODES = frozenset({"DATABASE_UNAVAILABLE", "CONCURRENT_UPDATE", "CONFLICT", "RETRY"})
"""``userErrors`` codes that ask the sender to try again rather than name a broken rule."""
REQUEST_TIMEOUT = 10.0
RETRY_PAUSE = 0.1

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
           "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Quang", "Thanh", "Xuân", "Thu",
           "Hồng", "Kim", "Bảo", "Gia", "Phúc", "Trọng")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
          "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phương", "Quân", "Sơn", "Tâm",
          "Thảo", "Trang", "Trung", "Tuấn", "Uyên", "Vân", "Việt", "Yến", "Đông", "Khoa")


def synthetic_name(n: int) -> str:
    """A different four-word name for each ``n`` below 262,144 (no digits: names hold none)."""
    given_last, n = _GIVEN[n % len(_GIVEN)], n // len(_GIVEN)
    given_first, n = _GIVEN[n % len(_GIVEN)], n // len(_GIVEN)
    middle, n = _MIDDLE[n % len(_MIDDLE)], n // len(_MIDDLE)
    family = _FAMILY[n % len(_FAMILY)]
    return f"{family} {middle} {given_first} {given_last}"


@dataclass(frozen=True)
class Command:
    key: str
    name: str
    variables: dict[str, Any]


@dataclass(frozen=True)
class Acknowledgement:
    key: str
    member_id: str
    position: int
    attempts: int


@dataclass
class Ledger:
    """What the writers sent and what came back, shared by their threads."""

    sent: set[str] = field(default_factory=set)
    retried: set[str] = field(default_factory=set)
    acknowledged: dict[str, Acknowledgement] = field(default_factory=dict)
    refused: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    abandoned: set[str] = field(default_factory=set)
    failures: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _changed: threading.Condition = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

    def sending(self, key: str, attempt: int) -> None:
        with self._lock:
            self.sent.add(key)
            if attempt > 1:
                self.retried.add(key)

    def failed(self, kind: str) -> None:
        with self._lock:
            self.failures[kind] += 1

    def acknowledge(self, ack: Acknowledgement) -> None:
        with self._changed:
            self.acknowledged[ack.key] = ack
            self._changed.notify_all()

    def refuse(self, key: str, errors: list[dict[str, Any]]) -> None:
        with self._lock:
            self.refused[key] = errors

    def abandon(self, key: str) -> None:
        with self._lock:
            self.abandoned.add(key)

    def wait_for(self, count: int, timeout: float) -> bool:
        """Until at least ``count`` writes are acknowledged (False after ``timeout`` s)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.acknowledged) >= count, timeout)


class Writers:
    """``threads`` writers, each sending its share of ``commands`` in order, one at a time."""

    def __init__(self, base_url: str, token: str, commands: Sequence[Command], *,
                 threads: int, deadline: float) -> None:
        self.base_url, self.token, self.deadline = base_url, token, deadline
        self.shares = [list(commands[i::threads]) for i in range(threads)]
        self.ledger = Ledger()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._run, args=(share,), daemon=True, name=f"writer-{i}")
            for i, share in enumerate(self.shares)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self, timeout: float) -> bool:
        """Wait for every writer (at most ``timeout`` s in all); True when all have ended."""
        ends = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, ends - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    def _run(self, share: list[Command]) -> None:
        try:
            with httpx.Client(base_url=self.base_url, timeout=REQUEST_TIMEOUT,
                              headers={"Authorization": f"Bearer {self.token}"}) as client:
                for command in share:
                    if self.stop.is_set() or time.monotonic() > self.deadline:
                        return
                    self._send_until_acknowledged(client, command)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.errors.append(error)

    def _send_until_acknowledged(self, client: httpx.Client, command: Command) -> None:
        for attempt in itertools.count(1):
            if self.stop.is_set() or time.monotonic() > self.deadline:
                self.ledger.abandon(command.key)
                return
            self.ledger.sending(command.key, attempt)
            outcome = self._send(client, command, attempt)
            if outcome is not None:
                return
            time.sleep(RETRY_PAUSE)

    def _send(self, client: httpx.Client, command: Command, attempt: int) -> bool | None:
        """True when acknowledged, False when refused by a rule, None to try again."""
        try:
            request = {"query": ADMIT, "variables": command.variables}
            response = client.post("/graphql", json=request)
        except httpx.TimeoutException:
            self.ledger.failed("timeout")
            return None
        except httpx.TransportError as error:
            self.ledger.failed(type(error).__name__)
            return None
        if response.status_code != 200:
            self.ledger.failed(f"HTTP {response.status_code}")
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.ledger.failed("not a GraphQL answer")
            return None
        payload = (body.get("data") or {}).get("admitMember")
        if body.get("errors") or payload is None:
            codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
            self.ledger.failed("GraphQL " + ",".join(sorted(str(c) for c in codes)))
            return None
        user_errors = payload.get("userErrors") or []
        if user_errors:
            if {e.get("code") for e in user_errors} <= TRANSIENT_CODES:
                self.ledger.failed("userErrors " + ",".join(sorted(e["code"] for e in user_errors)))
                return None
            self.ledger.refuse(command.key, user_errors)
            return False
        member, position = payload.get("member"), payload.get("position")
        if not member or position is None:
            self.ledger.failed("payload without member or position")
            return None
        self.ledger.acknowledge(Acknowledgement(command.key, member["id"], int(position), attempt))
        return True

