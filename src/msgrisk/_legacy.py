"""Module names from before the package was grouped by role, kept importable.

Bundles are joblib pickles and the registered MLflow model is a cloudpickle: both name
classes by module path (``msgrisk.features.MessageFeaturizer``,
``msgrisk.tracking.MsgriskPyfunc``). This finder resolves the old top-level names to their
new homes so bundles and registered models saved before the move still load. New code
imports the new paths; nothing here is part of the public API.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

#: old module -> new module (prefix match: ``msgrisk.synth.frame`` follows ``msgrisk.synth``)
MOVED: dict[str, str] = {
    "msgrisk.dataset": "msgrisk.corpus.dataset",
    "msgrisk.synth": "msgrisk.corpus.synth",
    "msgrisk.splits": "msgrisk.corpus.splits",
    "msgrisk.labeling": "msgrisk.training.labeling",
    "msgrisk.features": "msgrisk.training.features",
    "msgrisk.model": "msgrisk.training.model",
    "msgrisk.train": "msgrisk.training.train",
    "msgrisk.bundle": "msgrisk.training.bundle",
    # a registered model pickles MsgriskPyfunc by reference to its old home
    "msgrisk.tracking": "msgrisk.serving.pyfunc",
    "msgrisk.predict": "msgrisk.serving.predict",
    "msgrisk.serve": "msgrisk.serving.http",
    "msgrisk.batch": "msgrisk.serving.batch",
    "msgrisk.spark": "msgrisk.serving.spark",
}


def new_name(old: str) -> str | None:
    """The current module path for a pre-move one, or None if ``old`` was not moved."""
    for before, after in MOVED.items():
        if old == before or old.startswith(before + "."):
            return after + old[len(before):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module is already executed."""


class LegacyFinder(importlib.abc.MetaPathFinder):
    """Resolve pre-move module names to the moved modules (same module objects)."""

    def find_spec(self, fullname: str, path: object = None, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        moved = new_name(fullname)
        if moved is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(moved))


def install() -> None:
    """Add the finder once (idempotent)."""
    if not any(isinstance(f, LegacyFinder) for f in sys.meta_path):
        # first: the path finder would otherwise load a moved sub-module a second time
        sys.meta_path.insert(0, LegacyFinder())
