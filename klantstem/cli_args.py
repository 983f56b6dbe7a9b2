"""Arguments shared by the subcommands that each area (sentiment, alerts, insights, report)
registers, so ``--config`` means the same everywhere."""

from __future__ import annotations

import argparse
from pathlib import Path

from klantstem.config import DEFAULT_CONFIG_NAME


def add_config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", type=Path, default=Path(DEFAULT_CONFIG_NAME),
        help=f"monitor config file (default: ./{DEFAULT_CONFIG_NAME})",
    )
