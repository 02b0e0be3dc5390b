"""The bitemporal rows of a member's record, against brute force: for random change sequences
(back-dated ones included), the version the roster's query picks for (date, recording) equals
the fold of the changes recorded by then and effective by then; and the count deltas summed up
to a date equal where the member counts on that date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from partyledger.projections.member_changes import Change
from partyledger.projections.member_versions import deltas, record_at, versions

START = date(2015, 1, 1)
CELLS = ["A", "B", "C"]
STATUSES = ["PROBATIONARY", "OFFICIAL", "EXITED"]

days = st.integers(min_value=0, max_value=40).map(lambda n: START + timedelta(days=30 * n))
opening = st.builds(lambda d, cell: Change(d, {"full_name": "Lò Văn Páo", "folded_name": "lo van pao",
                                               "birth_date": date(1990, 1, 1), "organization_id": cell,
                                               "status": "PROBATIONARY", "admitted_on": d,
                                               "ceremony_on": d, "recognized_on": None}, opens=True),
                    days, st.sampled_from(CELLS))
later = st.one_of(
    st.builds(lambda d, cell: Change(d, {"organization_id": cell}), days, st.sampled_from(CELLS)),
    st.builds(lambda d, s: Change(d, {"status": s}), days, st.sampled_from(STATUSES)),
    st.builds(lambda d, n: Change(d, {"full_name": f"Lò Văn Páo {n}"}), days, st.integers(0, 9)),
)
histories = st.tuples(opening, st.lists(later, max_size=8)).map(lambda t: [t[0], *t[1]])


def picked(rows: list[tuple[int, date, dict[str, Any]]], day: date, known: int) -> dict[str, Any] | None:
    """What the roster's DISTINCT ON picks: rows of changes recorded by ``known`` and valid from
    ``day`` or earlier; the latest change, then its latest stretch."""
    candidates = [(k, v, r) for k, v, r in rows if k <= known and v <= day]
    return max(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


@settings(max_examples=300, deadline=None)
@given(histories)
def test_the_version_picked_for_a_date_and_a_recording_is_the_fold_of_what_was_known(
    changes: list[Change],
) -> None:
    rows = [(k, v.valid_from, v.record) for k in range(len(changes))
            for v in versions(changes[: k + 1])]
    probe_days = sorted({c.effective_on + timedelta(days=d) for c in changes for d in (-1, 0, 1)})
    for known in range(len(changes)):
        for day in probe_days:
            assert picked(rows, day, known) == record_at(changes[: known + 1], day)


@settings(max_examples=300, deadline=None)
@given(histories)
def test_count_deltas_add_up_to_where_the_member_counts_on_each_date(changes: list[Change]) -> None:
    found = [(k, key, day, step) for k in range(len(changes)) for key, day, step in deltas(changes[: k + 1])]
    probe_days = sorted({c.effective_on + timedelta(days=d) for c in changes for d in (-1, 0, 1)})
    for known in range(len(changes)):
        for day in probe_days:
            summed: dict[Any, int] = {}
            for k, key, effective, step in found:
                if k <= known and effective <= day:
                    summed[key] = summed.get(key, 0) + step
            record = record_at(changes[: known + 1], day)
            expected = {(record["organization_id"], record["status"]): 1} if record else {}
            assert {key: n for key, n in summed.items() if n} == expected


def test_an_in_order_change_writes_one_version_and_a_back_dated_one_reshapes_later_stretches() -> None:
    opened = Change(date(2015, 1, 1), {"organization_id": "A", "status": "PROBATIONARY"}, opens=True)
    moved = Change(date(2020, 1, 1), {"organization_id": "B"})
    recognised = Change(date(2016, 1, 1), {"status": "OFFICIAL"})  # recorded after the move
    assert [v.valid_from for v in versions([opened, moved])] == [date(2020, 1, 1)]
    reshaped = versions([opened, moved, recognised])
    assert [(v.valid_from, v.record["organization_id"], v.record["status"]) for v in reshaped] == [
        (date(2016, 1, 1), "A", "OFFICIAL"), (date(2020, 1, 1), "B", "OFFICIAL")]
    assert sorted(deltas([opened, moved, recognised]), key=str) == sorted([
        (("A", "PROBATIONARY"), date(2016, 1, 1), -1), (("A", "OFFICIAL"), date(2016, 1, 1), 1),
        (("A", "OFFICIAL"), date(2020, 1, 1), -1), (("A", "PROBATIONARY"), date(2020, 1, 1), 1),
        (("B", "PROBATIONARY"), date(2020, 1, 1), -1), (("B", "OFFICIAL"), date(2020, 1, 1), 1),
    ], key=str)
