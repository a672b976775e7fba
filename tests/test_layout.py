"""The package's layout holds its architecture: what DAG authors import or Airflow reads at the top, the
internals below in layers, each imported only by the layers above it (tests that fail when a change breaks it)."""

from __future__ import annotations

import ast
from pathlib import Path

import airflow_provider_octopush

PACKAGE = Path(airflow_provider_octopush.__file__).parent
NAME = "airflow_provider_octopush"
# What DAG authors import or Airflow reads: the standard provider subpackages, the provider info, the errors, the
# version switches, the sandbox; and the three internal layers.
TOP = {"hooks", "operators", "sensors", "triggers", "notifications", "plugins", "sandbox", "cli", "get_provider_info"}
BASE = {"", "exceptions", "version_compat"}  # imported from anywhere: the package itself, its errors, Airflow's moves
# The Octopush API's facts; pure rules; the shared multi-call steps, and beside them the results receiver that the
# API server runs (its table and routes), which the plugin mounts.
LAYERS = {"api": 1, "rules": 2, "steps": 3, "receiver": 3}


def rank(module: str) -> int:
    first = module.removeprefix(NAME).lstrip(".").split(".")[0]
    if first in BASE:
        return 0
    return LAYERS.get(first, 4)


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    """The package's modules this file imports when it runs (``if TYPE_CHECKING:`` blocks are for types only)."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for statement in block.body
        for node in ast.walk(statement)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(NAME):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith(NAME)]
    return found


def module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join((NAME, *parts)).removesuffix(".__init__")


def test_the_top_level_holds_only_what_dag_authors_import_or_airflow_reads() -> None:
    entries = {path.stem for path in PACKAGE.iterdir() if path.name not in ("__pycache__", "py.typed")}
    assert entries == TOP | (BASE - {""}) | set(LAYERS) | {"__init__"}


def test_every_import_goes_downward() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_of(path)
        for line, target in runtime_imports(path):
            if rank(target) > rank(source):
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}, a layer above it")
            elif target.startswith(f"{NAME}.sandbox") and not source.startswith(f"{NAME}.sandbox"):
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports the sandbox, which only tests and users run")
    assert upward == []


def test_the_rules_do_no_io_and_read_no_clock() -> None:
    for path in sorted((PACKAGE / "rules").glob("*.py")):
        tree = ast.parse(path.read_text())
        modules = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
        }
        calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        io = ("requests", "httpx", "urllib.request", "http", "socket", "time")  # urllib.parse only parses: allowed
        assert not {name for name in modules if name in io or name.startswith(tuple(f"{io_}." for io_ in io))}, (
            path.name
        )
        assert not {call for call in calls if call.endswith(("now", "utcnow", "today")) or call == "open"}, path.name


def test_the_tests_mirror_the_package() -> None:
    """A module's tests are in the folder of its subpackage's name; package-wide tests at the top."""
    tests = Path(__file__).parent
    folders = {path.name for path in tests.iterdir() if path.is_dir() and not path.name.startswith("__")}
    subpackages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert folders - {"realstack", "fixtures"} <= subpackages
