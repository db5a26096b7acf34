"""The runtime on its own: a worker process per function, environments, context, timeouts."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local.runtime import HandlerRuntime, Invocation

from .apps_support import processes_running

pytestmark = pytest.mark.e2e


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@dataclass
class FakeFunction:
    """The attributes of moto's LambdaFunction that the runtime reads."""

    function_name: str
    files: dict[str, str]
    handler: str = "index.handler"
    timeout: float = 3
    environment_vars: dict[str, str] = field(default_factory=dict)
    run_time: str = "python3.12"
    memory_size: int = 256
    version: str = "$LATEST"

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def code_bytes(self) -> bytes:
        return _zip(self.files)

    @property
    def code_sha_256(self) -> str:
        return str(abs(hash(json.dumps(self.files, sort_keys=True))))


@pytest.fixture
def runtime(tmp_path: Path) -> Any:
    records: list[Invocation] = []
    rt = HandlerRuntime(
        tmp_path,
        {"AWS_REGION": "us-east-1"},
        records.append,
        credentials=lambda role: None,
        account_id="123456789012",
        region="us-east-1",
    )
    try:
        yield rt, records
    finally:
        rt.close()
    assert rt.pools.worker_count() == 0


SAME_NAMES = """
import helper
def handler(event, context):
    return helper.NAME
"""


def test_modules_of_the_same_name_stay_apart(runtime: Any) -> None:
    rt, _ = runtime
    one = FakeFunction("one", {"index.py": SAME_NAMES, "helper.py": "NAME = 'one'"})
    two = FakeFunction("two", {"index.py": SAME_NAMES, "helper.py": "NAME = 'two'"})
    assert rt.invoke(one, {}, source="test").json() == "one"
    assert rt.invoke(two, {}, source="test").json() == "two"
    assert rt.invoke(one, {}, source="test").json() == "one"
    assert "helper" not in __import__("sys").modules


ENV = """
import os, time
def handler(event, context):
    time.sleep(0.2)
    return {"color": os.environ["COLOR"], "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            "endpoint": os.environ.get("AWS_ENDPOINT_URL"), "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb, "remaining": context.get_remaining_time_in_millis()}
"""


def test_concurrent_handlers_see_their_own_environment(runtime: Any) -> None:
    rt, _ = runtime
    red = FakeFunction("red", {"index.py": ENV}, environment_vars={"COLOR": "red"})
    blue = FakeFunction("blue", {"index.py": ENV}, environment_vars={"COLOR": "blue"})
    answers: dict[str, Any] = {}
    threads = [
        threading.Thread(
            target=lambda f=f: answers.__setitem__(f.function_name, rt.invoke(f, {}, source="t").json())
        )
        for f in (red, blue, red.__class__("red2", red.files, environment_vars={"COLOR": "green"}))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers["red"]["color"] == "red"
    assert answers["blue"]["color"] == "blue"
    assert answers["red2"]["color"] == "green"
    assert answers["blue"]["name"] == "blue"
    assert answers["red"]["arn"].endswith(":function:red")
    assert answers["red"]["memory"] == 256
    assert 2000 < answers["red"]["remaining"] <= 3000
    assert "COLOR" not in os.environ  # the test's own thread never saw a handler's environment


def test_timeout_errors_and_output(runtime: Any) -> None:
    rt, records = runtime
    slow = FakeFunction(
        "slow", {"index.py": "import time\ndef handler(e, c):\n    time.sleep(1.5)\n"}, timeout=0.5
    )
    result = rt.invoke(slow, {}, source="test")
    assert result.error_type == "Unhandled"
    assert result.json()["errorType"] == "Sandbox.Timedout"
    assert records[-1].duration_ms < 2000

    failing = FakeFunction(
        "failing",
        {"index.py": "def handler(e, c):\n    print('about to fail')\n    raise KeyError('gone')\n"},
    )
    result = rt.invoke(failing, {}, source="test")
    assert result.json()["errorType"] == "KeyError"
    assert records[-1].error == "KeyError: 'gone'"
    assert records[-1].logs == "about to fail\n"

    node = FakeFunction(
        "node",
        {"index.js": "exports.handler = async (event) => ({ got: event.n * 2, v: process.version });"},
        run_time="nodejs22.x",
    )
    assert rt.invoke(node, {"n": 21}, source="test").json()["got"] == 42
    image = FakeFunction("image", {"index.py": ""}, run_time="")
    assert rt.invoke(image, {}, source="test").json()["errorType"] == "LocalCloud.RuntimeNotEmulated"
    missing = FakeFunction("missing", {"index.py": ""}, handler="nowhere.handler")
    assert rt.invoke(missing, {}, source="test").json()["errorType"] == "Runtime.ImportModuleError"


def test_workers_are_warm_reused_and_killed_with_what_they_started(runtime: Any) -> None:
    rt, _ = runtime
    pid = FakeFunction("pid", {"index.py": "import os\ndef handler(e, c):\n    return os.getpid()\n"})
    first, second = rt.invoke(pid, {}, source="t").json(), rt.invoke(pid, {}, source="t").json()
    assert first == second  # the same warm worker
    assert len(rt.cold_starts_ms) == 1

    # Past its timeout the worker and the process it started are killed; the next run is cold.
    spawner = FakeFunction(
        "spawner",
        {
            "index.py": "import subprocess, time\n"
            "def handler(e, c):\n"
            "    subprocess.Popen(['sleep', '30.0417'])\n"
            "    time.sleep(30)\n"
        },
        timeout=0.5,
    )
    result = rt.invoke(spawner, {}, source="t")
    assert result.json()["errorMessage"] == "Task timed out after 0.50 seconds"
    time.sleep(0.2)
    assert processes_running("sleep 30.0417") == []

    # A handler that makes its runtime exit fails with Runtime.ExitError; the next run starts anew.
    exits = FakeFunction(
        "exits",
        {"index.py": "import os\ndef handler(e, c):\n    if e.get('die'): os._exit(3)\n    return 'ok'\n"},
    )
    died = rt.invoke(exits, {"die": True}, source="t").json()
    assert died["errorType"] == "Runtime.ExitError"
    assert died["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert rt.invoke(exits, {}, source="t").json() == "ok"


def test_close_stops_a_hanging_handler_at_once_and_leaves_no_process(tmp_path: Path) -> None:
    records: list[Invocation] = []
    rt = HandlerRuntime(
        tmp_path,
        {},
        records.append,
        credentials=lambda role: None,
        account_id="123456789012",
        region="us-east-1",
    )
    hangs = FakeFunction(
        "hangs", {"index.py": "import time\ndef handler(e, c):\n    time.sleep(60.0419)\n"}, timeout=60
    )
    answers: list[Any] = []
    caller = threading.Thread(target=lambda: answers.append(rt.invoke(hangs, {}, source="t")))
    caller.start()
    deadline = time.monotonic() + 10
    while rt.pools.worker_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    begin = time.monotonic()
    rt.close()
    caller.join(5)
    assert not caller.is_alive()
    assert time.monotonic() - begin < 3
    assert answers[0].json()["errorType"] == "Runtime.ExitError"
    assert rt.pools.worker_count() == 0
    assert processes_running(str(tmp_path)) == []
    assert not [t.name for t in threading.enumerate() if t.name.startswith("local-worker")]
    # After close, nothing starts again.
    assert rt.invoke(hangs, {}, source="t").json()["errorType"] == "Runtime.ExitError"
