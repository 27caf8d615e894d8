"""No import circles anywhere in bot, handlers and schedules, each one named when found.

The ``acyclic_siblings`` contract in pyproject.toml (run by ``lint-imports``) forbids circles
between the parts of one package. It cannot see a circle between modules of two capabilities
(their packages may depend on each other), nor one between a package's ``__init__`` and its own
modules. This test forbids every circle between modules, with the same exceptions as the
contract (its ``ignore_imports``), so there is one list of them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "schedules")


def exceptions() -> list[tuple[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [acyclic] = [contract for contract in config["tool"]["importlinter"]["contracts"]
                 if contract["type"] == "acyclic_siblings"]
    pairs = (line.split("->") for line in acyclic.get("ignore_imports", []))
    return [(importer.strip(), imported.strip()) for importer, imported in pairs]


def circles(graph: grimp.ImportGraph) -> list[str]:
    """Each circle once, as ``a -> b -> … -> a``, starting from its first module by name."""
    found: dict[frozenset[str], str] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                found.setdefault(frozenset(back), " -> ".join((importer, *back)))
    return sorted(found.values())


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*PACKAGES)
    for importer, imported in exceptions():
        graph.remove_import(importer=importer, imported=imported)
    assert circles(graph) == []


def test_a_circle_is_named_module_by_module():
    graph = grimp.ImportGraph()
    for module in ("app", "app.sms", "app.sms.delivery", "app.sms.notices", "app.cli"):
        graph.add_module(module)
    graph.add_import(importer="app.sms.notices", imported="app.sms.delivery")
    graph.add_import(importer="app.sms.delivery", imported="app.sms.notices")
    graph.add_import(importer="app.cli", imported="app.sms.notices")
    assert circles(graph) == ["app.sms.delivery -> app.sms.notices -> app.sms.delivery"]


def test_the_exceptions_name_imports_that_exist():
    graph = grimp.build_graph(*PACKAGES)
    missing = [f"{importer} -> {imported}" for importer, imported in exceptions()
               if not graph.direct_import_exists(importer=importer, imported=imported)]
    assert missing == []
