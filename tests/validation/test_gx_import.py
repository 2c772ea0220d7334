"""How Great Expectations is imported (`ingestion.validation.gx_import`) changes how long it
takes, never what GX is: the fields pydantic copies for each model class are the copies
`copy.deepcopy` makes, and GX without `sqlalchemy` still validates (the CLI and loader
tests run the real suites)."""

from __future__ import annotations

import copy
import copyreg
import subprocess
import sys
import typing
from typing import Any, Literal, Optional

import pytest

from ingestion import pipeline
from ingestion.validation.gx_import import FieldCopier

pipeline.validation("runner")  # GX imported, as the product imports it

from pydantic.v1 import BaseModel  # noqa: E402
from pydantic.v1.class_validators import Validator  # noqa: E402
from pydantic.v1.fields import FieldInfo, ModelField  # noqa: E402

SLOTTED = (ModelField, FieldInfo, Validator)
MUTABLE = (dict, list, set, *SLOTTED)


def _models() -> list[type]:
    """Every pydantic v1 model class in the process (GX's expectations, metrics, sources)."""
    seen: dict[type, None] = {}
    todo = [BaseModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen[sub] = None
                todo.append(sub)
    return list(seen)


def _mutables(x: Any, found: dict[int, Any], depth: int = 0) -> None:
    """The mutable containers and field objects reachable from a dict of fields."""
    if depth > 40 or id(x) in found:
        return
    if isinstance(x, MUTABLE):
        found[id(x)] = x
    if isinstance(x, dict):
        for k, v in x.items():
            _mutables(k, found, depth + 1)
            _mutables(v, found, depth + 1)
    elif isinstance(x, list | tuple | set):
        for v in x:
            _mutables(v, found, depth + 1)
    elif isinstance(x, SLOTTED):
        for name in type(x).__slots__:
            _mutables(getattr(x, name, None), found, depth + 1)


def _same(a: Any, b: Any, seen: set[tuple[int, int]]) -> None:
    """`a` (FieldCopier's copy) is `b` (copy.deepcopy's), structurally."""
    if a is b or (id(a), id(b)) in seen:
        return
    seen.add((id(a), id(b)))
    assert type(a) is type(b), (a, b)
    if isinstance(a, SLOTTED):
        for name in type(a).__slots__:
            assert hasattr(a, name) == hasattr(b, name), name
            if hasattr(a, name):
                _same(getattr(a, name), getattr(b, name), seen)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _same(a[key], b[key], seen)
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y, seen)
    elif isinstance(a, typing._AnnotatedAlias):  # copy.deepcopy's on both sides
        _same(a.__origin__, b.__origin__, seen)
        _same(a.__metadata__, b.__metadata__, seen)
    elif isinstance(a, typing._GenericAlias | type(list[int])):
        if a != b:  # one holding an Annotated[...], copied by copy.deepcopy on both sides
            _same(a.__origin__, b.__origin__, seen)
            _same(a.__args__, b.__args__, seen)
    elif a == b:
        pass
    else:  # a default value or metadata copied by copy.deepcopy on both sides
        assert type(a).__eq__ is object.__eq__, (a, b)
        _same(_state(a), _state(b), seen)


def _state(x: Any) -> dict[str, Any]:
    names = [*copyreg._slotnames(type(x)), *getattr(x, "__dict__", {})]
    return {name: getattr(x, name) for name in names if hasattr(x, name)}


MODELS = _models()


def test_gx_defines_many_pydantic_models() -> None:
    assert len(MODELS) > 300


@pytest.mark.parametrize("chunk", range(8))
def test_field_copies_are_deepcopies(chunk: int) -> None:
    """For every model class: FieldCopier's copy of its fields equals copy.deepcopy's and
    shares no dict, list, field, field info or validator with the original."""
    copier = FieldCopier(SLOTTED)
    for model in MODELS[chunk::8]:
        fields = model.__fields__
        try:
            slow = copy.deepcopy(fields)
        except TypeError:  # `int | None` cannot be deep-copied (Python 3.11): neither side
            with pytest.raises(TypeError):
                copier.copy(fields, {})
            continue
        fast = copier.copy(fields, {})
        _same(fast, slow, set())
        original: dict[int, Any] = {}
        _mutables(fields, original)
        copied: dict[int, Any] = {}
        _mutables(fast, copied)
        assert not original.keys() & copied.keys(), model


def test_annotations_kept_only_when_immutable() -> None:
    copier = FieldCopier(SLOTTED)
    kept = [Optional[int], list[dict[str, int]], Literal["a", 1], tuple[int, ...]]  # noqa: UP045
    for tp in kept:
        assert copier.copy(tp, {}) is tp
    forward = list["NotYetDefined"]  # noqa: F821
    annotated = typing.Annotated[int, []]
    for tp in (forward, annotated):
        assert not copier.plain(tp)
        assert copier.copy(tp, {}) == copy.deepcopy(tp)


def test_fields_of_a_new_model_class_are_its_own() -> None:
    """A subclass made while FieldCopier copies (as during GX's import) validates and
    changes its own fields only."""
    from ingestion.validation.gx_import import fast_field_copies

    class Base(BaseModel):
        name: str = "x"
        tags: list[str] = []
        limit: Optional[int] = None  # noqa: UP045

    with fast_field_copies():

        class Child(Base):
            class Config:
                fields: typing.ClassVar = {"name": {"alias": "label"}}

    assert Child(label="y", tags=["a"]).name == "y"
    assert Base.__fields__["name"].alias == "name"
    assert Child.__fields__["name"] is not Base.__fields__["name"]
    assert Child.__fields__["tags"].default == [] and Child().tags is not Base().tags


IMPORT = """
import sys
from ingestion import pipeline
pipeline.validation("docs")
from great_expectations.compatibility import sqlalchemy as compat
print("sqlalchemy" in sys.modules, type(compat.sqlalchemy).__name__)
import sqlalchemy
print(sqlalchemy.__name__)
"""


def test_gx_imported_without_sqlalchemy_which_still_imports_after() -> None:
    run = subprocess.run(
        [sys.executable, "-c", IMPORT], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "NotImported", "sqlalchemy"], run.stdout


def test_hidden_and_deferred_only_on_the_importing_thread() -> None:
    """The loader's first thread goes on reading while GX is imported on a second: its
    imports meanwhile are ordinary ones."""
    import threading

    from ingestion.validation.gx_import import deferred, hidden

    elsewhere: list[str] = []

    def other_thread() -> None:
        import tabnanny

        elsewhere.append(type(tabnanny).__name__)

    sys.modules.pop("tabnanny", None)
    with hidden(["tabnanny"]):
        with pytest.raises(ModuleNotFoundError):
            import tabnanny
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert elsewhere == ["module"]
    sys.modules.pop("tabnanny", None)
    with deferred(["tabnanny"]):
        import tabnanny
    assert type(tabnanny).__name__ == "_LazyModule"
    assert callable(tabnanny.check)  # loaded on first use
    sys.modules.pop("tabnanny", None)


@pytest.mark.parametrize("enabled", [True, False])
def test_import_validation_leaves_the_collector_as_it_found_it(enabled: bool) -> None:
    """The collector pauses while validation is imported, then is as it was."""
    import gc

    (gc.enable if enabled else gc.disable)()
    try:
        pipeline.import_validation()
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
