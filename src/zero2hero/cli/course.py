"""Course commands (list, show, start, check, ...). Placeholder until the course runner lands."""

from __future__ import annotations

import typer


def show_dashboard() -> None:
    typer.echo("Run `z2h --help` to see the commands.")


def register(app: typer.Typer) -> None:
    """Add the course commands to `app`."""
