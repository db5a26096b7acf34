"""A handler's function is checked before deploy: its module is read (never imported) and must
define it, a Python module at its top level, a Node.js entry among its statically visible exports;
where the exports cannot be read from the text, nothing is reported."""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from serverless_patterns import FunctionSpec, PatternValidationError
from serverless_patterns.core.handler_check import missing, node_exports, python_names
from serverless_patterns.patterns.api_to_lambda import ApiToLambda, ApiType

ORDERS = "import json\n\n\ndef create(event, context):\n    return {}\n\n\ndef delete(event, context):\n    return {}\n"
HOST = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def problems(code: Path, handler: str, runtime: lambda_.Runtime | None = None) -> list[str]:
    return FunctionSpec(code=str(code), handler=handler, runtime=runtime).problems("function")


def host_runtime() -> lambda_.Runtime:
    return lambda_.Runtime(HOST, lambda_.RuntimeFamily.PYTHON)


# ------------------------------------------------------------------------------------ Python names
@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("def handler(event, context): ...", "handler"),
        ("async def handler(event, context): ...", "handler"),
        ("class handler: ...", "handler"),
        ("handler = make()", "handler"),
        ("a = handler = make()", "handler"),
        ("handler, other = make()", "handler"),
        ("[first, *handler] = make()", "handler"),
        ("handler: Handler = make()", "handler"),
        ("from app.core import handler", "handler"),
        ("from app.core import make as handler", "handler"),
        ("import handler", "handler"),
        ("import app.handlers", "app"),
        ("import app.core as handler", "handler"),
        ("if DEBUG:\n    handler = a\nelse:\n    handler = b", "handler"),
        ("if DEBUG:\n    pass\nelif X:\n    def handler(e, c): ...", "handler"),
        ("try:\n    from fast import handler\nexcept ImportError:\n    pass", "handler"),
        ("try:\n    import fast\nexcept ImportError:\n    handler = slow", "handler"),
        ("try:\n    pass\nfinally:\n    handler = a", "handler"),
        ("with opened() as handler:\n    pass", "handler"),
        ("for handler in []:\n    pass", "handler"),
        ("while True:\n    handler = a\n    break", "handler"),
        ("match X:\n    case 1:\n        handler = a", "handler"),
        ("def setup():\n    global handler\n    handler = a\nsetup()", "handler"),
    ],
)
def test_python_names_bound_at_the_top_level(source: str, name: str) -> None:
    names = python_names(source)
    assert names is not None and name in names


@pytest.mark.parametrize(
    "source",
    [
        "def outer():\n    def handler(e, c): ...",  # nested
        "class App:\n    def handler(self, e, c): ...",  # a method
        "handler: Handler",  # annotated, never assigned
        "app.handler = make()",  # an attribute, not a name
        "handler == make()",
        "x = lambda handler: handler",
        "try:\n    pass\nexcept Exception as handler:\n    pass",  # deleted after the block
    ],
)
def test_python_names_not_bound_at_the_top_level(source: str) -> None:
    names = python_names(source)
    assert names is not None and "handler" not in names


@pytest.mark.parametrize("source", ["from app.core import *", "def __getattr__(name): ..."])
def test_python_names_that_are_not_statically_visible(source: str) -> None:
    assert python_names(source) is None


def test_python_names_raise_on_a_module_that_does_not_parse() -> None:
    with pytest.raises(SyntaxError):
        python_names("def handler(event, context)\n    return {}\n")


def test_python_names_read_the_runtimes_grammar() -> None:
    source = "match event:\n    case _:\n        handler = 1\n"
    assert python_names(source, feature_version=(3, 11)) == {"handler"}
    with pytest.raises(SyntaxError):
        python_names(source, feature_version=(3, 9))


# ---------------------------------------------------------------------------------- Node.js exports
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("export const handler = async () => ({});", {"handler"}),
        ("export let handler = () => 1;", {"handler"}),
        ("export var handler = () => 1;", {"handler"}),
        ("export function handler(event) {}", {"handler"}),
        ("export async function handler(event: Event): Promise<void> {}", {"handler"}),
        ("export function* handler() {}", {"handler"}),
        ("export class Handler {}\nexport enum Kind { A }", {"Handler", "Kind"}),
        ("const a = 1, b = 2;\nexport { a, b as handler };", {"a", "handler"}),
        ("export { main as handler } from './main';", {"handler"}),
        ("export * as lib from './lib';", {"lib"}),
        ("export type { Event } from './types';\nexport const handler = 1;", {"handler"}),
        ("export { type Event, handler };", {"handler"}),
        ("exports.handler = async (event) => ({});", {"handler"}),
        ("module.exports.handler = async (event) => ({});", {"handler"}),
        ("module.exports = { handler };", {"handler"}),
        ("module.exports = { handler: main, other };", {"handler", "other"}),
        (
            "module.exports = {\n  async handler(event) { return {}; },\n  'quoted': 1,\n};",
            {"handler", "quoted"},
        ),
        ('Object.defineProperty(exports, "handler", { enumerable: true, get: () => main });', {"handler"}),
        ("const x = {}; exports.handler = x;", {"handler"}),
    ],
)
def test_node_exports_that_are_statically_visible(source: str, expected: set[str]) -> None:
    assert node_exports(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "module.exports = require('./main');",
        "module.exports = main;",
        "export * from './main';",
        "export default async function (event) {}",
        "export default { handler };",
        "export = main;",
        "export const { handler } = lib;",
        "module.exports = { ...lib, other };",
        "module.exports = { [name]: main };",
        "exports[name] = main;",
        "Object.assign(module.exports, lib);",
    ],
)
def test_node_exports_that_are_not_statically_visible(source: str) -> None:
    assert node_exports(source) is None


@pytest.mark.parametrize(
    "source",
    [
        "// export const handler = 1;\nexport const other = 1;",
        "/* export const handler = 1; */\nexport const other = 1;",
        "const text = 'export const handler = 1';\nexport const other = 1;",
        "const text = `\nexport const handler = 1\n`;\nexport const other = 1;",
        "const re = /export const handler = 1/;\nexport const other = 1;",
    ],
)
def test_node_exports_in_comments_strings_and_regular_expressions_do_not_count(source: str) -> None:
    assert node_exports(source) == {"other"}


def test_node_exports_after_a_quote_in_a_regular_expression_are_read() -> None:
    assert node_exports("const quote = /[\"']/g; export const handler = 1;") == {"handler"}
    assert node_exports("const half = total / 2; export const handler = 1;") == {"handler"}


def test_a_module_without_exports_exports_nothing_visible() -> None:
    assert node_exports("console.log('side effects only');") == set()


# ------------------------------------------------------------------------------------------ message
def test_the_message_names_the_module_the_name_a_close_match_and_what_is_defined() -> None:
    names = {"create", "delete", "json", "__all__"}
    assert missing("function", "orders.creat", "orders.py", "creat", names, "defines") == (
        "function.handler 'orders.creat': orders.py defines no 'creat'; did you mean 'create'? "
        "It defines: create, delete, json"
    )
    assert missing("function", "orders.zzz", "orders.py", "zzz", names, "defines") == (
        "function.handler 'orders.zzz': orders.py defines no 'zzz'; it defines: create, delete, json"
    )
    assert missing("function", "orders.zzz", "orders.py", "zzz", set(), "defines") == (
        "function.handler 'orders.zzz': orders.py defines no 'zzz'; it defines nothing at its top level"
    )
    many = {f"name{i:02}" for i in range(25)}
    assert missing("f", "m.x", "m.py", "x", many, "defines").endswith("name19, ... (5 more)")


# ----------------------------------------------------------------------------- through FunctionSpec
def test_a_python_handler_naming_a_missing_function_fails_at_construction(tmp_path: Path) -> None:
    (tmp_path / "orders.py").write_text(ORDERS)
    with pytest.raises(PatternValidationError) as error:
        ApiToLambda(
            cdk.Stack(cdk.App(), "S"),
            "OrdersApi",
            function=FunctionSpec(code=str(tmp_path), handler="orders.creat"),
            api_type=ApiType.HTTP,
        )
    assert error.value.problems == [
        "function.handler 'orders.creat': orders.py defines no 'creat'; did you mean 'create'? "
        "It defines: create, delete, json"
    ]
    assert error.value.construct_path == "S/OrdersApi"


def test_a_python_handler_defined_at_the_top_level_passes(tmp_path: Path) -> None:
    (tmp_path / "orders.py").write_text(ORDERS)
    assert problems(tmp_path, "orders.create") == []


def test_a_handler_in_a_package_module_is_read_from_it(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("def main(event, context): ...\n")
    (tmp_path / "pkg" / "mod.py").write_text("def run(event, context): ...\n")
    assert problems(tmp_path, "pkg.sub.main") == problems(tmp_path, "pkg.mod.run") == []
    assert problems(tmp_path, "pkg.sub.run") == [
        "function.handler 'pkg.sub.run': pkg/sub/__init__.py defines no 'run'; it defines: main"
    ]


def test_a_python_module_that_does_not_parse_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "orders.py").write_text("import json\n\ndef create(event, context)\n    return {}\n")
    [problem] = problems(tmp_path, "orders.create", host_runtime())
    assert problem.startswith("function.handler 'orders.create': orders.py does not parse: ")
    assert problem.endswith("(line 3)")


def test_a_module_only_a_newer_python_reads_is_left_to_lambda(tmp_path: Path) -> None:
    (tmp_path / "orders.py").write_text("def create(event, context)\n    return {}\n")
    newer = lambda_.Runtime(f"python3.{sys.version_info[1] + 1}", lambda_.RuntimeFamily.PYTHON)
    assert problems(tmp_path, "orders.create", newer) == []
    # still read for its names when it parses
    (tmp_path / "orders.py").write_text(ORDERS)
    [problem] = problems(tmp_path, "orders.creat", newer)
    assert "orders.py defines no 'creat'" in problem


def test_a_star_import_leaves_the_names_unknown(tmp_path: Path) -> None:
    (tmp_path / "orders.py").write_text("from impl import *\n")
    assert problems(tmp_path, "orders.anything") == []


def test_lambda_code_objects_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "orders.py").write_text(ORDERS)
    spec = FunctionSpec(code=lambda_.Code.from_asset(str(tmp_path)), handler="orders.creat")
    assert spec.problems("function") == []


NODE = lambda_.Runtime.NODEJS_22_X


@pytest.mark.parametrize("extension", [".ts", ".js", ".mjs", ".cjs"])
def test_a_node_entry_exporting_other_names_fails(tmp_path: Path, extension: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / f"orders{extension}").write_text("export const create = async () => ({});\n")
    assert problems(tmp_path, "src/orders.creat", NODE) == [
        f"function.handler 'src/orders.creat': src/orders{extension} exports no 'creat'; "
        "did you mean 'create'? It exports: create"
    ]
    assert problems(tmp_path, "src/orders.create", NODE) == []


def test_the_node_entry_read_is_the_one_the_bundler_picks(tmp_path: Path) -> None:
    (tmp_path / "index.ts").write_text("export const handler = async () => ({});\n")
    (tmp_path / "index.js").write_text("exports.other = 1;\n")  # esbuild's output of a build, say
    assert problems(tmp_path, "index.handler", NODE) == []


def test_a_node_entry_whose_exports_are_not_visible_passes(tmp_path: Path) -> None:
    (tmp_path / "index.js").write_text("module.exports = require('./impl');\n")
    assert problems(tmp_path, "index.handler", NODE) == []


def test_a_missing_node_entry_is_left_to_the_bundler(tmp_path: Path) -> None:
    assert problems(tmp_path, "index.handler", NODE) == []
