"""CLI command groups. Each module exposes ``register(app)`` and imports only typer at top level."""
