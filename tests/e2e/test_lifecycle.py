"""The local cloud starts fast, listens on loopback only, and leaves nothing behind when it stops."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from serverless_patterns.local import LocalCloud, LocalCloudError

pytestmark = pytest.mark.e2e

_OURS = ("local-", "sqs-poller", "stream:")


def _refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_starts_on_loopback_and_stops_cleanly() -> None:
    environ_before = os.environ
    begin = time.monotonic()
    cloud = LocalCloud().start()
    try:
        started = time.monotonic() - begin
        # Under 5 s on a quiet machine once imports are warm; generous here for a loaded CI box.
        assert started < 20, f"start took {started:.1f} s"
        assert cloud.endpoint_url.startswith("http://localhost:")
        assert cloud.api_url.startswith("http://127.0.0.1:")
        ports = [cloud.port, int(cloud.api_url.rsplit(":", 1)[1])]
        assert cloud._server is not None
        assert cloud._server.get_host_and_port()[0] == "127.0.0.1"
        assert cloud.client("sqs").list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
    finally:
        cloud.stop()
    assert all(_refused(port) for port in ports)
    assert os.environ is environ_before
    time.sleep(0.3)
    assert not [t.name for t in threading.enumerate() if t.name.startswith(_OURS)]
    with pytest.raises(LocalCloudError, match="not running"):
        _ = cloud.endpoint_url


def test_wait_for_is_bounded_and_one_cloud_runs_at_a_time() -> None:
    with LocalCloud() as cloud:
        with pytest.raises(LocalCloudError, match="another LocalCloud"):
            LocalCloud().start()
        assert cloud.client("sqs").list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
        begin = time.monotonic()
        with pytest.raises(LocalCloudError, match=r"within 0\.3 s"):
            cloud.wait_for(lambda: False, timeout=0.3)
        assert time.monotonic() - begin < 2
        assert cloud.wait_for(lambda: 42, timeout=1) == 42
