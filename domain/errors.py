"""Domain errors: each names the rule it enforces with a stable, machine-readable code."""

from __future__ import annotations

from datetime import date


class DomainError(Exception):
    """A rule of the domain was broken; nothing is written.

    ``code`` is the UPPER_SNAKE name partners see in ``userErrors``; ``field`` names the
    input the rule is about, where there is one.
    """

    code = "DOMAIN_RULE_BROKEN"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ProbationNotElapsedError(DomainError):
    code = "PROBATION_NOT_ELAPSED"


class MemberNotProbationaryError(DomainError):
    code = "MEMBER_NOT_PROBATIONARY"


class IntroducerNotOfficialError(DomainError):
    code = "INTRODUCER_NOT_OFFICIAL"


class IntroducersInvalidError(DomainError):
    code = "INTRODUCERS_INVALID"


class OrganizationNotCellError(DomainError):
    code = "ORGANIZATION_NOT_A_CELL"


class OrganizationNotFoundError(DomainError):
    code = "ORGANIZATION_NOT_FOUND"


class MemberNotFoundError(DomainError):
    code = "MEMBER_NOT_FOUND"


class ParentKindNotAllowedError(DomainError):
    code = "PARENT_KIND_NOT_ALLOWED"


class DateOrderError(DomainError):
    code = "DATES_OUT_OF_ORDER"

    @classmethod
    def check(cls, earlier: date, later: date, field: str, what: str) -> None:
        """Refuse ``later`` (the date of ``what``) when it comes before ``earlier``."""
        if later < earlier:
            raise cls(f"{what} ({later}) comes before {earlier}", field=field)


class IdempotencyKeyReusedError(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"


class StatusDoesNotAllowError(DomainError):
    """The member's current status does not allow this step (§2.1 state machine)."""

    code = "STATUS_DOES_NOT_ALLOW"


class ApplicantAgeOutOfRangeError(DomainError):
    code = "APPLICANT_AGE_OUT_OF_RANGE"


class ProvincialAuthorityRequiredError(DomainError):
    code = "APPLICANT_OVER_60_NEEDS_PROVINCIAL_AUTHORITY"


class IntroducerOverlapTooShortError(DomainError):
    code = "INTRODUCER_OVERLAP_BELOW_12_MONTHS"


class CellVoteBelowTwoThirdsError(DomainError):
    code = "CELL_VOTE_BELOW_TWO_THIRDS"


class GrassrootsVoteBelowTwoThirdsError(DomainError):
    code = "GRASSROOTS_VOTE_BELOW_TWO_THIRDS"


class GrassrootsResolutionRequiredError(DomainError):
    code = "GRASSROOTS_RESOLUTION_REQUIRED"


class AdmissionDecisionLateError(DomainError):
    code = "ADMISSION_DECISION_LATE"


class CeremonyLateError(DomainError):
    code = "CEREMONY_LATE"


class RecognitionDecisionLateError(DomainError):
    code = "RECOGNITION_DECISION_LATE"


class PartyCardNumberTakenError(DomainError):
    code = "PARTY_CARD_NUMBER_TAKEN"
