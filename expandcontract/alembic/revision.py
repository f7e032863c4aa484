"""An Alembic revision as ec input: ``ec plan versions/abc123_rename.py``.

The revision's ``upgrade()`` runs offline through the linter's machinery
(lint.alembic_input.revision_source), which records the revision-file line behind every
emitted statement. Plain Alembic operations become SQL and are mapped to ec operations by
planning.load_sql; ec's own operations (``op.ec_*``) are collected as they are, in their place.
Notes and errors name lines of the .py file, not of the generated SQL.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path

from ..errors import InputError
from ..operations.base import Operation
from ..planning.load_sql import load_sql_text, migration_name
from ..planning.model import Migration
from .ops import collecting, register
from .script import read_header


def load_revision_file(path: Path) -> Migration:
    from ..lint.alembic_input import revision_source

    header = read_header(path)
    register()  # in case the entry point is not installed (a source checkout)
    with collecting() as found:
        try:
            source = revision_source(path)
        except InputError:
            if found.error is not None:
                raise found.error from None
            raise
    name = migration_name(header.revision)
    origins_list = source.origins or [(0, 1, 1, frozenset())]
    # origins: (byte offset in the SQL text, revision line, column, ignores), one per chunk,
    # after the BEGIN Alembic wraps around a PostgreSQL revision.
    offsets = [o[0] for o in origins_list]
    lines = [o[1] for o in origins_list]
    data = source.text.encode()
    line_starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
    wrapper = {offsets[0], offsets[-1]}  # Alembic's BEGIN / COMMIT, not the user's

    def origin_of(sql_line: int) -> tuple[int, int]:
        """(offset of the chunk, revision line) for a line of the SQL text."""
        at = line_starts[min(sql_line, len(line_starts)) - 1]
        i = max(bisect_right(offsets, at) - 1, 0)
        return offsets[i], lines[i]

    where = re.compile(re.escape(str(path)) + r":(\d+)")

    def remap(text: str) -> str:
        return where.sub(lambda m: f"{path}:{origin_of(int(m.group(1)))[1]}", text)

    placed: list[tuple[int, int, int, Operation]] = []  # (offset, 0 ec / 1 sql, seq, op)
    notes: list[str] = []
    if _has_statements(source.text, len(origins_list)):
        try:
            sql = load_sql_text(source.text, str(path), default_name=name)
        except InputError as exc:
            if found.items and "nothing to migrate" in exc.message:
                sql = None
            else:
                raise InputError(remap(exc.message),
                                 where=remap(exc.where) if exc.where else None) from None
        if sql is not None:
            for seq, op in enumerate(sql.operations):
                m = where.fullmatch(op.origin)
                offset, line = origin_of(int(m.group(1))) if m else (0, 0)
                placed.append((offset, 1, seq, op.model_copy(update={"origin": f"{path}:{line}"})))
            for note in sql.notes:
                m = where.match(note)
                if m and origin_of(int(m.group(1)))[0] in wrapper:
                    continue
                notes.append(remap(note))
    for seq, item in enumerate(found.items):
        offset = offsets[min(item.chunk + 1, len(offsets) - 1)]
        for op in item.op.operations:
            placed.append((offset, 0, seq, op))
    if not placed:
        raise InputError("nothing to migrate: upgrade() emits no statement and no ec operation",
                         where=str(path))
    placed.sort(key=lambda p: p[:3])
    return Migration(name=name, operations=[p[3] for p in placed], source=path,
                     description=header.message, notes=notes)


def _has_statements(text: str, origins: int) -> bool:
    """More than Alembic's BEGIN/COMMIT around an empty upgrade()."""
    return origins > 2 and bool(text.strip())
