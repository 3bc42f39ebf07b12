"""The architecture, checked: no module imports from a layer above its own (docs: CONTRIBUTING.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGE = ROOT / "ringConnector"
# Bottom to top. A module may import its own layer and those below it, never one above.
LAYERS = {
    "ringConnector.errors": 0,
    "ringConnector.config": 0,
    "ringConnector.logs": 0,
    "ringConnector.metrics": 0,
    "ringConnector.retry": 0,
    "ringConnector.urls": 0,
    "ringConnector.model": 1,
    "ringConnector.storage": 2,
    "ringConnector.sources": 3,
    "ringConnector.download": 4,
    "ringConnector.connector": 5,
    "ringConnector.watch": 5,
    "ringConnector.web": 6,
    "ringConnector.cli": 7,
}


def layer(module: str) -> str:
    """The layer a module of the package belongs to (its longest prefix in LAYERS)."""
    found = [name for name in LAYERS if module == name or module.startswith(name + ".")]
    assert found, f"{module} is in no layer: add it to LAYERS and to CONTRIBUTING.md"
    return max(found, key=len)


def modules() -> dict[str, set[str]]:
    """Every module of the package but the emulator, with the package modules it imports
    (anywhere in the file, function-level imports included)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if name == "ringConnector" or name.startswith("ringConnector.emulator"):
            continue  # the package's own __init__ only describes the layers
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ringConnector"):
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name.startswith("ringConnector")}
        found[name] = imported
    return found


MODULES = modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_layer_above(module: str) -> None:
    own = LAYERS[layer(module)]
    for target in MODULES[module]:
        if target.startswith("ringConnector.emulator"):
            continue  # checked below
        assert LAYERS[layer(target)] <= own, f"{module} (layer {layer(module)}) imports {target}"


def test_web_views_never_reach_a_source() -> None:
    reaching = {m: t for m in MODULES if m.startswith("ringConnector.web") for t in MODULES[m]}
    assert not {m for m, t in reaching.items() if t.startswith("ringConnector.sources")}


def test_the_two_apis_do_not_import_each_other() -> None:
    for module, targets in MODULES.items():
        for one, other in (("consumer", "partner"), ("partner", "consumer")):
            if module.startswith(f"ringConnector.sources.{one}"):
                assert not any(t.startswith(f"ringConnector.sources.{other}") for t in targets), module


def test_only_the_demo_uses_the_emulator() -> None:
    users = {
        m for m, targets in MODULES.items() if any(t.startswith("ringConnector.emulator") for t in targets)
    }
    assert users == {"ringConnector.cli.demo"}


def test_the_emulator_imports_nothing_of_the_connector() -> None:
    for path in (PACKAGE / "emulator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert not node.module.startswith("ringConnector") or node.module.startswith(
                    "ringConnector.emulator"
                ), f"{path} imports {node.module}"


@pytest.mark.parametrize("module", ["ringConnector.cli", "ringConnector.cli.venv"])
def test_the_launchers_first_import_is_the_standard_library_only(module: str) -> None:
    path = PACKAGE / Path(*module.split(".")[1:])
    source = (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text()
    for node in ast.walk(ast.parse(source)):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for name in names:
            top = name.split(".")[0]
            assert top == "__future__" or top in sys.stdlib_module_names, f"{module} imports {name}"
