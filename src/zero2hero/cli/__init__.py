"""The `z2h` command.

Each group of commands lives in its own module and registers itself on `app`. Modules here must
not import PyTorch at import time: `z2h --help`, `z2h list` and `z2h show` have to start fast, so
anything heavy is imported inside the command that needs it.
"""

from __future__ import annotations

import sys

import typer

from zero2hero.errors import Z2HError

app = typer.Typer(
    name="z2h",
    help="zero2hero: from a dot product to a GPT. Train, read, attempt, check.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    """With no command: the dashboard of your progress and what to do next."""
    if ctx.invoked_subcommand is None:
        from zero2hero.cli.course import show_dashboard

        show_dashboard()


def _register() -> None:
    from zero2hero.cli import course, tokenizer, training

    training.register(app)
    tokenizer.register(app)
    course.register(app)


_register()


def main() -> None:
    """Entry point: every expected failure becomes one line on stderr and a non-zero exit."""
    from rich.console import Console

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        app()
    except Z2HError as e:
        err.print(f"[bold red]error:[/] {e}")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        sys.exit(130)
