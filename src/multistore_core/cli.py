"""The ``multistore`` command line: each area of the project registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module has register(subparsers), adding subcommands with set_defaults(run=...).
SUBCOMMAND_MODULES = [
    "multistore_core.demo",
    "projections.cli",
    "api.cli",
    "multistore_core.audit.cli",
    "integration.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="multistore",
        description="Event-sourced inventory and orders for multi-store retail chains.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
