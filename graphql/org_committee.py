"""GraphQL mutations on the organisation tree (see graphql/organizations.py for the pattern)."""

import strawberry


@strawberry.type
class CommitteeMutation:
    """Not yet built."""
