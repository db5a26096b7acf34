"""Figures the tests measure, printed in a section of their own at the end of the run (also under
``pytest -n``): a test records one with ``record_property("figure: <what>", "<value>")``. Speed is
reported this way, never asserted.

And the order the test modules run in, the longest first: ``scripts/test.sh`` runs them on three
pytest-xdist workers (on two cores: the end-to-end tests spend part of their time waiting on
subprocesses, HTTP and the local clock, which a third worker fills), each module on one worker
(``--dist loadfile``), handed out in collection order, so a long module collected last would leave
the other workers idle until it ends. The end-to-end modules (the ``e2e`` marker) go first, the
longest of them (measured with ``--durations``) at the head; the tests of a module keep their order."""

from __future__ import annotations

import pytest

# First, as a user's app does (serverless-patterns new writes it so): before any test module imports
# aws_cdk, this process and the ones it starts get the library's Node.js settings (JSII_NODE,
# NODE_OPTIONS), which jsii reads when its kernel starts.
import serverless_patterns  # noqa: F401

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


# The longest modules, longest first (each deploys apps to the local cloud several times).
LONGEST = (
    "tests/e2e/test_canary_local.py",
    "tests/e2e/test_dev.py",
    "tests/e2e/test_dev_updates.py",
    "tests/e2e/test_update_lifecycle.py",
)


def _rank(item: pytest.Item) -> int:
    module = item.nodeid.split("::", 1)[0]
    if module in LONGEST:
        return LONGEST.index(module)
    return len(LONGEST) if item.get_closest_marker("e2e") else len(LONGEST) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: a module's tests keep their order within a rank
