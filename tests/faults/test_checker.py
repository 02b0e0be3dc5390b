"""The fault suite's checker refuses each way a store can betray its writers."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from strawberry.relay import GlobalID

from faults.checker import StoredAdmissions, check_exactly_once
from faults.writers import Acknowledgement, Command, Ledger, synthetic_name

SENT = {f"k-{n}": Command(f"k-{n}", synthetic_name(n), {}) for n in range(3)}
MEMBERS = {key: uuid.uuid4() for key in SENT}


def faithful() -> tuple[StoredAdmissions, Ledger]:
    """Three admissions sent and stored once each; the first two acknowledged, the third
    stored but its answer lost, and sent again."""
    stored, ledger = StoredAdmissions(head=30), Ledger()
    for n, (key, command) in enumerate(SENT.items(), start=1):
        member = MEMBERS[key]
        stored.receipts_per_key[key] += 1
        stored.members_per_key[key] += 1
        stored.members_per_name[command.name] += 1
        stored.member_of_key[key] = member
        stored.name_of_member[member] = command.name
        stored.last_position_of_member[member] = 10 * n
        ledger.sending(key, 1)
        if n < 3:
            member_id = str(GlobalID("Member", str(member)))
            ledger.acknowledge(Acknowledgement(key, member_id, 10 * n, 1))
    ledger.sending("k-2", 2)
    return stored, ledger


def stored_twice(stored: StoredAdmissions, ledger: Ledger) -> None:
    stored.receipts_per_key["k-0"] += 1
    stored.members_per_key["k-0"] += 1


def member_without_receipt(stored: StoredAdmissions, ledger: Ledger) -> None:
    stored.members_per_name[SENT["k-0"].name] += 1
    stored.members_per_key["k-0"] += 1


def acknowledged_but_lost(stored: StoredAdmissions, ledger: Ledger) -> None:
    del stored.receipts_per_key["k-1"], stored.members_per_key["k-1"]


def stored_but_never_sent(stored: StoredAdmissions, ledger: Ledger) -> None:
    stored.receipts_per_key["k-9"] += 1
    stored.members_per_key["k-9"] += 1


def stored_unacknowledged_without_a_retry(stored: StoredAdmissions, ledger: Ledger) -> None:
    ledger.retried.clear()


def acknowledged_as_another_member(stored: StoredAdmissions, ledger: Ledger) -> None:
    stored.member_of_key["k-0"] = MEMBERS["k-1"]


def acknowledged_before_it_was_stored(stored: StoredAdmissions, ledger: Ledger) -> None:
    stored.last_position_of_member[MEMBERS["k-1"]] = 25


def test_a_faithful_store_passes() -> None:
    check_exactly_once(*faithful(), SENT)


@pytest.mark.parametrize("betrayal", [
    stored_twice, member_without_receipt, acknowledged_but_lost, stored_but_never_sent,
    stored_unacknowledged_without_a_retry, acknowledged_as_another_member,
    acknowledged_before_it_was_stored,
])
def test_each_betrayal_is_caught(betrayal: Callable[[StoredAdmissions, Ledger], None]) -> None:
    stored, ledger = faithful()
    betrayal(stored, ledger)
    with pytest.raises(AssertionError):
        check_exactly_once(stored, ledger, SENT)


def test_names_are_distinct_for_every_admission_the_suite_sends() -> None:
    names = Counter(synthetic_name(n) for n in range(20_000))
    assert names.most_common(1)[0][1] == 1
