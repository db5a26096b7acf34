"""``serverless-patterns new``: a CDK app built on one pattern, ready to synthesize and test."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .._requirements import requirements_txt
from .._toolchain import CDK_CLI_VERSION
from ..catalog import PatternEntry
from .errors import CliError

__all__ = ["CDK_CLI_VERSION", "app_source", "files_for", "write_app"]


_PACKS_IMPORT = "from cdk_nag import AwsSolutionsChecks, ServerlessChecks\n"
_PACKS = (
    "# The AwsSolutions and Serverless rule packs check every synth; an unacknowledged error fails it.\n"
    "cdk.Validations.of({app}).add_plugins(AwsSolutionsChecks({app}), ServerlessChecks({app}))\n"
)
_FIRST = "# First: it points jsii at the Node.js that pip installed, before aws_cdk starts it.\n"
_APP = re.compile(r"^(\w+) = (?:cdk\.)?App\(.*\)\s*$")

_APP_TEST = '''"""Synthesizes the app as `cdk synth` does, with its rule packs, and checks what it creates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_RESOURCES = __EXPECTED__


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdk.out")
    context = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
    env = {**os.environ, "CDK_OUTDIR": str(out), "CDK_CONTEXT_JSON": json.dumps(context)}
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def templates(outdir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(outdir.glob("*.template.json"))]


def test_rule_packs_have_no_unacknowledged_findings(outdir: Path) -> None:
    report = json.loads((outdir / "validation-report.json").read_text())
    found = [
        f"{violation['ruleName']} on {construct['constructPath']}"
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]
    assert found == []


def test_resources_created(outdir: Path) -> None:
    counts = Counter(r["Type"] for t in templates(outdir) for r in t["Resources"].values())
    assert {k: counts[k] for k in EXPECTED_RESOURCES} == EXPECTED_RESOURCES


def test_functions_are_traced_and_on_arm64(outdir: Path) -> None:
    for template in templates(outdir):
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function" and "TracingConfig" in resource["Properties"]:
                assert resource["Properties"]["TracingConfig"] == {"Mode": "Active"}
                assert resource["Properties"]["Architectures"] == ["arm64"]
'''

_README = """# {name}

A CDK app built on the `{class_name}` pattern of serverless-patterns: {summary}

```sh
python3 -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt   # serverless-patterns (and Node.js 24 with it), from where it came
pytest                            # handler unit tests, then a synth with the rule packs
serverless-patterns check .       # synth, rule packs and cfn-lint
serverless-patterns dev           # the app on the local cloud: its APIs served, every invocation shown
```

Deploy it to AWS (credentials and region as for the AWS CLI; `bootstrap` once per account and
region):

```sh
serverless-patterns cdk bootstrap
serverless-patterns cdk synth
serverless-patterns cdk diff
serverless-patterns cdk deploy --all
```

`serverless-patterns cdk` is the AWS CDK CLI {cdk_version}, run on the Node.js that pip installed
and installed on first use into a per-user cache (`~/.cache/serverless-patterns/cdk-cli/`): no
npm, no `package.json`. Every argument goes to the CDK CLI.

`requirements.txt` names serverless-patterns as it was installed when this app was made (a wheel
file, a checkout or a Git URL, as pip recorded it): keep that wheel or checkout where it is, or
point the line at another copy.

`serverless-patterns diagram . -o architecture.png` draws it; `serverless-patterns cost .
--profile moderate` estimates what it costs (`--api-requests`, `--uploads`, `--messages` and
`--executions` set the traffic of each kind of entry point).
"""

_GITIGNORE = "cdk.out/\n.venv/\nnode_modules/\n__pycache__/\n.pytest_cache/\n"


def app_source(entry: PatternEntry) -> str:
    """The pattern's smallest example with the rule packs added right after the app is created."""
    lines = entry.example.splitlines(keepends=True)
    app_line = next((i for i, line in enumerate(lines) if _APP.match(line)), None)
    first_import = next((i for i, line in enumerate(lines) if line.startswith(("import ", "from "))), None)
    ours = next(
        (i for i, line in enumerate(lines) if line.startswith("from serverless_patterns")), first_import
    )
    if app_line is None or first_import is None or ours is None:
        raise CliError(
            f"the {entry.name} example has no imports or no 'app = App()' line to add the rule packs to"
        )
    variable = _APP.match(lines[app_line]).group(1)  # type: ignore[union-attr]
    lines[app_line] += _PACKS.format(app=variable)
    lines.insert(ours, _PACKS_IMPORT)
    if "import aws_cdk as cdk\n" not in lines:
        lines.insert(first_import, "import aws_cdk as cdk\n")
    # serverless_patterns before aws_cdk and cdk_nag: importing it sets JSII_NODE to the Node.js 24
    # that pip installed, which jsii reads only when the first aws_cdk import starts it.
    if lines[first_import].startswith("import aws_cdk"):
        mine = [i for i, line in enumerate(lines) if line.startswith("from serverless_patterns")]
        moved = [lines[i] for i in mine]
        for i in reversed(mine):
            del lines[i]
        lines[first_import:first_import] = [_FIRST, *moved, "\n"]
    return "".join(lines)


def files_for(entry: PatternEntry, name: str) -> dict[str, str]:
    """Every file of the new app, by relative path."""
    expected = json.dumps(dict(sorted(entry.key_resources.items())), indent=4).replace("\n}", ",\n}")
    if not entry.key_resources:
        expected = "{}"
    cdk_json = {
        "app": "python3 app.py",
        "watch": {"include": ["app.py", "handlers/**"]},
        "context": {"@aws-cdk/core:validateAgainstDefaultRules": True},
    }
    files = {
        "app.py": app_source(entry),
        "cdk.json": json.dumps(cdk_json, indent=2) + "\n",
        "requirements.txt": requirements_txt(),
        "tests/__init__.py": "",
        "tests/test_app.py": _APP_TEST.replace("__EXPECTED__", expected),
        "README.md": _README.format(
            name=name, class_name=entry.class_name, summary=entry.summary, cdk_version=CDK_CLI_VERSION
        ),
        ".gitignore": _GITIGNORE,
    }
    files.update(entry.files)
    return files


def write_app(entry: PatternEntry, directory: Path) -> list[Path]:
    """Writes the app into ``directory``, which must be missing or empty. Returns the files written."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise CliError(f"{directory} is not empty; choose a new directory (nothing was overwritten)")
    written = []
    for relative, content in files_for(entry, directory.resolve().name).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
