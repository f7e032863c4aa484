"""ec's own Alembic operations: ``op.ec_<operation>(...)``, ``op.ec_migration``,
``op.ec_contract``, ``op.ec_rollback``.

Each call is one ec migration. Online (``alembic upgrade``) it runs through ec's executor on
its own connection (state in the database, guards, lock_timeout, retries), inside Alembic's
``autocommit_block()`` so that Alembic's open transaction holds no lock ec has to wait for.
Offline (``alembic upgrade --sql``) it writes ec's SQL for the phase, with comments. While ec
itself reads a revision (``ec plan rev.py``), the calls are collected as operations instead.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from alembic.operations import MigrateOperation, Operations
from alembic.util import CommandError
from pydantic import ValidationError

from ..errors import ECError, InputError
from ..operations.base import Operation, operation_types
from ..planning.model import Migration

ACTIONS = ("expand", "contract", "rollback")
log = logging.getLogger("alembic.expandcontract")  # shown by alembic.ini's default logging


@dataclass
class Collected:
    """An ec operation seen while ec reads a revision; ``chunk``: how many SQL chunks had
    been written to the offline buffer before it (its place among the plain ops)."""

    chunk: int
    op: EcMigrationOp


@dataclass
class Collection:
    items: list[Collected] = field(default_factory=list)
    # The first bad ec operation call: reported as is (file:line, field), not wrapped.
    error: InputError | None = None


_COLLECTOR: ContextVar[Collection | None] = ContextVar("ec_alembic_collector", default=None)


@contextmanager
def collecting() -> Iterator[Collection]:
    """While active, ec operations record themselves instead of running or emitting SQL."""
    found = Collection()
    token = _COLLECTOR.set(found)
    try:
        yield found
    finally:
        _COLLECTOR.reset(token)


def _remember(exc: InputError) -> InputError:
    found = _COLLECTOR.get()
    if found is not None and found.error is None:
        found.error = exc
    return exc



def _package_dirs() -> tuple[str, ...]:
    """Frames in these directories are Alembic's or ours, never the revision's."""
    import alembic

    dirs = {os.path.dirname(__file__), os.path.dirname(alembic.__file__ or "")}
    return tuple(d + os.sep for d in dirs | {os.path.realpath(d) for d in dirs} if d)


_SKIP_FILES = _package_dirs()


def _caller() -> tuple[str, str | None]:
    """(file:line of the revision code that called the op, the revision id if found)."""
    frame: FrameType | None = sys._getframe(2)
    origin = ""
    revision: str | None = None
    while frame is not None:
        filename = frame.f_code.co_filename
        internal = filename.startswith("<") or filename.startswith(_SKIP_FILES)
        if not internal and not origin:
            origin = f"{filename}:{frame.f_lineno}"
        rev = frame.f_globals.get("revision")
        if not internal and isinstance(rev, str) and "down_revision" in frame.f_globals:
            revision = rev
            origin = f"{filename}:{frame.f_lineno}"
            break
        frame = frame.f_back
    return origin, revision


def _display(origin: str) -> str:
    """A path relative to the working directory when it is inside it (as users type it)."""
    path, sep, line = origin.rpartition(":")
    try:
        rel = Path(path).resolve().relative_to(Path.cwd().resolve())
        return f"{rel}{sep}{line}"
    except ValueError:
        return origin


def build_operation(type_name: str, fields: dict[str, Any], origin: str) -> Operation:
    types = operation_types()
    cls = types.get(type_name)
    if cls is None:
        raise InputError(f"unknown ec operation {type_name!r} (known: {', '.join(sorted(types))})",
                         where=origin)
    try:
        return cls.model_validate({**fields, "origin": origin})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if p != "origin")
        msg = "required field is missing" if err.get("type") == "missing" else (
            "unknown field" if err.get("type") == "extra_forbidden" else
            str(err.get("msg", "invalid value")).removeprefix("Value error, "))
        raise InputError(f"ec_{type_name}: {loc + ': ' if loc else ''}{msg}", where=origin) from None
    except ValueError as exc:
        raise InputError(f"ec_{type_name}: {exc}", where=origin) from None


def _from_documents(items: Any, origin: str, what: str) -> list[Operation]:
    """Operations from migration-file items: [{"rename_column": {...}}, ...]."""
    if not isinstance(items, (list, tuple)) or not items:
        raise InputError(f"{what}: ops must be a non-empty list of {{type: {{fields}}}}", where=origin)
    ops: list[Operation] = []
    for i, item in enumerate(items):
        if isinstance(item, Operation):
            ops.append(item)
            continue
        if not isinstance(item, dict) or len(item) != 1:
            raise InputError(f"{what}: ops[{i}] must be a mapping with exactly one key, its type",
                             where=origin)
        (type_name, fields), = item.items()
        if not isinstance(fields, dict):
            raise InputError(f"{what}: ops[{i}].{type_name}: fields must be a mapping", where=origin)
        ops.append(build_operation(str(type_name), fields, origin))
    return ops


class EcMigrationOp(MigrateOperation):
    """One ec migration and the phase to run: the payload of every ec_* Alembic operation."""

    def __init__(self, operations: list[Operation], name: str | None, action: str,
                 origin: str, revision: str | None) -> None:
        self.operations = operations
        self.name = name
        self.action = action
        self.origin = origin
        self.revision = revision

    def migration(self, name: str) -> Migration:
        source = Path(self.origin.rpartition(":")[0]) if self.origin else None
        return Migration(name=name, operations=list(self.operations), source=source)

    @classmethod
    def ec_migration(cls, operations: Operations, ops: list[Any],
                     migration: str | None = None) -> Any:
        """Expand several ec operations as one ec migration (one name, one gate)."""
        origin, revision = _caller()
        try:
            built = _from_documents(ops, origin, "ec_migration")
        except InputError as exc:
            raise _remember(exc) from None
        return operations.invoke(cls(built, migration, "expand", origin, revision))

    @classmethod
    def ec_contract(cls, operations: Operations, migration: str,
                    ops: list[Any] | None = None) -> Any:
        """Contract an ec migration: ec's gate must pass (no live app version needs what goes)."""
        origin, revision = _caller()
        try:
            built = _from_documents(ops, origin, "ec_contract") if ops is not None else []
        except InputError as exc:
            raise _remember(exc) from None
        return operations.invoke(cls(built, migration, "contract", origin, revision))

    @classmethod
    def ec_rollback(cls, operations: Operations, migration: str,
                    ops: list[Any] | None = None) -> Any:
        """Roll back an expanded (not yet contracted) ec migration."""
        origin, revision = _caller()
        try:
            built = _from_documents(ops, origin, "ec_rollback") if ops is not None else []
        except InputError as exc:
            raise _remember(exc) from None
        return operations.invoke(cls(built, migration, "rollback", origin, revision))


def _single(type_name: str) -> Any:
    def method(cls: type[EcMigrationOp], operations: Operations,
               migration: str | None = None, **fields: Any) -> Any:
        origin, revision = _caller()
        try:
            built = [build_operation(type_name, fields, origin)]
        except InputError as exc:
            raise _remember(exc) from None
        return operations.invoke(cls(built, migration, "expand", origin, revision))

    method.__name__ = f"ec_{type_name}"
    method.__doc__ = f"Expand ec's {type_name} operation (fields as in a migration file)."
    return classmethod(method)


_REGISTERED: list[str] = []


def register() -> list[str]:
    """Register every ec operation with Alembic (idempotent); the names registered."""
    if _REGISTERED:
        return _REGISTERED
    from .runner import run

    names = ["ec_migration", "ec_contract", "ec_rollback"]
    for name in names:
        Operations.register_operation(name)(EcMigrationOp)
    classes: list[type[EcMigrationOp]] = [EcMigrationOp]
    for type_name in sorted(operation_types()):
        name = f"ec_{type_name}"
        sub = type(f"Ec_{type_name}_Op", (EcMigrationOp,), {name: _single(type_name)})
        Operations.register_operation(name)(sub)
        classes.append(sub)
        names.append(name)
    for op_cls in classes:
        Operations.implementation_for(op_cls)(run)
    _REGISTERED.extend(names)
    return _REGISTERED


def to_command_error(exc: ECError) -> CommandError:
    """Alembic's CLI prints a CommandError as one FAILED line, without a traceback."""
    return CommandError(f"ec: {exc.one_line()}")


def collector() -> Collection | None:
    return _COLLECTOR.get()


__all__ = ["ACTIONS", "Collected", "Collection", "EcMigrationOp", "build_operation", "collecting",
           "collector", "register", "to_command_error", "_display", "log"]
