"""The ``serverless-patterns`` console script (and ``python -m serverless_patterns.cli``).

It imports nothing of the ``cli`` extra before it can say that the extra is missing."""

from __future__ import annotations

import sys

from .._toolchain import missing_extra


def main() -> None:
    """Console-script entry point."""
    try:
        from .app import main as run
    except ModuleNotFoundError as error:
        message = missing_extra(error)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2) from None
    run()


if __name__ == "__main__":
    main()
