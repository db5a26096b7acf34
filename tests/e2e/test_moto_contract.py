"""The moto internals the local cloud patches or reads are still there, with the same parameters.

moto is pinned to the minor versions checked (pyproject.toml); when the pin moves, this test says
what changed before any deploy does something strange."""

from __future__ import annotations

import pytest

from serverless_patterns.local import _moto, _patches
from serverless_patterns.local._state import State, active

pytestmark = pytest.mark.e2e


def test_every_moto_name_the_local_cloud_relies_on_is_unchanged() -> None:
    import moto

    problems = _moto.check_contract()
    assert not problems, (
        f"moto {moto.__version__} changed under the local cloud (serverless_patterns/local/_moto.py "
        "lists what it relies on; pyproject.toml pins the versions checked):\n"
        + "\n".join(f"  - {p}" for p in problems)
    )


def _name(owner: object, attribute: str) -> str:
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}.{attribute}"
    return f"{getattr(owner, '__name__', type(owner).__name__)}.{attribute}"


def test_every_patch_is_in_the_contract() -> None:
    if active() is not None:
        pytest.skip("a local cloud runs in this process")
    _patches.install(State("123456789012", "us-east-1", "http://localhost:1"), 1)
    try:
        patched = {
            _name(owner, attribute)
            for owner, attribute, _ in _patches._saved
            if not attribute.startswith("[") and type(owner).__name__ != "Logger"
        }
    finally:
        _patches.uninstall()
    listed = {f"{m}.{a}" for m, a, _ in _moto.PATCHED} | {f"{m}.{a}" for m, a in _moto.ADDED}
    assert patched - listed == set()
    assert _patches._saved == []


def test_a_changed_signature_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.awslambda.models import LambdaBackend

    monkeypatch.setattr(LambdaBackend, "invoke", lambda self, name: None)
    problems = [str(p) for p in _moto.check_contract()]
    assert problems == [
        "moto.awslambda.models.LambdaBackend.invoke: parameters are ('self', 'name'), expected "
        "('self', 'function_name', 'qualifier', 'body', 'headers', 'response_headers') first"
    ]
