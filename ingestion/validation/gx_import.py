"""Importing Great Expectations without the libraries that our suites never run, and
without re-copying every pydantic field of every GX model class the slow way.

`import great_expectations` registers every core expectation, and two of them bring in
large libraries at import time: the KL-divergence expectation imports `altair` (charts,
with `narwhals` and `jsonschema`) and `scipy.stats`. Our suites use neither expectation,
yet the two cost ~40 % of GX's import (1.9 s of 5.1 s under `python -X importtime`) in
every process that validates a file: each `qcity ingest` and each Airflow task. The JSON
schema expectation imports `jsonschema`, and the Data Docs views `mistune` (markdown,
which our pages never have), both at import and both otherwise unused.

So while GX is imported, those packages are created as lazy modules
(`importlib.util.LazyLoader`): the names exist, the code runs on first attribute access.
An expectation that does use them still works, it just pays for them when it first runs.
Once GX is in, imports are ordinary again: nothing else in the process is affected (and
while it is imported, only the importing thread's imports are made differently).

`sqlalchemy` is an optional dependency of GX (its SQL data sources); GX imports it when it
is installed (Airflow needs it) and otherwise stands `NotImported` placeholders in its
place. Our suites run on pandas data frames only, so while GX is imported `sqlalchemy` is
hidden (unless something imported it already, as Airflow's processes have): GX takes its
documented "not installed" path, and a later `import sqlalchemy` works as usual.

GX's expectations, metrics and data sources are pydantic v1 models, hundreds of classes
deriving from a few bases; pydantic v1 deep-copies a base's fields for every subclass
(`copy.deepcopy` of `ModelField`s, their `FieldInfo`s, validators and type annotations),
~30 % of GX's import. While GX is imported that copy is made by `FieldCopier`, which makes
the same copy faster: the field objects are copied slot by slot, and type annotations
(immutable, shared by `typing`'s own cache anyway) are kept rather than rebuilt; anything
else goes to `copy.deepcopy` with the same memo. `tests/validation/test_gx_import.py`
compares it with `copy.deepcopy` on every pydantic model class GX defines.
"""

from __future__ import annotations

import contextlib
import copy
import copyreg
import enum
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

#: Top-level packages GX imports at start-up for expectations our suites never use.
DEFERRED = ("altair", "scipy", "jsonschema", "mistune")
#: Optional packages of GX that our suites never use: GX is imported as if not installed.
HIDDEN = ("sqlalchemy",)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds some top-level packages (and their submodules) its own way, for imports made
    by the thread that created it (the one importing GX) only: the loader's first thread
    goes on reading the file meanwhile, and its imports stay ordinary."""

    def __init__(self, packages: Sequence[str]) -> None:
        self.packages = frozenset(p for p in packages if p not in sys.modules)
        self.thread = threading.get_ident()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in self.packages:
            return None
        if threading.get_ident() != self.thread:
            return None
        return self.spec(fullname, path)

    def spec(
        self, fullname: str, path: Sequence[str] | None
    ) -> importlib.machinery.ModuleSpec | None:
        raise NotImplementedError


class _Deferring(_Finder):
    """The packages as lazily executed modules."""

    def spec(
        self, fullname: str, path: Sequence[str] | None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


class _Hiding(_Finder):
    """The packages as not installed."""

    def spec(self, fullname: str, path: Sequence[str] | None) -> None:
        raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


@contextlib.contextmanager
def _finding(finder: _Finder) -> Iterator[None]:
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def deferred(packages: Sequence[str]) -> contextlib.AbstractContextManager[None]:
    """This thread's imports of `packages` inside the block are lazy (those already
    imported stay as they are)."""
    return _finding(_Deferring(packages))


def hidden(packages: Sequence[str]) -> contextlib.AbstractContextManager[None]:
    """This thread's imports of `packages` inside the block fail as if they were not
    installed (those already imported stay as they are)."""
    return _finding(_Hiding(packages))


#: what `copy.deepcopy` returns as it is (and classes)
_ATOMIC = frozenset(t for t, f in copy._deepcopy_dispatch.items() if f is copy._deepcopy_atomic)  # type: ignore[attr-defined]
#: (not `int | None`: `copy.deepcopy` fails on it, and so does this copy)
_ALIASES = (typing._GenericAlias, types.GenericAlias)  # type: ignore[attr-defined]


class FieldCopier:
    """`copy.deepcopy` of a dict of pydantic v1 fields, made faster for what such a dict
    holds and the same for everything else.

    - `ModelField`, `FieldInfo` and `Validator` (plain `__slots__` classes with no copy
      hooks of their own) are copied slot by slot, as `copy.deepcopy` does through their
      `__reduce_ex__`, without building and copying a state tuple for each;
    - `dict`, `list` and `tuple` are copied as `copy.deepcopy` copies them;
    - a type annotation (`Optional[str]`, `list[int]`, `Literal["a"]`...) is kept: these
      are immutable, and `copy.deepcopy` rebuilds an equal one (`typing` even hands back
      the same object from its cache). Not an `Annotated[...]` (its metadata may be
      mutable) nor one holding a forward reference (evaluating it stores the result);
    - anything else goes to `copy.deepcopy` with the same memo.
    """

    def __init__(self, slotted: Sequence[type]) -> None:
        self.slotted = frozenset(slotted)
        self._plain: dict[int, tuple[Any, bool]] = {}

    @staticmethod
    def usable(cls: type) -> bool:
        """Whether `copy.deepcopy` copies instances of `cls` slot by slot: no copy hooks
        of its own, and no `__dict__` (every class of its MRO declares `__slots__`)."""
        return (
            cls.__reduce_ex__ is object.__reduce_ex__
            and cls.__reduce__ is object.__reduce__
            and getattr(cls, "__getstate__", object.__getstate__) is object.__getstate__
            and not hasattr(cls, "__setstate__")
            and not hasattr(cls, "__deepcopy__")
            and cls not in copyreg.dispatch_table
            and all("__slots__" in vars(k) for k in cls.__mro__[:-1])
        )

    def copy(self, x: Any, memo: dict[int, Any]) -> Any:
        cls = x.__class__
        if cls in _ATOMIC or issubclass(cls, type):
            return x
        if isinstance(x, _ALIASES) and self.plain(x):
            return x
        y = memo.get(id(x), memo)
        if y is not memo:
            return y
        if cls in self.slotted:
            y = cls.__new__(cls)
            memo[id(x)] = y
            state = x.__getstate__()  # (None, {slot: value}) of the slots that are set
            if state is not None:
                for name, value in state[1].items():
                    setattr(
                        y, name, value if value.__class__ in _ATOMIC else self.copy(value, memo)
                    )
        elif cls is dict:
            y = {}
            memo[id(x)] = y
            for key, value in x.items():
                y[key if key.__class__ in _ATOMIC else self.copy(key, memo)] = (
                    value if value.__class__ in _ATOMIC else self.copy(value, memo)
                )
        elif cls is list:
            y = []
            memo[id(x)] = y
            y.extend(v if v.__class__ in _ATOMIC else self.copy(v, memo) for v in x)
        elif cls is tuple:
            items = [self.copy(item, memo) for item in x]
            if id(x) in memo:
                return memo[id(x)]
            if all(a is b for a, b in zip(items, x, strict=True)):
                return x
            y = memo[id(x)] = tuple(items)
        else:
            return copy.deepcopy(x, memo)
        memo.setdefault(id(memo), []).append(x)  # as copy.deepcopy keeps its originals alive
        return y

    def plain(self, tp: Any) -> bool:
        """Whether a type annotation can be kept as it is (see the class)."""
        known = self._plain.get(id(tp))
        if known is not None and known[0] is tp:
            return known[1]
        if isinstance(tp, typing._AnnotatedAlias):  # type: ignore[attr-defined]
            ok = False
        elif tp.__origin__ is typing.Literal:
            ok = all(_value(arg) for arg in tp.__args__)
        else:
            ok = all(map(self._plain_arg, (tp.__origin__, *tp.__args__)))
        self._plain[id(tp)] = (tp, ok)
        return ok

    def _plain_arg(self, arg: Any) -> bool:
        if isinstance(arg, _ALIASES):
            return self.plain(arg)
        # not a str: `list["Model"]` holds a forward reference as a string
        return isinstance(arg, (type, typing.TypeVar, typing._SpecialForm)) or arg in (None, ...)  # type: ignore[attr-defined]

    def smart_deepcopy(self, original: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """pydantic's `smart_deepcopy`, with dicts (a base class's fields) copied here."""

        def smart_deepcopy(obj: Any) -> Any:
            if obj.__class__ is dict:
                return self.copy(obj, {})
            return original(obj)

        return smart_deepcopy


def _value(arg: Any) -> bool:
    """An immutable value of a `Literal[...]`."""
    return arg is None or type(arg) in (str, int, bool, bytes) or isinstance(arg, enum.Enum)


@contextlib.contextmanager
def fast_field_copies() -> Iterator[None]:
    """pydantic v1 copies a base class's fields with `FieldCopier` inside the block (with
    `copy.deepcopy` as before if this pydantic is not the one `FieldCopier` knows)."""
    try:
        import pydantic.v1.main as v1_main
        from pydantic.v1.class_validators import Validator
        from pydantic.v1.fields import FieldInfo, ModelField
    except ImportError:
        yield
        return
    slotted = (ModelField, FieldInfo, Validator)
    original = getattr(v1_main, "smart_deepcopy", None)
    if original is None or not all(map(FieldCopier.usable, slotted)):
        yield
        return
    v1_main.smart_deepcopy = FieldCopier(slotted).smart_deepcopy(original)
    try:
        yield
    finally:
        v1_main.smart_deepcopy = original


def import_great_expectations() -> ModuleType:
    """`great_expectations`, imported once, without phoning home or progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no phoning home, ever
    os.environ.setdefault("TQDM_DISABLE", "1")  # GX's per-metric progress bars, in every log line
    if "great_expectations" not in sys.modules:
        with deferred(DEFERRED), hidden(HIDDEN), fast_field_copies():
            import great_expectations  # noqa: F401
    return sys.modules["great_expectations"]
