"""Arguments shared by the subcommands that each area (sentiment, alerts, insights, report)
registers, so ``--config`` means the same everywhere."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from klantstem.config import DEFAULT_CONFIG_NAME


#: Exit code of an error the user can fix (a bad file, a missing warehouse): one line on stderr.
EXIT_USER_ERROR = 2


def user_error(message: str) -> int:
    """Print ``klantstem: error: <message>`` (one line) and return :data:`EXIT_USER_ERROR`."""
    print(f"klantstem: error: {message}", file=sys.stderr)
    return EXIT_USER_ERROR


def add_config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", type=Path, default=Path(DEFAULT_CONFIG_NAME),
        help=f"monitor config file (default: ./{DEFAULT_CONFIG_NAME})",
    )
