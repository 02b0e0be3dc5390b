"""Transfers (chuyển sinh hoạt đảng, §2.5): the official transfer between cells of this register,
composed with the temporary attachment and the residence liaison (§2.6).

An official transfer moves the member's roster cell once the destination receives them. The
destination is a cell of the same register; a letter to another tenant is a different event
with a different destination, and leaves these untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError
from partyledger.domain.member_attachment import TemporaryAttachments
from partyledger.domain.member_residence import ResidenceLiaison
from partyledger.domain.member_state import ExcludedInterval
from partyledger.domain.rules import Rules
from partyledger.domain.working_days import WorkingCalendar

TRANSFER_GAP = "TRANSFER_GAP"
"""The cause recorded on the party-age exclusion of a letter presented late (§2.4)."""


class TransferLetterNumberRequiredError(DomainError):
    code = "TRANSFER_LETTER_NUMBER_REQUIRED"


class NoTransferLetterError(DomainError):
    code = "NO_TRANSFER_LETTER_OUTSTANDING"


class TransferLetterAlreadyPresentedError(DomainError):
    code = "TRANSFER_LETTER_ALREADY_PRESENTED"


class TransferLetterNotPresentedError(DomainError):
    code = "TRANSFER_LETTER_NOT_PRESENTED"


class TransferLetterLapsedReasonRequiredError(DomainError):
    code = "TRANSFER_LETTER_LAPSED_REASON_REQUIRED"


class TransferState(LabelledEnum):
    ISSUED = "Đã cấp giấy giới thiệu sinh hoạt đảng"
    PRESENTED = "Đã nộp giấy giới thiệu cho chi ủy nơi đến"
    RECEIVED = "Đã tiếp nhận sinh hoạt đảng"
    LAPSED = "Quá hạn nộp giấy giới thiệu"


@dataclass(frozen=True)
class TransferLetter:
    """A letter of introduction (giấy giới thiệu sinh hoạt đảng) and how far it has gone."""

    to_cell_id: UUID
    letter_number: str
    issued_on: date
    presentation_wd: int  # the figure in force on the issue date
    presented_on: date | None = None
    late_reason: str | None = None
    received_on: date | None = None

    def deadline(self, calendar: WorkingCalendar) -> date:
        return calendar.add_working_days(self.issued_on, self.presentation_wd)


@dataclass(frozen=True)
class TransferProgress:
    state: TransferState
    presentation_deadline: date
    letter: TransferLetter


class Transfers(TemporaryAttachments, ResidenceLiaison):
    """Official transfers, temporary attachments and the residence liaison."""

    transfer_letters: tuple[TransferLetter, ...] = ()

    class TransferLetterIssued(RegisterAggregate.Event):
        to_cell_id: UUID
        letter_number: str
        decision: Decision | None
        presentation_wd: int
        regulation: str
        effective_on: date

        def apply(self, member: Transfers) -> None:
            letter = TransferLetter(self.to_cell_id, self.letter_number, self.effective_on,
                                    self.presentation_wd)
            member.transfer_letters = (*member.transfer_letters, letter)

    class TransferLetterPresented(RegisterAggregate.Event):
        """``late`` is judged when recorded, so a replay needs no calendar."""

        deadline: date
        late: bool
        reason_if_late: str | None
        effective_on: date

        def apply(self, member: Transfers) -> None:
            letter = member.transfer_letters[-1]
            member.transfer_letters = _with_latest(member.transfer_letters, replace(
                letter, presented_on=self.effective_on, late_reason=self.reason_if_late))
            if self.late:
                gap = ExcludedInterval(start=letter.issued_on, end=self.effective_on, cause=TRANSFER_GAP)
                member.excluded = [*member.excluded, gap]

    class TransferReceived(RegisterAggregate.Event):
        from_cell_id: UUID
        to_cell_id: UUID
        effective_on: date

        def apply(self, member: Transfers) -> None:
            latest = replace(member.transfer_letters[-1], received_on=self.effective_on)
            member.transfer_letters = _with_latest(member.transfer_letters, latest)
            member.cell_id = self.to_cell_id

    @property
    def open_letter(self) -> TransferLetter | None:
        letter = self.transfer_letters[-1] if self.transfer_letters else None
        return letter if letter and letter.received_on is None else None

    @property
    def receiving_cell_id(self) -> UUID | None:
        """The cell an outstanding letter is addressed to: it records presentation and receipt."""
        return self.open_letter.to_cell_id if self.open_letter else None

    def transfer_state(self, as_of: date, calendar: WorkingCalendar) -> TransferProgress | None:
        """Where the latest letter issued by ``as_of`` stood that day; LAPSED once its deadline
        passed with no presentation."""
        letters = [letter for letter in self.transfer_letters if letter.issued_on <= as_of]
        if not letters:
            return None
        letter, deadline = letters[-1], letters[-1].deadline(calendar)
        if letter.received_on and letter.received_on <= as_of:
            state = TransferState.RECEIVED
        elif letter.presented_on and letter.presented_on <= as_of:
            state = TransferState.PRESENTED
        else:
            state = TransferState.LAPSED if as_of > deadline else TransferState.ISSUED
        return TransferProgress(state, deadline, letter)

    def issue_transfer_letter(  # noqa: PLR0913
        self, *, to_cell_id: UUID, letter_number: str, decision: Decision | None,
        issued_on: date, rules: Rules,
    ) -> None:
        """The sending committee issues the letter; the member has 30 working days to present it."""
        self.require_free_to_move(to_cell_id, issued_on)
        if not letter_number.strip():
            raise TransferLetterNumberRequiredError("a transfer letter needs its register number",
                                                    field="letterNumber")
        if decision is not None:
            _order(decision.date, issued_on, "effectiveOn", "the letter")
        self.trigger_event(  # type: ignore[attr-defined]
            self.TransferLetterIssued, to_cell_id=to_cell_id, letter_number=letter_number.strip(),
            decision=decision, presentation_wd=rules.transfer_presentation_wd,
            regulation=rules.regulation, effective_on=issued_on)

    def present_transfer_letter(
        self, *, presented_on: date, reason_if_late: str | None, calendar: WorkingCalendar,
    ) -> None:
        """On time within the working days counted from the letter's date; later only with the
        reason stated, and then the gap does not count towards party age."""
        letter = self._outstanding_letter()
        if letter.presented_on is not None:
            msg = f"letter {letter.letter_number} was presented on {letter.presented_on}"
            raise TransferLetterAlreadyPresentedError(msg, field="effectiveOn")
        _order(letter.issued_on, presented_on, "effectiveOn", "the presentation")
        deadline, reason = letter.deadline(calendar), (reason_if_late or "").strip() or None
        late = presented_on > deadline
        if late and reason is None:
            msg = (f"letter {letter.letter_number} of {letter.issued_on} lapsed after {deadline};"
                   " a late presentation must state the reason")
            raise TransferLetterLapsedReasonRequiredError(msg, field="reasonIfLate")
        self.trigger_event(self.TransferLetterPresented, deadline=deadline, late=late,  # type: ignore[attr-defined]
                           reason_if_late=reason if late else None, effective_on=presented_on)

    def receive_transfer(self, *, received_on: date) -> None:
        """The receiving cell takes the member onto its roster."""
        letter = self._outstanding_letter()
        if letter.presented_on is None:
            msg = f"letter {letter.letter_number} has not been presented to the receiving cell"
            raise TransferLetterNotPresentedError(msg)
        _order(letter.presented_on, received_on, "effectiveOn", "the receipt")
        self.trigger_event(self.TransferReceived, from_cell_id=self.cell_id,  # type: ignore[attr-defined]
                           to_cell_id=letter.to_cell_id, effective_on=received_on)

    def in_a_move(self) -> bool:
        return self.open_letter is not None or super().in_a_move()

    def last_move_ended_on(self) -> date | None:
        ended = [d for d in (super().last_move_ended_on(),
                             self.transfer_letters[-1].received_on if self.transfer_letters else None) if d]
        return max(ended, default=None)

    def _outstanding_letter(self) -> TransferLetter:
        if self.open_letter is None:
            raise NoTransferLetterError("the member has no transfer letter outstanding")
        return self.open_letter


def _with_latest(letters: tuple[TransferLetter, ...], latest: TransferLetter) -> tuple[TransferLetter, ...]:
    return (*letters[:-1], latest)


_order = DateOrderError.check
