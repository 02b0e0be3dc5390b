"""Founding organisations: which kind may sit under which (DOMAIN.md §2.13.1), no database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest

from partyledger.domain.errors import ParentKindNotAllowedError
from partyledger.domain.names import fold_name
from partyledger.domain.organization import Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance.system()) as p:
        yield p


def found(kind: K, parent: Organization | None) -> Organization:
    return Organization.found(name=" Chi bộ Thôn Đông ", kind=kind, parent=parent,
                              effective_on=date(2025, 7, 1), decision=None)


def test_a_cell_is_founded_under_a_commune_committee_and_holds_members() -> None:
    province = found(K.PROVINCIAL_ORGANIZATION, None)
    commune = found(K.COMMUNE_COMMITTEE, province)
    cell = found(K.GRASSROOTS_CELL, commune)
    assert cell.parent_id == commune.id and cell.kind.holds_members
    assert cell.name == "Chi bộ Thôn Đông"
    assert not commune.kind.holds_members


def test_a_subordinate_cell_needs_a_grassroots_committee_above_it() -> None:
    province = found(K.PROVINCIAL_ORGANIZATION, None)
    with pytest.raises(ParentKindNotAllowedError) as refused:
        found(K.SUBORDINATE_CELL, province)
    assert refused.value.code == "PARENT_KIND_NOT_ALLOWED"


def test_only_the_provincial_organisation_stands_at_the_top() -> None:
    with pytest.raises(ParentKindNotAllowedError):
        found(K.GRASSROOTS_CELL, None)


def test_no_event_can_be_recorded_without_provenance() -> None:
    failures: list[BaseException] = []

    def outside_any_request() -> None:  # a new thread starts with no context variables set
        try:
            found(K.PROVINCIAL_ORGANIZATION, None)
        except LookupError as error:
            failures.append(error)

    thread = threading.Thread(target=outside_any_request)
    thread.start()
    thread.join()
    assert len(failures) == 1 and "provenance" in str(failures[0])


@pytest.mark.parametrize(("given", "folded"), [
    ("Nguyễn Văn Ân", "nguyen van an"),
    ("ĐẶNG  THỊ Ửng", "dang thi ung"),
    ("Nguyen Van An", "nguyen van an"),
])
def test_names_fold_for_search_without_diacritics(given: str, folded: str) -> None:
    assert fold_name(given) == folded
