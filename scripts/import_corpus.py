"""Import every app of tests/import/corpus/ and the design documents' service, check each imported
app (rule packs and cfn-lint, through `serverless-patterns check --json`), and write
tests/import/RESULTS.md, the table of elements mapped / approximated / not mapped and the findings.

The corpus keeps the config files only (SOURCES.md); a handler file the app names but the corpus
does not hold is written as a stub in the temporary copy, so that the functions can be built and
checked. Run: python scripts/import_corpus.py [NAME ...]   (about 20 s an app)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "import" / "corpus"
DESIGN = ROOT / "tests" / "import" / "design"
RESULTS = ROOT / "tests" / "import" / "RESULTS.md"
sys.path.insert(0, str(ROOT))

from serverless_patterns.cli.importer import read_source  # noqa: E402
from serverless_patterns.importer.model import ImportedApp, Status  # noqa: E402
from serverless_patterns.importer.writer import current_runtime  # noqa: E402


def source_file(app: Path) -> Path:
    for name in ("serverless.yml", "serverless.yaml", "template.yaml", "template.yml"):
        if (app / name).is_file():
            return app / name
    raise FileNotFoundError(f"no serverless.yml or template.yaml in {app}")


def stub_handlers(imported: ImportedApp, directory: Path) -> int:
    """Write a stub module for every handler module the app names that is not there (with every
    function the app names in it); the count written."""
    stubs: dict[Path, list[str]] = {}
    for function in imported.functions:
        runtime, _ = current_runtime(function.runtime)
        if runtime is None:
            continue
        module, _, name = function.handler.rpartition(".")
        folder = directory / function.code_dir
        if runtime.startswith("python"):
            path = folder / f"{module.replace('.', '/')}.py"
            line = f"def {name}(event, context):\n    return {{}}\n"
        else:
            if any((folder / f"{module}{ext}").is_file() for ext in (".mjs", ".cjs", ".ts")):
                continue
            path = folder / f"{module}.js"
            line = f"exports.{name} = async () => ({{}});\n"
        if path in stubs or not path.is_file():
            stubs.setdefault(path, []).append(line)
    for path, lines in stubs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(dict.fromkeys(lines)))
    return len(stubs)


def run(app: Path, work: Path) -> dict[str, object]:
    copy = work / app.name
    shutil.copytree(app, copy)
    source = source_file(copy)
    imported = read_source(source, stage=None)
    assert isinstance(imported, ImportedApp)
    stubs = stub_handlers(imported, copy)
    cli = [sys.executable, "-m", "serverless_patterns.cli"]
    done = subprocess.run(
        [*cli, "import", source.name, "--out", "cdk"], cwd=copy, capture_output=True, text=True, check=False
    )
    row: dict[str, object] = {"name": app.name, "kind": imported.tool, "stubs": stubs}
    if done.returncode != 0:
        return {**row, "import": done.stderr.strip().splitlines()[-1]}
    report = (copy / "cdk" / "IMPORT.md").read_text()
    for status in Status:
        row[status.value] = sum(1 for line in report.splitlines() if f"| {status.value} |" in line)
    checked = subprocess.run(
        [*cli, "check", "--json"], cwd=copy / "cdk", capture_output=True, text=True, check=False, timeout=900
    )
    try:
        findings = json.loads(checked.stdout[checked.stdout.index("[") :])
    except ValueError:
        error = (checked.stderr.strip().splitlines() or ["no output"])[-1]
        if "holds no stacks" in error:  # nothing mapped: the app has no stack
            return {**row, "check": "nothing to check (nothing mapped: no stack)"}
        return {**row, "check": error[:160]}
    user_wildcards = [
        f
        for f in findings
        if f["rule"].startswith("AwsSolutions-IAM5")
        and f["resource"].endswith("/ServiceRole/Policy/Resource")
    ]
    others = [f for f in findings if f not in user_wildcards]
    row["lint"] = sum(1 for f in others if f["source"] == "cfn-lint")
    row["open"] = len(others) - int(row["lint"])  # type: ignore[call-overload]
    row["user wildcards"] = len(user_wildcards)
    row["rules"] = sorted(
        {f["rule"].split("[")[0] + " on " + f["resource"].split("/", 1)[-1] for f in others}
    )
    return row


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "# Import corpus: results",
        "",
        "Written by `python scripts/import_corpus.py`: every app of `corpus/` (SOURCES.md) and the design",
        "documents' service (`design/`), imported with `serverless-patterns import` and checked with",
        "`serverless-patterns check` (AwsSolutions and Serverless rule packs, cfn-lint). Elements are the",
        "lines of each app's IMPORT.md. *Open* counts unacknowledged findings other than the IAM5 findings on",
        "the user's own statements (a function's `policies=`, kept as written); *stubs* the handler files the",
        "corpus does not hold, written as stubs for the check.",
        "",
        "| app | source | mapped | approximated | not mapped | open findings | cfn-lint | user wildcards | stubs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "import" in r or "check" in r:
            failure = r.get("import") or r.get("check")
            failure = failure if str(failure).startswith("nothing") else f"failed: {failure}"
            lines.append(
                f"| {r['name']} | {r['kind']} | {r.get('mapped', '-')} | {r.get('approximated', '-')} | {r.get('not mapped', '-')} | {failure} | - | - | {r['stubs']} |"
            )
            continue
        rules = f" ({', '.join(r['rules'])})" if r["rules"] else ""  # type: ignore[arg-type]
        lines.append(
            f"| {r['name']} | {r['kind']} | {r['mapped']} | {r['approximated']} | {r['not mapped']} | {r['open']}{rules} | {r['lint']} | {r['user wildcards']} | {r['stubs']} |"
        )
    total = [r for r in rows if "open" in r]
    clean = [r for r in total if r["open"] == 0 and r["lint"] == 0]
    lines += [
        "",
        f"{len(clean)} of {len(rows)} apps check clean (0 open findings beyond the user's own wildcard statements, cfn-lint 0).",
        "",
    ]
    return "\n".join(lines)


def main(names: list[str]) -> None:
    apps = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("."))
    apps = [DESIGN, *apps]
    if names:
        apps = [a for a in apps if a.name in names]
    rows = []
    with tempfile.TemporaryDirectory(prefix="import-corpus-") as work:
        for app in apps:
            row = run(app, Path(work))
            print(json.dumps(row), flush=True)
            rows.append(row)
    if not names:
        RESULTS.write_text(table(rows))
        print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
