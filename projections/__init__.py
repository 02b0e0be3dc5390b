"""Read models in each tenant's schema, kept from its notification log exactly once."""
