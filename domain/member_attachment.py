"""Temporary attachment to another cell (sinh hoạt đảng tạm thời, §2.5), and the guard every
move shares: a member moves to one other cell at a time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import UUID

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.calendar_months import add_months
from partyledger.domain.errors import DateOrderError, DomainError, StatusDoesNotAllowError
from partyledger.domain.member_state import MemberState
from partyledger.domain.rules import Rules


class TransferInProgressError(DomainError):
    code = "TRANSFER_ALREADY_IN_PROGRESS"


class TransferToSameCellError(DomainError):
    code = "TRANSFER_TO_SAME_CELL"


class TemporaryAttachmentTooShortError(DomainError):
    code = "TEMPORARY_ATTACHMENT_TOO_SHORT"


class TemporaryAttachmentTooLongError(DomainError):
    code = "TEMPORARY_ATTACHMENT_TOO_LONG"


class TemporaryExtensionNotLaterError(DomainError):
    code = "TEMPORARY_ATTACHMENT_EXTENSION_NOT_LATER"


class NotTemporarilyAttachedError(DomainError):
    code = "NOT_TEMPORARILY_ATTACHED"


class AttachmentPurpose(LabelledEnum):
    WORK_OR_RESIDENCE = "Thay đổi nơi làm việc hoặc nơi cư trú"
    STUDY = "Đi học tập trung trong nước"


@dataclass(frozen=True)
class TemporaryAttachment:
    """A stay at another cell; the home cell keeps the member on its roster."""

    to_cell_id: UUID
    purpose: AttachmentPurpose
    from_on: date
    until_on: date
    max_months: int  # the figure in force when the stay began
    returned_on: date | None = None

    @property
    def last_allowed_day(self) -> date:
        """Study: up to the full limit; work or residence: strictly under it."""
        limit = add_months(self.from_on, self.max_months)
        return limit if self.purpose is AttachmentPurpose.STUDY else limit - timedelta(days=1)


class TemporaryAttachments(MemberState):
    temporary_attachment: TemporaryAttachment | None = None
    temporary_cell_id: UUID | None = None

    class TemporarilyAttached(RegisterAggregate.Event):
        to_cell_id: UUID
        purpose: AttachmentPurpose
        until_on: date
        max_months: int
        regulation: str
        effective_on: date

        def apply(self, member: TemporaryAttachments) -> None:
            member.temporary_attachment = TemporaryAttachment(
                self.to_cell_id, self.purpose, self.effective_on, self.until_on, self.max_months)
            member.temporary_cell_id = self.to_cell_id

    class TemporaryAttachmentExtended(RegisterAggregate.Event):
        until_on: date
        effective_on: date

        def apply(self, member: TemporaryAttachments) -> None:
            assert member.temporary_attachment is not None
            member.temporary_attachment = replace(member.temporary_attachment, until_on=self.until_on)

    class ReturnedFromAttachment(RegisterAggregate.Event):
        effective_on: date

        def apply(self, member: TemporaryAttachments) -> None:
            assert member.temporary_attachment is not None
            member.temporary_attachment = replace(member.temporary_attachment,
                                                  returned_on=self.effective_on)
            member.temporary_cell_id = None

    def attach_temporarily(  # noqa: PLR0913
        self, *, to_cell_id: UUID, from_on: date, until_on: date, purpose: AttachmentPurpose,
        rules: Rules,
    ) -> None:
        """3 months to under a year (study: up to 24 months); the home cell keeps the roster."""
        self.require_free_to_move(to_cell_id, from_on)
        max_months = (rules.temporary_study_max_months if purpose is AttachmentPurpose.STUDY
                      else rules.temporary_max_months)
        if until_on < add_months(from_on, rules.temporary_min_months):
            msg = f"a stay from {from_on} to {until_on} is under {rules.temporary_min_months} months"
            raise TemporaryAttachmentTooShortError(msg, field="untilOn")
        _check_not_too_long(TemporaryAttachment(to_cell_id, purpose, from_on, until_on, max_months), until_on)
        self.trigger_event(  # type: ignore[attr-defined]
            self.TemporarilyAttached, to_cell_id=to_cell_id, purpose=purpose, until_on=until_on,
            max_months=max_months, regulation=rules.regulation, effective_on=from_on)

    def extend_temporary_attachment(self, *, until_on: date, on: date) -> None:
        """A later end, within the same limit counted over the whole stay."""
        stay = self._current_stay()
        _order(stay.from_on, on, "effectiveOn", "the extension")
        if until_on <= stay.until_on:
            msg = f"the stay already runs to {stay.until_on}; {until_on} does not extend it"
            raise TemporaryExtensionNotLaterError(msg, field="untilOn")
        _check_not_too_long(stay, until_on)
        self.trigger_event(self.TemporaryAttachmentExtended, until_on=until_on, effective_on=on)  # type: ignore[attr-defined]

    def return_from_attachment(self, *, returned_on: date) -> None:
        """The member is back at the home cell (early returns are allowed)."""
        stay = self._current_stay()
        _order(stay.from_on, returned_on, "effectiveOn", "the return")
        self.trigger_event(self.ReturnedFromAttachment, effective_on=returned_on)  # type: ignore[attr-defined]

    # -- the guard every move shares ----------------------------------------------------------

    def require_free_to_move(self, to_cell_id: UUID, on: date) -> None:
        """A member, in no other move, going to a cell not their own, after the last move ended."""
        if not self.status.is_member:
            raise StatusDoesNotAllowError(f"the record is {self.status.name}; only members transfer")
        if self.in_a_move():
            raise TransferInProgressError("the member is already in a transfer or a temporary stay")
        if to_cell_id == self.cell_id:
            raise TransferToSameCellError("the destination is the member's own cell", field="toCellId")
        if (ended := self.last_move_ended_on()) is not None:
            _order(ended, on, "effectiveOn", "the move")

    def in_a_move(self) -> bool:
        return self.temporary_cell_id is not None

    def last_move_ended_on(self) -> date | None:
        return self.temporary_attachment.returned_on if self.temporary_attachment else None

    def _current_stay(self) -> TemporaryAttachment:
        stay = self.temporary_attachment
        if stay is None or stay.returned_on is not None:
            raise NotTemporarilyAttachedError("the member is not temporarily attached to another cell")
        return stay


def _check_not_too_long(stay: TemporaryAttachment, until_on: date) -> None:
    if until_on > stay.last_allowed_day:
        limit = "up to" if stay.purpose is AttachmentPurpose.STUDY else "under"
        msg = (f"a {stay.purpose.name} stay from {stay.from_on} must end {limit} {stay.max_months}"
               f" months later (by {stay.last_allowed_day}); {until_on} is too late")
        raise TemporaryAttachmentTooLongError(msg, field="untilOn")


_order = DateOrderError.check
