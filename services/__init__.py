"""Command handlers: one event-sourced application per tenant, authority checks, idempotency."""
