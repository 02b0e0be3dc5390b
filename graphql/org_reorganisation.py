"""GraphQL mutations on the organisation tree (see graphql/organizations.py for the pattern)."""

import strawberry


@strawberry.type
class ReorganisationMutation:
    """Not yet built."""
