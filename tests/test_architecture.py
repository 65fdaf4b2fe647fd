"""The package's layers: lower layers never import higher ones, and there are no circles.

Reads every module's imports with ``ast`` (top-level and function-level alike), so a lazy
import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from msgrisk import config

SRC = config.PROJECT_ROOT / "src" / "msgrisk"
#: Layer of each top-level part of the package; a module may import only its own layer or
#: lower ones. ``serving`` loads bundles through ``training.bundle`` (the bundle format).
LAYERS: dict[str, int] = {
    "labels": 0, "config": 0, "_legacy": 0,
    "rules": 1, "corpus": 1,
    "training": 2,
    "serving": 3,
    # workflows over training + serving; `bench` times the pipeline, the pipeline
    # evaluates with `evaluation.metrics`: same layer, and no module circle (tested below)
    "evaluation": 4, "analysis": 4, "pipeline": 4,
    "cli": 5, "__init__": 5,
}
#: The only training modules serving may import (the bundle format and registry download).
SERVING_MAY_IMPORT = {"msgrisk.training.bundle", "msgrisk.training.tracking",
                      "msgrisk.training.features", "msgrisk.training.model"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("msgrisk")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("msgrisk"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                # `from msgrisk import config` imports a module; `from msgrisk import
                # predict` the package's public API (its __init__)
                out.add(sub if _resolves(sub) else node.module)
    return {name for name in out if _resolves(name)}


def _resolves(name: str) -> bool:
    if name == "msgrisk":
        return True
    rel = Path(*name.split(".")[1:])
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


GRAPH = {_module_name(p): _imports(p) for p in sorted(SRC.rglob("*.py"))}


def test_architecture_every_part_has_a_layer() -> None:
    assert {_part(m) for m in GRAPH} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_architecture_no_upward_imports(module: str) -> None:
    own = LAYERS[_part(module)]
    upward = sorted(i for i in GRAPH[module] if LAYERS[_part(i)] > own)
    assert not upward, f"{module} imports higher layers: {upward}"


def test_architecture_serving_imports_only_the_bundle_format_from_training() -> None:
    bad = {m: sorted(i for i in deps if _part(i) == "training" and i not in SERVING_MAY_IMPORT)
           for m, deps in GRAPH.items() if _part(m) == "serving"}
    assert not {m: v for m, v in bad.items() if v}


def test_architecture_no_import_cycles() -> None:
    # package __init__ re-exports are edges too; a cycle is a strongly connected component
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH or w == v:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in GRAPH:
        if v not in index:
            visit(v)
    # a package importing its own sub-modules in __init__ is not a circle of modules
    real = [c for c in cycles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert not real, f"import cycles: {real}"


def test_architecture_pre_move_pickles_still_load() -> None:
    """Bundles (joblib) and registered models (cloudpickle) name classes by their old
    module paths; the legacy finder resolves them to the moved classes."""
    import pickle

    from msgrisk.serving.pyfunc import MsgriskPyfunc
    from msgrisk.training.features import MessageFeaturizer
    from msgrisk.training.model import LinearRiskModel

    for cls, old in ((LinearRiskModel, "msgrisk.model"), (MessageFeaturizer, "msgrisk.features"),
                     (MsgriskPyfunc, "msgrisk.tracking")):
        new = cls.__module__
        cls.__module__ = old
        try:
            blob = pickle.dumps(cls())
        finally:
            cls.__module__ = new
        assert old.encode() in blob
        assert type(pickle.loads(blob)) is cls


def test_architecture_moved_submodules_are_the_same_objects() -> None:
    import importlib

    assert importlib.import_module("msgrisk.synth.generator") is importlib.import_module(
        "msgrisk.corpus.synth.generator")
