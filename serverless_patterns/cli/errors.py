"""The one error the CLI shows to a user: a single line that says what went wrong and what to do."""

from __future__ import annotations

__all__ = ["CliError"]


class CliError(Exception):
    """An error shown as one line (no traceback unless ``--debug``).

    ``detail`` holds extra output (a synth log, say) that ``--debug`` prints.
    """

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
