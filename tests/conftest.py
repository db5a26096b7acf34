"""Figures the tests measure, printed in a section of their own at the end of the run (also under
``pytest -n``): a test records one with ``record_property("figure: <what>", "<value>")``. Speed is
reported this way, never asserted."""

from __future__ import annotations

import pytest

PREFIX = "figure: "
FIGURES: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        FIGURES.extend(
            (str(name)[len(PREFIX) :], str(value))
            for name, value in report.user_properties
            if str(name).startswith(PREFIX)
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("figures")
        for name, value in FIGURES:
            terminalreporter.line(f"{name}: {value}")
