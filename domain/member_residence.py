"""The working member's liaison with the cell where they live (QĐ 213-QĐ/TW, HD 33-HD/BTCTW,
§2.6): the introduction, the yearly comment, and the categories exempt from either."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.errors import DateOrderError, DomainError, StatusDoesNotAllowError
from partyledger.domain.member_state import MemberState


class ResidencePlaceRequiredError(DomainError):
    code = "RESIDENCE_PLACE_REQUIRED"


class ResidenceIntroductionExemptError(DomainError):
    code = "RESIDENCE_INTRODUCTION_EXEMPT"


class ResidenceNotIntroducedError(DomainError):
    code = "RESIDENCE_NOT_INTRODUCED"


class ResidenceFeedbackExemptError(DomainError):
    code = "RESIDENCE_FEEDBACK_EXEMPT"


class ResidenceFeedbackAlreadyRecordedError(DomainError):
    code = "RESIDENCE_FEEDBACK_ALREADY_RECORDED"


class ResidenceExemptionUnchangedError(DomainError):
    code = "RESIDENCE_EXEMPTION_UNCHANGED"


class ResidenceOutcome(LabelledEnum):
    FULFILLED = "Hoàn thành nhiệm vụ ở nơi cư trú"
    NOT_FULFILLED = "Không hoàn thành nhiệm vụ ở nơi cư trú"


class ResidenceExemption(LabelledEnum):
    """HD 33's categories: introduced but with no yearly comment, except SPECIAL_DUTY, which is
    exempt even from the introduction."""

    ARMED_FORCES_IN_BARRACKS = "Quân đội, công an ở tập trung trong doanh trại"
    ITINERANT_WORK = "Làm việc lưu động, không ổn định nơi cư trú"
    ROTATED_CADRE_IN_OFFICIAL_HOUSING = "Cán bộ luân chuyển, điều động ở nhà công vụ"
    FULL_TIME_STUDY_AWAY = "Đi học tập trung xa nơi cư trú từ 12 tháng trở lên"
    SPECIAL_DUTY = "Làm nhiệm vụ đặc biệt trong quân đội, công an"

    @property
    def exempt_from_introduction(self) -> bool:
        return self is ResidenceExemption.SPECIAL_DUTY


@dataclass(frozen=True)
class ResidenceFeedback:
    year: int
    outcome: ResidenceOutcome
    recorded_on: date


@dataclass(frozen=True)
class Residence:
    """Where the member was introduced, their exemption, and the comments received by year."""

    introduced_on: date | None = None
    cell_id: UUID | None = None  # a cell of this register
    organization_name: str | None = None  # a place outside it, by name
    exemption: ResidenceExemption | None = None
    feedback: tuple[ResidenceFeedback, ...] = field(default_factory=tuple)


class ResidenceLiaison(MemberState):
    residence: Residence = Residence()

    class ResidenceIntroductionSent(RegisterAggregate.Event):
        residence_cell_id: UUID | None
        residence_organization_name: str | None
        effective_on: date

        def apply(self, member: ResidenceLiaison) -> None:
            member.residence = replace(member.residence, introduced_on=self.effective_on,
                                       cell_id=self.residence_cell_id,
                                       organization_name=self.residence_organization_name)

    class ResidenceFeedbackRecorded(RegisterAggregate.Event):
        year: int
        outcome: ResidenceOutcome
        effective_on: date

        def apply(self, member: ResidenceLiaison) -> None:
            comment = ResidenceFeedback(self.year, self.outcome, self.effective_on)
            member.residence = replace(member.residence, feedback=(*member.residence.feedback, comment))

    class ResidenceExemptionSet(RegisterAggregate.Event):
        """``category`` None lifts the exemption."""

        category: ResidenceExemption | None
        effective_on: date

        def apply(self, member: ResidenceLiaison) -> None:
            member.residence = replace(member.residence, exemption=self.category)

    def introduce_to_residence(
        self, *, residence_cell_id: UUID | None, residence_organization_name: str | None, on: date,
    ) -> None:
        """The workplace organisation introduces the member to one place of residence: a cell
        of this register or, outside it, an organisation named."""
        self._require_member()
        name = (residence_organization_name or "").strip() or None
        if (residence_cell_id is None) == (name is None):
            msg = "name the place of residence: a cell of this register or an organisation, not both"
            raise ResidencePlaceRequiredError(msg, field="residenceCellId")
        if self.residence.exemption and self.residence.exemption.exempt_from_introduction:
            msg = f"members on {self.residence.exemption.name} are not introduced to their residence"
            raise ResidenceIntroductionExemptError(msg)
        self.trigger_event(self.ResidenceIntroductionSent, residence_cell_id=residence_cell_id,  # type: ignore[attr-defined]
                           residence_organization_name=name, effective_on=on)

    def record_residence_feedback(self, *, year: int, outcome: ResidenceOutcome, on: date) -> None:
        """The residence cell's yearly comment: one a year, for introduced members not exempt."""
        self._require_member()
        introduced_on = self.residence.introduced_on
        if introduced_on is None:
            raise ResidenceNotIntroducedError("the member was not introduced to a place of residence")
        if self.residence.exemption is not None:
            msg = f"members on {self.residence.exemption.name} get no yearly comment"
            raise ResidenceFeedbackExemptError(msg)
        if any(f.year == year for f in self.residence.feedback):
            raise ResidenceFeedbackAlreadyRecordedError(f"the comment for {year} is recorded", field="year")
        if not introduced_on.year <= year <= on.year:
            msg = f"a comment for {year}, recorded {on}, on an introduction of {introduced_on}"
            raise DateOrderError(msg, field="year")
        self.trigger_event(self.ResidenceFeedbackRecorded, year=year, outcome=outcome,  # type: ignore[attr-defined]
                           effective_on=on)

    def set_residence_exemption(self, *, category: ResidenceExemption | None, on: date) -> None:
        """Set (or, with None, lift) the member's HD 33 category."""
        self._require_member()
        if category is self.residence.exemption:
            raise ResidenceExemptionUnchangedError("the member is already in that category", field="category")
        self.trigger_event(self.ResidenceExemptionSet, category=category, effective_on=on)  # type: ignore[attr-defined]

    def _require_member(self) -> None:
        if not self.status.is_member:
            raise StatusDoesNotAllowError(f"the record is {self.status.name}; the liaison is for members")
