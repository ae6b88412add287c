"""`python -m zero2hero.train` and `torchrun --nproc_per_node N -m zero2hero.train`.

The same options as `z2h train`; under torchrun every process runs this, and rank 0 reports.
"""

import sys

import typer

from zero2hero.cli.training import train_command
from zero2hero.errors import Z2HError


def main() -> None:
    try:
        typer.run(train_command)
    except Z2HError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
