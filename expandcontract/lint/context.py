"""What lint knows at a statement: the transaction, timeouts, objects created before, phase."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .locks import ACCESS_EXCLUSIVE
from .nodes import Node, const_value, func_names, rel_name, strings, type_name, walk
from .statement import Statement

TypeSig = tuple[str, tuple[int, ...], bool]


@dataclass
class SchemaModel:
    """Column types learned from CREATE TABLE / ADD COLUMN, across the files of one run.

    Files are linted in sorted order, so a later migration's ALTER COLUMN TYPE can be judged
    against the type an earlier one created. Keys are unqualified names.
    """

    columns: dict[str, dict[str, TypeSig]] = field(default_factory=dict)

    def column_type(self, table: str | None, column: str | None) -> TypeSig | None:
        if table is None or column is None:
            return None
        return self.columns.get(table, {}).get(column)


@dataclass
class Setting:
    """Whether one timeout is on, scoped as PostgreSQL scopes it: a SET inside a transaction
    lasts for the session only once that transaction commits (ROLLBACK, or ROLLBACK TO an
    earlier savepoint, undoes it); SET LOCAL lasts until the transaction ends either way."""

    session: bool = False
    pending: bool | None = None  # plain SET in the open transaction
    local: bool | None = None  # SET LOCAL in the open transaction

    @property
    def on(self) -> bool:
        if self.local is not None:
            return self.local
        return self.session if self.pending is None else self.pending

    def set(self, on: bool, *, local: bool, in_transaction: bool) -> None:
        if not in_transaction:
            if not local:  # SET LOCAL outside a transaction does nothing
                self.session = on
        elif local:
            self.local = on
        else:
            self.pending, self.local = on, None

    def end(self, *, commit: bool) -> None:
        if commit and self.pending is not None:
            self.session = self.pending
        self.pending = self.local = None


_TIMEOUTS = ("lock_timeout", "statement_timeout")
# A timeout of zero (any unit) is off; so are DEFAULT and RESET.
_ZERO = re.compile(r"\s*[+]?0*(\.0*)?\s*(us|ms|s|min|h|d)?\s*", re.IGNORECASE)


def _is_on(value: object) -> bool:
    return value is not None and not _ZERO.fullmatch(str(value))


@dataclass
class FileContext:
    pg_version: int
    phase: str | None
    implicit_transaction: bool  # the whole file runs in one transaction (assumed / Alembic)
    schema: SchemaModel
    explicit_transaction: bool = False
    tx_id: int = 0
    created_tables: set[str] = field(default_factory=set)
    created_indexes: dict[str, str | None] = field(default_factory=dict)
    timeouts: dict[str, Setting] = field(default_factory=lambda: {n: Setting() for n in _TIMEOUTS})
    # Open savepoints, oldest first, with the timeouts' (pending, local) at each.
    savepoints: list[tuple[str, dict[str, tuple[bool | None, bool | None]]]] = field(default_factory=list)
    # First statement of the current transaction that took ACCESS EXCLUSIVE on an old table.
    access_exclusive: Statement | None = None
    access_exclusive_reported: bool = False
    # Old tables this transaction holds ACCESS EXCLUSIVE on (a VALIDATE scan then blocks all).
    access_exclusive_tables: set[str] = field(default_factory=set)
    not_valid_in_tx: set[tuple[str, str]] = field(default_factory=set)
    not_null_checks: dict[tuple[str, str], str] = field(default_factory=dict)
    validated_not_null: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def in_transaction(self) -> bool:
        return self.explicit_transaction or self.implicit_transaction

    def is_new(self, table: str | None) -> bool:
        """Created earlier in this file: empty and invisible to others, so locks are harmless."""
        return table is not None and table in self.created_tables

    def is_new_index(self, index: str | None) -> bool:
        if index is None or index not in self.created_indexes:
            return False
        table = self.created_indexes[index]
        return table is None or self.is_new(table)

    @property
    def has_lock_timeout(self) -> bool:
        return self.timeouts["lock_timeout"].on

    @property
    def has_statement_timeout(self) -> bool:
        return self.timeouts["statement_timeout"].on

    # -- updates after each statement -------------------------------------------------------

    def _end_transaction(self, *, commit: bool = True) -> None:
        self.tx_id += 1
        for setting in self.timeouts.values():
            setting.end(commit=commit)
        self.savepoints.clear()
        self.access_exclusive = None
        self.access_exclusive_reported = False
        self.access_exclusive_tables.clear()
        self.not_valid_in_tx.clear()

    def update(self, stmt: Statement) -> None:
        kind, node = stmt.kind, stmt.node
        if kind == "TransactionStmt":
            k = node.get("kind", "")
            if k in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                if not self.explicit_transaction:
                    self._end_transaction()
                self.explicit_transaction = True
            elif k in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED",
                       "TRANS_STMT_PREPARE", "TRANS_STMT_ROLLBACK_PREPARED"):
                # PREPARE TRANSACTION keeps settings as COMMIT does; AND CHAIN opens the next.
                self.explicit_transaction = bool(node.get("chain")) and self.explicit_transaction
                self._end_transaction(commit=k != "TRANS_STMT_ROLLBACK")
            else:
                self._savepoint(k, str(node.get("savepoint_name") or ""))
            return
        if kind == "VariableSetStmt":
            self._set_variable(node)
        elif kind == "DiscardStmt" and node.get("target") == "DISCARD_ALL":
            self._reset_all()
        elif kind == "SelectStmt":
            self._set_config(node)
        self._track_objects(kind, node)
        lock = stmt.lock
        if (lock is not None and lock.mode == ACCESS_EXCLUSIVE and self.in_transaction
                and not self.is_new(lock.table)):
            if self.access_exclusive is None:
                self.access_exclusive = stmt
            if lock.table:
                self.access_exclusive_tables.add(lock.table)
        if not self.in_transaction:
            self._end_transaction()  # autocommit: every statement is its own transaction

    def _savepoint(self, kind: str, name: str) -> None:
        """SAVEPOINT remembers the timeouts; ROLLBACK TO restores them (the savepoint stays);
        RELEASE forgets it and the ones after it."""
        names = [n for n, _ in self.savepoints]
        if kind == "TRANS_STMT_SAVEPOINT":
            state = {n: (s.pending, s.local) for n, s in self.timeouts.items()}
            self.savepoints.append((name, state))
        elif kind in ("TRANS_STMT_ROLLBACK_TO", "TRANS_STMT_RELEASE") and name in names:
            at = len(names) - 1 - names[::-1].index(name)
            if kind == "TRANS_STMT_RELEASE":
                del self.savepoints[at:]
                return
            del self.savepoints[at + 1:]
            for n, (pending, local) in self.savepoints[at][1].items():
                self.timeouts[n].pending, self.timeouts[n].local = pending, local

    def _timeout(self, name: str, value: object, local: bool) -> None:
        if name in self.timeouts:
            self.timeouts[name].set(_is_on(value), local=local, in_transaction=self.in_transaction)

    def _reset_all(self) -> None:
        for name in _TIMEOUTS:
            self._timeout(name, None, False)

    def _set_variable(self, node: Node) -> None:
        name = node.get("name")
        if node.get("kind") == "VAR_RESET_ALL":
            self._reset_all()
            return
        if name not in _TIMEOUTS:
            return
        if node.get("kind") == "VAR_SET_VALUE":
            args = node.get("args") or []
            value = const_value(args[0]) if args else None
        else:  # SET ... TO DEFAULT, RESET: the default is 0 (off)
            value = None
        self._timeout(str(name), value, bool(node.get("is_local")))

    def _set_config(self, node: Node) -> None:
        if "set_config" not in func_names(node):
            return
        for n in walk(node):
            fc = n.get("FuncCall")
            if fc is None or strings(fc.get("funcname"))[-1:] != ["set_config"]:
                continue
            args = fc.get("args") or []
            if len(args) == 3:
                name = const_value(args[0])
                if isinstance(name, str):
                    self._timeout(name, const_value(args[1]), bool(const_value(args[2])))

    def _track_objects(self, kind: str, node: Node) -> None:
        # IF NOT EXISTS does nothing when the object is already there (an old table with all
        # its rows), so it never makes a table or index count as new.
        if kind == "CreateStmt":
            table = rel_name(node.get("relation"))
            if table:
                if not node.get("if_not_exists"):
                    self.created_tables.add(table)
                cols: dict[str, TypeSig] = {}
                for elt in node.get("tableElts") or ():
                    cd = elt.get("ColumnDef")
                    if cd and cd.get("colname"):
                        cols[cd["colname"]] = type_name(cd.get("typeName"))
                self.schema.columns[table] = cols
        elif kind == "CreateTableAsStmt":
            into = node.get("into", {}).get("IntoClause", node.get("into", {}))
            table = rel_name(into.get("rel"))
            if table and not node.get("if_not_exists"):
                self.created_tables.add(table)
        elif kind == "IndexStmt":
            if node.get("idxname") and not node.get("if_not_exists"):
                self.created_indexes[node["idxname"]] = rel_name(node.get("relation"))
        elif kind == "AlterTableStmt":
            self._track_alter(node)
        elif kind == "RenameStmt":
            table = rel_name(node.get("relation"))
            if node.get("renameType") == "OBJECT_TABLE" and table in self.schema.columns:
                self.schema.columns[node["newname"]] = self.schema.columns.pop(table)
            elif node.get("renameType") == "OBJECT_COLUMN" and table in self.schema.columns:
                cols = self.schema.columns[table]
                if node.get("subname") in cols:
                    cols[node["newname"]] = cols.pop(node["subname"])

    def _track_alter(self, node: Node) -> None:
        table = rel_name(node.get("relation"))
        if table is None:
            return
        for cmd in node.get("cmds") or ():
            c = cmd.get("AlterTableCmd", {})
            sub = c.get("subtype")
            if sub == "AT_AddColumn":
                cd = c.get("def", {}).get("ColumnDef", {})
                if cd.get("colname"):
                    self.schema.columns.setdefault(table, {})[cd["colname"]] = type_name(
                        cd.get("typeName"))
            elif sub == "AT_AlterColumnType":
                cd = c.get("def", {}).get("ColumnDef", {})
                if c.get("name") and table in self.schema.columns:
                    self.schema.columns[table][c["name"]] = type_name(cd.get("typeName"))
            elif sub == "AT_DropColumn":
                self.schema.columns.get(table, {}).pop(c.get("name", ""), None)
            elif sub == "AT_AddConstraint":
                con = c.get("def", {}).get("Constraint", {})
                if con.get("contype") == "CONSTR_CHECK":
                    column = not_null_check_column(con.get("raw_expr"))
                    name = con.get("conname") or ""
                    if column:
                        self.not_null_checks[(table, name)] = column
                        if not con.get("skip_validation"):
                            self.validated_not_null[(table, column)] = self.tx_id
                if con.get("skip_validation") and con.get("conname"):
                    self.not_valid_in_tx.add((table, con["conname"]))
            elif sub == "AT_ValidateConstraint":
                column = self.not_null_checks.get((table, c.get("name", "")))
                if column:
                    # VALIDATE itself scans under SHARE UPDATE EXCLUSIVE; only an ACCESS
                    # EXCLUSIVE this transaction already holds makes that scan block (-1: no).
                    held = self.in_transaction and table in self.access_exclusive_tables
                    self.validated_not_null[(table, column)] = self.tx_id if held else -1


def not_null_check_column(expr: Node | None) -> str | None:
    """``col`` when a CHECK expression is exactly ``col IS NOT NULL``."""
    if not expr:
        return None
    nt = expr.get("NullTest")
    if not nt or nt.get("nulltesttype") != "IS_NOT_NULL":
        return None
    fields = strings(nt.get("arg", {}).get("ColumnRef", {}).get("fields"))
    return fields[-1] if len(fields) == 1 else None
