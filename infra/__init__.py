"""Composition root: settings, databases, tenants, authentication, telemetry, web app, CLI."""
