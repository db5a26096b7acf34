"""Lambda handler code shipped with the package. Each subdirectory is one function's code asset."""

from pathlib import Path

HANDLERS_DIR = Path(__file__).parent
STREAM_FORWARDER_DIR = HANDLERS_DIR / "stream_forwarder"

__all__ = ["HANDLERS_DIR", "STREAM_FORWARDER_DIR"]
