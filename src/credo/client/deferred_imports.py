"""Import a library without the modules it loads only for helpers it rarely calls.

Importing ``keyring`` costs a fresh ``credo credential-process`` or ``credo exec`` more than the
rest of credo together, and most of that is not keyring: ``jaraco.context`` (which keyring
imports for one context manager) imports ``urllib.request`` — and with it ``http.client``,
``ssl`` and ``email`` — for a tarball-download helper nothing here calls, and keyring imports
``importlib_metadata`` to look for plugins, which it does only when searching for a backend.

``deferring(...)`` puts stand-ins for such modules in ``sys.modules`` while the library is
imported. A stand-in imports the real module the first time any of its attributes is used
and passes everything through to it, so code holding a stand-in behaves as with the real
module, only later. When the block ends the stand-ins leave ``sys.modules``, so any import
after that gets the real module as usual.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _StandIn(types.ModuleType):
    """A module that becomes the real one, imported on first use, behind the same name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_credo_real"] = None

    def _credo_load(self) -> types.ModuleType:
        real: types.ModuleType | None = self.__dict__["_credo_real"]
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_credo_real"] = real
        return real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._credo_load(), name)

    def __dir__(self) -> list[str]:
        return dir(self._credo_load())


@contextmanager
def deferring(*names: str) -> Iterator[None]:
    """While the block runs, ``import`` of any of ``names`` not yet imported gets a stand-in."""
    placed: list[tuple[str, _StandIn]] = []
    for name in names:
        if name in sys.modules or importlib.util.find_spec(name) is None:
            continue  # already real, or not installed: nothing to defer
        stand_in = _StandIn(name)
        sys.modules[name] = stand_in
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, stand_in)  # find_spec imported the parent
        placed.append((name, stand_in))
    try:
        yield
    finally:
        for name, stand_in in placed:
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
