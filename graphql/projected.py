"""Which fields answer from the projections alone (not from the event store).

Answers made only of these fields change only when the tenant's projections move on, so they may
be kept until then (``infra/answer_cache``). A field that reads aggregates or the event store
(history, party age, disciplines, seats, ratings of an organisation, ...) is left out: its
answer changes the moment an event is appended.
"""

from graphql import DocumentNode, FieldNode, visit
from graphql.language import Visitor

PROJECTED_FIELDS = frozenset({
    "__typename",
    # the roster (roster_members, member_versions) and its connection
    "members", "totalCount", "edges", "cursor", "node", "pageInfo", "hasNextPage",
    "hasPreviousPage", "startCursor", "endCursor", "id", "fullName", "birthDate", "status",
    "statusLabel", "admittedOn", "ceremonyOn", "recognizedOn",
    # organisations (roster_organizations, org_tree_versions)
    "organization", "organizations", "name", "kind", "kindLabel", "foundedOn", "sector",
    "sectorLabel", "validFrom", "validTo", "parent", "children",
    # statistics (stat_* tables, counts, deltas, the tree's versions)
    "statistics", "ratingDistribution", "year", "subject", "grades", "grade", "label", "count",
    "shareOfRated", "shareOfEligible", "rated", "eligible", "atLeastGood", "rounding",
    "memberCount", "admissions", "start", "end", "target", "shareOfTarget", "met", "exits",
    "total", "byKind", "organizationCounts", "asOf",
    # not "screenings": Member.screenings reads the member's events (the statistics' figure of
    # that name is then answered fresh each time)
})


def reads_projections_only(document: DocumentNode) -> bool:
    """Whether every field the document selects is one of ``PROJECTED_FIELDS`` (fragments
    included: their fields are visited too)."""
    found = _FieldNames()
    visit(document, found)
    return found.names <= PROJECTED_FIELDS


class _FieldNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.names.add(node.name.value)
