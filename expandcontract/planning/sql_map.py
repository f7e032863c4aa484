"""Map parsed SQL statements to ec operations (as plain field dicts).

Each statement becomes a list of items: an operation to build (``OpItem``), a statement kept
as raw SQL with the reason why (``RawItem``), or a statement dropped with the reason why
(``DropItem``). We map a statement only when the operation means exactly what the SQL says;
any clause we do not understand (every node is checked against the fields we know) keeps the
statement, or the one ALTER TABLE subcommand, as raw SQL instead of silently losing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..sqltext import bounded_name
from .sql_deparse import deparse, type_sql
from .sql_statements import Statement


@dataclass
class OpItem:
    type: str
    fields: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    removed: bool = False  # set when a later statement folds this operation into its own


@dataclass
class RawItem:
    sql: str
    reason: str
    transactional: bool = True
    lock: str | None = None  # None: the sql operation's default (assume the worst)


@dataclass
class DropItem:
    reason: str


Item = OpItem | RawItem | DropItem


class Unmappable(Exception):
    """This statement (or subcommand) cannot be expressed exactly as an operation."""


# --- small helpers over the JSON parse tree ----------------------------------------------

def _strings(items: list[Any] | None) -> list[str]:
    return [item["String"].get("sval", "") for item in items or []]


def _list_names(obj: dict[str, Any]) -> list[str]:
    """Names of a qualified object in a DropStmt: {"List": {"items": [String...]}}."""
    return _strings(obj.get("List", {}).get("items", []))


# Parse-tree fields as the SQL clauses people know them by.
_CLAUSES = {
    "collClause": "COLLATE", "partspec": "PARTITION BY", "partbound": "PARTITION OF",
    "options": "WITH (...)", "tableSpace": "TABLESPACE", "tablespacename": "TABLESPACE",
    "inhRelations": "INHERITS", "ofTypename": "OF type", "accessMethod": "USING (access method)",
    "nulls_not_distinct": "NULLS NOT DISTINCT", "deferrable": "DEFERRABLE",
    "initdeferred": "INITIALLY DEFERRED", "is_no_inherit": "NO INHERIT",
    "fk_del_set_cols": "ON DELETE SET NULL/DEFAULT (columns)", "storage": "STORAGE",
    "compression": "COMPRESSION", "identity": "IDENTITY", "generated": "GENERATED",
    "including": "INCLUDE", "indexspace": "USING INDEX TABLESPACE", "oncommit": "ON COMMIT",
    "constraints": "constraints", "where_clause": "WHERE", "exclusions": "EXCLUDE",
    "storage_name": "STORAGE", "fdwoptions": "OPTIONS", "pktable": "REFERENCES",
    "indexname": "USING INDEX", "raw_default": "USING", "idxcomment": "COMMENT",
}


def _unknown_keys(node: dict[str, Any], known: set[str], what: str) -> None:
    extra = sorted({_CLAUSES.get(k, k) for k in node if k not in known})
    if extra:
        raise Unmappable(f"{what} with {', '.join(extra)} is not mapped")


_RANGEVAR_KEYS = {"relname", "schemaname", "inh", "relpersistence", "location"}


def _table(rv: dict[str, Any], *, allow_only: bool = False) -> dict[str, str]:
    """{"table": ..., "schema": ...} of a RangeVar."""
    if rv.get("catalogname"):
        raise Unmappable("a database-qualified name")
    _unknown_keys(rv, _RANGEVAR_KEYS, "the table name")
    if not rv.get("inh", False) and not allow_only:
        raise Unmappable("ONLY (ec operations apply to the table and its partitions/children)")
    out = {"table": rv["relname"]}
    if rv.get("schemaname"):
        out["schema"] = rv["schemaname"]
    return out


def _ref(table: dict[str, str]) -> tuple[str, str | None]:
    return table["table"], table.get("schema")


# Functions whose value differs per row or per call: a column default using one of them must
# be computed for each existing row (a backfill), not once. now()-like functions are stable
# in PostgreSQL but are treated as per-row values on purpose: each existing row gets the time
# it was filled in, like a row inserted then would.
VOLATILE_FUNCTIONS = {
    "random", "random_normal", "gen_random_uuid", "uuidv4", "uuidv7", "uuid_generate_v1",
    "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval",
    "setval", "now", "transaction_timestamp", "statement_timestamp", "txid_current",
    "pg_current_xact_id", "gen_random_bytes",
}
# Functions known to give the same value for every row given constant arguments.
CONSTANT_FUNCTIONS = {
    "lower", "upper", "btrim", "ltrim", "rtrim", "concat", "concat_ws", "length", "abs",
    "round", "make_interval", "make_date", "make_time", "jsonb_build_object",
    "json_build_object", "jsonb_build_array", "json_build_array", "array_fill", "to_jsonb",
    "to_json", "coalesce", "int4range", "int8range", "numrange", "tstzrange", "daterange",
}
_SQLVALUE_VOLATILE = {
    "SVFOP_CURRENT_TIMESTAMP", "SVFOP_CURRENT_TIMESTAMP_N", "SVFOP_LOCALTIMESTAMP",
    "SVFOP_LOCALTIMESTAMP_N", "SVFOP_CURRENT_TIME", "SVFOP_CURRENT_TIME_N",
    "SVFOP_LOCALTIME", "SVFOP_LOCALTIME_N",
}


def is_per_row(expr: Any) -> bool:
    """True when a default expression must be evaluated for each row (see VOLATILE_FUNCTIONS);
    unknown functions and subqueries count as per-row, which is always correct (a backfill
    computes the value per row), just slower."""
    if isinstance(expr, list):
        return any(is_per_row(item) for item in expr)
    if not isinstance(expr, dict):
        return False
    for key, value in expr.items():
        if key == "FuncCall":
            name = _strings(value.get("funcname"))[-1].lower()
            if name in VOLATILE_FUNCTIONS or name not in CONSTANT_FUNCTIONS:
                return True
        elif key in ("SubLink", "ColumnRef", "ParamRef") or (
            key == "SQLValueFunction" and value.get("op") in _SQLVALUE_VOLATILE
        ):
            return True
        if is_per_row(value):
            return True
    return False


def _first_column(expr: Any) -> str | None:
    """The first column an expression mentions (PostgreSQL names unnamed CHECKs after it)."""
    if isinstance(expr, list):
        for item in expr:
            found = _first_column(item)
            if found:
                return found
        return None
    if not isinstance(expr, dict):
        return None
    if "ColumnRef" in expr:
        fields = expr["ColumnRef"].get("fields", [])
        if fields and "String" in fields[-1]:
            return str(fields[-1]["String"].get("sval"))
    for value in expr.values():
        found = _first_column(value)
        if found:
            return found
    return None


_FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


class Mapper:
    """Maps statements one at a time, remembering what earlier statements created."""

    def __init__(self) -> None:
        self.items: list[tuple[Statement, Item]] = []
        # Unique indexes created in this file: (schema, name) -> the create_index item.
        self._unique_indexes: dict[tuple[str | None, str], OpItem] = {}
        # Constraints added in this file (validated by their operation): (table, schema, name).
        self._added_constraints: set[tuple[str, str | None, str]] = set()

    def add(self, st: Statement) -> None:
        handler = getattr(self, f"_map_{st.kind}", None)
        if handler is None:
            self.items.append((st, _raw_for(st, reason_for(st))))
            return
        try:
            produced: list[Item] = handler(st)
        except Unmappable as exc:
            produced = [_raw_for(st, str(exc))]
        self.items.extend((st, item) for item in produced)

    # --- statements we drop -----------------------------------------------------------
    def _map_TransactionStmt(self, st: Statement) -> list[Item]:
        return [DropItem("transaction control: ec decides which steps run in a transaction")]

    def _map_VariableSetStmt(self, st: Statement) -> list[Item]:
        name = str(st.node.get("name", "")).lower()
        if name in {"lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout"}:
            return [DropItem(f"SET {name}: ec sets its own lock and statement timeouts")]
        if name.startswith("transaction"):
            return [DropItem("transaction settings: ec manages its transactions")]
        return [
            DropItem(
                f"session setting {name or 'RESET ALL'}: ec's steps do not share a session, so it "
                "would not apply; schema-qualify names instead of relying on search_path"
            )
        ]

    # --- tables ------------------------------------------------------------------------
    def _map_CreateStmt(self, st: Statement) -> list[Item]:
        node = st.node
        _unknown_keys(
            {k: v for k, v in node.items() if not (k == "oncommit" and v == "ONCOMMIT_NOOP")},
            {"relation", "tableElts", "if_not_exists"},
            "CREATE TABLE",
        )
        rel = node["relation"]
        persistence = rel.get("relpersistence", "p")
        if persistence != "p":
            raise Unmappable("TEMPORARY tables" if persistence == "t" else "UNLOGGED tables")
        table = _table(rel)
        columns: list[dict[str, Any]] = []
        primary_key: list[str] = []
        extra: list[Item] = []
        for elt in node.get("tableElts", []):
            if "ColumnDef" in elt:
                col, more, up = self._column(elt["ColumnDef"], table, in_create=True)
                if up is not None:
                    raise Unmappable("unreachable")  # in_create never asks for a backfill
                columns.append(col)
                extra.extend(more)
            elif "Constraint" in elt:
                con = elt["Constraint"]
                if con.get("contype") == "CONSTR_PRIMARY":
                    _unknown_keys(con, {"contype", "keys", "location"}, "PRIMARY KEY")
                    primary_key = _strings(con.get("keys"))
                else:
                    extra.append(self._table_constraint(con, table))
            else:
                raise Unmappable("LIKE in CREATE TABLE")
        if not columns:
            raise Unmappable("a table without columns")
        if len(primary_key) == 1:
            for col in columns:
                if col["name"] == primary_key[0]:
                    col["primary_key"] = True
                    primary_key = []
                    break
        fields: dict[str, Any] = {**table, "columns": columns}
        if primary_key:
            fields["primary_key"] = primary_key
        notes = ["IF NOT EXISTS dropped: ec's steps check what exists themselves"] if node.get("if_not_exists") else []
        return [OpItem("create_table", fields, notes), *extra]

    def _map_DropStmt(self, st: Statement) -> list[Item]:
        node = st.node
        kind = node.get("removeType")
        if kind not in ("OBJECT_TABLE", "OBJECT_INDEX"):
            raise Unmappable(f"DROP {_object_word(kind)} has no ec operation")
        if node.get("behavior") == "DROP_CASCADE":
            raise Unmappable("CASCADE (ec drops only what it names)")
        items: list[Item] = []
        for obj in node.get("objects", []):
            names = _list_names(obj)
            if len(names) > 2:
                raise Unmappable("a database-qualified name")
            ref: dict[str, Any] = {"table" if kind == "OBJECT_TABLE" else "name": names[-1]}
            if len(names) == 2:
                ref["schema"] = names[0]
            notes = ["IF EXISTS dropped"] if node.get("missing_ok") else []
            items.append(OpItem("drop_table" if kind == "OBJECT_TABLE" else "drop_index", ref, notes))
        return items

    def _map_RenameStmt(self, st: Statement) -> list[Item]:
        node = st.node
        _unknown_keys(
            node,
            {"renameType", "relationType", "relation", "subname", "newname", "behavior", "missing_ok"},
            "RENAME",
        )
        if node.get("renameType") == "OBJECT_TABLE":
            return [OpItem("rename_table", {**_table(node["relation"], allow_only=True), "to": node["newname"]})]
        if node.get("renameType") == "OBJECT_COLUMN" and node.get("relationType") == "OBJECT_TABLE":
            return [
                OpItem(
                    "rename_column",
                    {**_table(node["relation"]), "column": node["subname"], "to": node["newname"]},
                )
            ]
        raise Unmappable(f"renaming a {_object_word(node.get('renameType'))} has no ec operation")

    def _map_AlterTableStmt(self, st: Statement) -> list[Item]:
        node = st.node
        if node.get("objtype") != "OBJECT_TABLE":
            raise Unmappable(f"ALTER {_object_word(node.get('objtype'))} has no ec operation")
        _unknown_keys(node, {"relation", "cmds", "objtype", "missing_ok"}, "ALTER TABLE")
        table = _table(node["relation"])
        cmds = node.get("cmds", [])
        items: list[Item] = []
        for cmd in cmds:
            sub = cmd["AlterTableCmd"]
            try:
                items.extend(self._alter_cmd(sub, table))
            except Unmappable as exc:
                # Keep just this subcommand raw, in its place; the others still map.
                sql = st.text if len(cmds) == 1 else deparse({"AlterTableStmt": {**node, "cmds": [cmd]}})
                items.append(RawItem(sql, str(exc)))
        return _merge_alter_columns(items)

    def _alter_cmd(self, sub: dict[str, Any], table: dict[str, str]) -> list[Item]:
        subtype = sub.get("subtype")
        if sub.get("behavior") == "DROP_CASCADE":
            raise Unmappable("CASCADE (ec drops only what it names)")
        if subtype == "AT_AddColumn":
            _unknown_keys(sub, {"subtype", "def", "behavior", "missing_ok"}, "ADD COLUMN")
            col, extra, up = self._column(sub["def"]["ColumnDef"], table, in_create=False)
            fields: dict[str, Any] = {**table, "column": col}
            notes = []
            if up is not None:
                fields["up"] = up
                notes.append(
                    f"default {up} is computed per row: existing rows are backfilled in batches"
                )
            return [OpItem("add_column", fields, notes), *extra]
        if subtype == "AT_DropColumn":
            _unknown_keys(sub, {"subtype", "name", "behavior", "missing_ok"}, "DROP COLUMN")
            return [OpItem("drop_column", {**table, "column": sub["name"]})]
        if subtype == "AT_AlterColumnType":
            _unknown_keys(sub, {"subtype", "name", "def", "behavior"}, "ALTER COLUMN TYPE")
            coldef = sub["def"]["ColumnDef"]
            _unknown_keys(coldef, {"typeName", "raw_default", "location"}, "ALTER COLUMN TYPE")
            fields = {**table, "column": sub["name"], "type": type_sql(coldef["typeName"])}
            if "raw_default" in coldef:
                fields["up"] = deparse(coldef["raw_default"])
            return [OpItem("alter_column", fields)]
        if subtype in ("AT_SetNotNull", "AT_DropNotNull"):
            _unknown_keys(sub, {"subtype", "name", "behavior"}, "ALTER COLUMN NOT NULL")
            nullable = subtype == "AT_DropNotNull"
            return [OpItem("alter_column", {**table, "column": sub["name"], "nullable": nullable})]
        if subtype == "AT_ColumnDefault":
            _unknown_keys(sub, {"subtype", "name", "def", "behavior"}, "ALTER COLUMN DEFAULT")
            if "def" in sub:
                return [OpItem("alter_column", {**table, "column": sub["name"], "default": deparse(sub["def"])})]
            return [OpItem("alter_column", {**table, "column": sub["name"], "drop_default": True})]
        if subtype == "AT_AddConstraint":
            _unknown_keys(sub, {"subtype", "def", "behavior"}, "ADD CONSTRAINT")
            return [self._table_constraint(sub["def"]["Constraint"], table, standalone=True)]
        if subtype == "AT_ValidateConstraint":
            key = (table["table"], table.get("schema"), str(sub.get("name")))
            if key in self._added_constraints:
                return [DropItem(f"VALIDATE CONSTRAINT {sub.get('name')}: its operation above already validates it")]
            raise Unmappable("VALIDATE CONSTRAINT has no ec operation (it is safe as is: no write lock)")
        raise Unmappable(f"ALTER TABLE {_subcommand_words(str(subtype))} has no ec operation")

    # --- columns and constraints --------------------------------------------------------
    def _column(
        self, coldef: dict[str, Any], table: dict[str, str], *, in_create: bool
    ) -> tuple[dict[str, Any], list[Item], str | None]:
        """A column spec, the extra operations for its named constraints, and (ADD COLUMN
        only) the ``up`` expression when its default must be computed per row."""
        name = coldef["colname"]
        _unknown_keys(coldef, {"colname", "typeName", "is_local", "constraints", "location"}, f"column {name}")
        type_text = type_sql(coldef["typeName"])
        if not in_create and re.fullmatch(r"(small|big)?serial[248]?", type_text.lower()):
            raise Unmappable(
                f"ADD COLUMN of type {type_text} fills every row under an ACCESS EXCLUSIVE lock; "
                "create a sequence and use add_column with up: nextval(...) instead"
            )
        col: dict[str, Any] = {"name": name, "type": type_text}
        extra: list[Item] = []
        default_expr: Any = None
        for wrapped in coldef.get("constraints", []):
            con = wrapped["Constraint"]
            kind = con.get("contype")
            named = bool(con.get("conname"))
            if kind == "CONSTR_NOTNULL" and not named and not con.get("is_no_inherit"):
                col["nullable"] = False
            elif kind == "CONSTR_NULL":
                col["nullable"] = True
            elif kind == "CONSTR_DEFAULT":
                default_expr = con["raw_expr"]
                col["default"] = deparse(default_expr)
            elif kind == "CONSTR_PRIMARY" and in_create and not named:
                _unknown_keys(con, {"contype", "location"}, f"PRIMARY KEY of {name}")
                col["primary_key"] = True
            elif kind == "CONSTR_UNIQUE" and not named and set(con) <= {"contype", "location"}:
                col["unique"] = True
            elif kind == "CONSTR_CHECK" and not named and _plain_check(con):
                col["check"] = deparse(con["raw_expr"])
            elif kind == "CONSTR_FOREIGN" and not named and _plain_fk(con):
                ref = _table(con["pktable"])
                target: dict[str, Any] = {"table": ref["table"]}
                if "schema" in ref:
                    target["schema"] = ref["schema"]
                pk = _strings(con.get("pk_attrs"))
                if len(pk) != 1:
                    raise Unmappable(
                        f"REFERENCES without a column (column {name}): ec needs the referenced column named"
                    )
                target["column"] = pk[0]
                col["references"] = target
            elif kind in ("CONSTR_UNIQUE", "CONSTR_CHECK", "CONSTR_FOREIGN"):
                # Named, or with options a column spec cannot hold: its own operation.
                extra.append(self._table_constraint({**con, **_column_keys(kind, name)}, table))
            else:
                raise Unmappable(f"column {name}: {_constraint_words(con)} is not mapped")
        up = None
        if not in_create and default_expr is not None and is_per_row(default_expr):
            up = col["default"]
        return col, extra, up

    def _table_constraint(
        self, con: dict[str, Any], table: dict[str, str], *, standalone: bool = False
    ) -> Item:
        kind = con.get("contype")
        tname, schema = _ref(table)
        if kind == "CONSTR_CHECK":
            _unknown_keys(
                con,
                {"contype", "conname", "raw_expr", "location", "is_enforced", "initially_valid", "skip_validation"},
                "CHECK",
            )
            if not con.get("is_enforced"):
                raise Unmappable("NOT ENFORCED constraints")
            first = _first_column(con["raw_expr"])
            name = con.get("conname") or bounded_name(tname, *([first] if first else []), "check")
            self._added_constraints.add((tname, schema, name))
            return OpItem("add_check", {**table, "name": name, "check": deparse(con["raw_expr"])}, _constraint_notes(con))
        if kind == "CONSTR_UNIQUE":
            if con.get("indexname"):
                return self._unique_using_index(con, table)
            _unknown_keys(con, {"contype", "conname", "keys", "location"}, "UNIQUE")
            columns = _strings(con.get("keys"))
            name = con.get("conname") or bounded_name(tname, *columns, "key")
            self._added_constraints.add((tname, schema, name))
            return OpItem("add_unique", {**table, "name": name, "columns": columns})
        if kind == "CONSTR_FOREIGN":
            _unknown_keys(
                con,
                {
                    "contype", "conname", "pktable", "fk_attrs", "pk_attrs", "fk_matchtype",
                    "fk_upd_action", "fk_del_action", "location", "is_enforced",
                    "initially_valid", "skip_validation",
                },
                "FOREIGN KEY",
            )
            if not con.get("is_enforced"):
                raise Unmappable("NOT ENFORCED constraints")
            if con.get("fk_matchtype", "s") != "s":
                raise Unmappable("MATCH FULL foreign keys")
            columns = _strings(con.get("fk_attrs"))
            pk = _strings(con.get("pk_attrs"))
            if not pk:
                raise Unmappable("REFERENCES without a column list: ec needs the referenced columns named")
            target = _table(con["pktable"])
            fields: dict[str, Any] = {
                **table,
                "name": con.get("conname") or bounded_name(tname, *columns, "fkey"),
                "columns": columns,
                "references": {"table": target["table"], **({"schema": target["schema"]} if "schema" in target else {}), "columns": pk},
            }
            for key, out in (("fk_del_action", "on_delete"), ("fk_upd_action", "on_update")):
                action = _FK_ACTIONS.get(con.get(key, "a"))
                if action is None:
                    raise Unmappable("an unknown referential action")
                if action != "no action":
                    fields[out] = action
            self._added_constraints.add((tname, schema, fields["name"]))
            return OpItem("add_foreign_key", fields, _constraint_notes(con))
        if kind == "CONSTR_PRIMARY":
            raise Unmappable("adding a PRIMARY KEY has no ec operation")
        raise Unmappable(f"{_constraint_words(con)} has no ec operation")

    def _unique_using_index(self, con: dict[str, Any], table: dict[str, str]) -> Item:
        """UNIQUE USING INDEX ix: when ix is a unique index created earlier in this file, the
        pair is exactly what add_unique does (concurrent unique index, then the constraint)."""
        _unknown_keys(con, {"contype", "conname", "indexname", "location"}, "UNIQUE USING INDEX")
        index_item = self._unique_indexes.get((table.get("schema"), con["indexname"]))
        if index_item is None or index_item.removed or index_item.fields["table"] != table["table"] or index_item.fields.get("where") or index_item.fields.get("include"):
            raise Unmappable(
                f"UNIQUE USING INDEX {con['indexname']}: that index is not a plain unique index "
                "created earlier in this file (the statement itself is quick: no table scan)"
            )
        index_item.removed = True
        name = con.get("conname") or con["indexname"]
        tname, schema = _ref(table)
        self._added_constraints.add((tname, schema, name))
        return OpItem(
            "add_unique",
            {**table, "name": name, "columns": index_item.fields["columns"]},
            [f"folds CREATE UNIQUE INDEX {con['indexname']} (above) into this add_unique, which builds it concurrently"],
        )

    # --- indexes -------------------------------------------------------------------------
    def _map_IndexStmt(self, st: Statement) -> list[Item]:
        node = dict(st.node)
        table = _table(node["relation"])
        notes: list[str] = []
        if not node.get("idxname"):
            parts = [e["IndexElem"].get("name") or "expr" for e in node.get("indexParams", [])]
            node["idxname"] = bounded_name(table["table"], *parts, "idx")
            notes.append(f"unnamed index: ec names it {node['idxname']} so that a re-run finds it")
        if not node.get("concurrent"):
            notes.append("built CONCURRENTLY: writes continue while it builds")
        try:
            fields = self._index_fields(node, table)
        except Unmappable as exc:
            # Still never block writes: keep it raw, but CONCURRENTLY and outside a transaction.
            node["concurrent"] = True
            return [
                RawItem(
                    deparse({"IndexStmt": node}),
                    f"{exc}; kept as CREATE INDEX CONCURRENTLY",
                    transactional=False,
                    lock="SHARE UPDATE EXCLUSIVE",
                )
            ]
        item = OpItem("create_index", fields, notes)
        if fields.get("unique"):
            self._unique_indexes[(table.get("schema"), fields["name"])] = item
        return [item]

    def _index_fields(self, node: dict[str, Any], table: dict[str, str]) -> dict[str, Any]:
        _unknown_keys(
            node,
            {
                "idxname", "relation", "accessMethod", "indexParams", "indexIncludingParams",
                "whereClause", "unique", "concurrent", "if_not_exists",
            },
            "CREATE INDEX",
        )
        method = node.get("accessMethod", "btree")
        if method not in ("btree", "hash", "gist", "gin", "brin", "spgist"):
            raise Unmappable(f"index method {method}")
        fields: dict[str, Any] = {**table, "name": node["idxname"], "columns": _index_columns(node.get("indexParams", []))}
        if node.get("unique"):
            fields["unique"] = True
        if method != "btree":
            fields["method"] = method
        if "whereClause" in node:
            fields["where"] = deparse(node["whereClause"])
        if node.get("indexIncludingParams"):
            fields["include"] = _index_columns(node["indexIncludingParams"])
        return fields


def _merge_alter_columns(items: list[Item]) -> list[Item]:
    """``ALTER COLUMN c TYPE x, ALTER COLUMN c SET NOT NULL`` in one statement is one change of
    c (PostgreSQL applies the subcommands together): make it one alter_column, so the column
    is rebuilt once. Only when the fields do not overlap and no raw subcommand sits between."""
    out: list[Item] = []
    open_items: dict[str, OpItem] = {}
    for item in items:
        if isinstance(item, OpItem) and item.type == "alter_column":
            target = open_items.get(item.fields["column"])
            keys = _alter_keys(item)
            if target is not None and not (keys & _alter_keys(target)):
                target.fields.update({k: v for k, v in item.fields.items() if k not in target.fields})
                target.notes.extend(item.notes)
                continue
            open_items[item.fields["column"]] = item
        elif isinstance(item, RawItem):
            open_items.clear()
        out.append(item)
    return out


def _alter_keys(item: OpItem) -> set[str]:
    keys = set(item.fields) - {"table", "schema", "column"}
    return keys | ({"default"} if "drop_default" in keys else set())


def _index_columns(params: list[dict[str, Any]]) -> list[str]:
    columns = []
    for param in params:
        elem = param["IndexElem"]
        defaults = {"ordering": "SORTBY_DEFAULT", "nulls_ordering": "SORTBY_NULLS_DEFAULT"}
        plain = {k: v for k, v in elem.items() if defaults.get(k) != v}
        if set(plain) != {"name"}:
            what = "an expression" if "expr" in plain else "ordering, collation or operator class"
            raise Unmappable(f"index on {what} (create_index takes plain columns)")
        columns.append(plain["name"])
    return columns


def _plain_check(con: dict[str, Any]) -> bool:
    return set(con) <= {"contype", "raw_expr", "location", "is_enforced", "initially_valid"} and bool(con.get("is_enforced"))


def _plain_fk(con: dict[str, Any]) -> bool:
    known = {"contype", "pktable", "pk_attrs", "fk_matchtype", "fk_upd_action", "fk_del_action", "location", "is_enforced", "initially_valid"}
    return (
        set(con) <= known
        and bool(con.get("is_enforced"))
        and con.get("fk_matchtype", "s") == "s"
        and con.get("fk_upd_action", "a") == "a"
        and con.get("fk_del_action", "a") == "a"
    )


def _column_keys(kind: str, column: str) -> dict[str, Any]:
    """Column constraints name their column implicitly; give the table-constraint form."""
    cols = [{"String": {"sval": column}}]
    if kind == "CONSTR_UNIQUE":
        return {"keys": cols}
    if kind == "CONSTR_FOREIGN":
        return {"fk_attrs": cols}
    return {}


def _constraint_notes(con: dict[str, Any]) -> list[str]:
    if con.get("skip_validation"):
        return ["NOT VALID: ec adds it NOT VALID, then validates it in a separate step that does not block writes"]
    return []


_CONSTR_WORDS = {
    "CONSTR_IDENTITY": "GENERATED ... AS IDENTITY",
    "CONSTR_GENERATED": "GENERATED ALWAYS AS (...) STORED",
    "CONSTR_EXCLUSION": "an EXCLUDE constraint",
    "CONSTR_PRIMARY": "PRIMARY KEY",
    "CONSTR_ATTR_DEFERRABLE": "DEFERRABLE",
    "CONSTR_ATTR_NOT_DEFERRABLE": "NOT DEFERRABLE",
    "CONSTR_ATTR_DEFERRED": "INITIALLY DEFERRED",
    "CONSTR_ATTR_IMMEDIATE": "INITIALLY IMMEDIATE",
    "CONSTR_NOTNULL": "a named or NO INHERIT NOT NULL",
}


def _constraint_words(con: dict[str, Any]) -> str:
    kind = str(con.get("contype", ""))
    return _CONSTR_WORDS.get(kind, kind.removeprefix("CONSTR_").replace("_", " ") + " constraint")


def _object_word(kind: Any) -> str:
    return str(kind or "").removeprefix("OBJECT_").replace("_", " ")


_SUBCOMMAND_WORDS = {
    "AT_DropConstraint": "DROP CONSTRAINT",
    "AT_SetStatistics": "SET STATISTICS",
    "AT_SetStorage": "SET STORAGE",
    "AT_SetCompression": "SET COMPRESSION",
    "AT_AddIdentity": "ADD GENERATED AS IDENTITY",
    "AT_SetIdentity": "SET identity options",
    "AT_DropIdentity": "DROP IDENTITY",
    "AT_DropExpression": "DROP EXPRESSION",
    "AT_SetOptions": "SET (attribute options)",
    "AT_SetRelOptions": "SET (storage parameters)",
    "AT_ResetRelOptions": "RESET (storage parameters)",
    "AT_ChangeOwner": "OWNER TO",
    "AT_ClusterOn": "CLUSTER ON",
    "AT_SetLogged": "SET LOGGED",
    "AT_SetUnLogged": "SET UNLOGGED",
    "AT_EnableTrig": "ENABLE TRIGGER",
    "AT_DisableTrig": "DISABLE TRIGGER",
    "AT_EnableRowSecurity": "ENABLE ROW LEVEL SECURITY",
    "AT_DisableRowSecurity": "DISABLE ROW LEVEL SECURITY",
    "AT_AttachPartition": "ATTACH PARTITION",
    "AT_DetachPartition": "DETACH PARTITION",
    "AT_ReplicaIdentity": "REPLICA IDENTITY",
    "AT_SetTableSpace": "SET TABLESPACE",
    "AT_AddInherit": "INHERIT",
    "AT_DropInherit": "NO INHERIT",
    "AT_AlterConstraint": "ALTER CONSTRAINT",
}


def _subcommand_words(subtype: str) -> str:
    return _SUBCOMMAND_WORDS.get(subtype, subtype.removeprefix("AT_"))


# --- raw statements -----------------------------------------------------------------------

# Statements PostgreSQL refuses to run inside a transaction block.
_NON_TRANSACTIONAL = {
    "VacuumStmt", "CreatedbStmt", "DropdbStmt", "CreateTableSpaceStmt", "DropTableSpaceStmt",
    "AlterSystemStmt", "CreateSubscriptionStmt", "DropSubscriptionStmt",
}
_ROW_EXCLUSIVE = {"UpdateStmt", "InsertStmt", "DeleteStmt", "MergeStmt"}
_NO_TABLE_LOCK = {
    "CreateFunctionStmt", "CreateSchemaStmt", "CreateSeqStmt", "CreateEnumStmt",
    "CompositeTypeStmt", "CreateDomainStmt", "CreateExtensionStmt",
}

_REASONS = {
    "UpdateStmt": "UPDATE is not mapped; one UPDATE locks every row it touches at once: for "
    "existing rows prefer an add_column/alter_column `up` expression, which ec backfills in batches",
    "InsertStmt": "data changes (INSERT) are not schema operations",
    "DeleteStmt": "data changes (DELETE) are not schema operations; a large DELETE should be batched",
    "CreateFunctionStmt": "CREATE FUNCTION has no ec operation",
    "ViewStmt": "CREATE VIEW has no ec operation",
    "DoStmt": "a DO block cannot be analysed",
    "GrantStmt": "GRANT/REVOKE has no ec operation",
    "GrantRoleStmt": "GRANT/REVOKE of roles has no ec operation",
    "CommentStmt": "COMMENT ON has no ec operation",
    "CreateSeqStmt": "CREATE SEQUENCE has no ec operation",
    "CreateEnumStmt": "CREATE TYPE ... AS ENUM has no ec operation",
    "AlterEnumStmt": "ALTER TYPE has no ec operation",
    "CreateExtensionStmt": "CREATE EXTENSION has no ec operation",
    "CreateSchemaStmt": "CREATE SCHEMA has no ec operation",
    "CreateTrigStmt": "CREATE TRIGGER has no ec operation",
    "VacuumStmt": "VACUUM/ANALYZE has no ec operation (runs outside a transaction)",
    "SelectStmt": "a query has no ec operation",
    "CreateTableAsStmt": "CREATE TABLE AS has no ec operation",
}


def reason_for(st: Statement) -> str:
    if st.kind in _REASONS:
        return _REASONS[st.kind]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", st.kind.removesuffix("Stmt")).upper()
    return f"{words} has no ec operation"


def _raw_for(st: Statement, reason: str) -> RawItem:
    kind = st.kind
    lock: str | None = None
    if kind in _ROW_EXCLUSIVE:
        lock = "ROW EXCLUSIVE"
    elif kind == "SelectStmt":
        lock = "ACCESS SHARE"
    elif kind in _NO_TABLE_LOCK:
        lock = "none"
    elif kind == "VacuumStmt":
        full = any(o.get("DefElem", {}).get("defname") == "full" for o in st.node.get("options", []))
        lock = "ACCESS EXCLUSIVE" if full else "SHARE UPDATE EXCLUSIVE"
    transactional = kind not in _NON_TRANSACTIONAL
    if kind == "ReindexStmt" and any(
        o.get("DefElem", {}).get("defname") == "concurrently" for o in st.node.get("params", [])
    ):
        transactional, lock = False, "SHARE UPDATE EXCLUSIVE"
    if kind in ("IndexStmt", "DropStmt") and st.node.get("concurrent"):
        transactional, lock = False, "SHARE UPDATE EXCLUSIVE"
    return RawItem(st.text, reason, transactional=transactional, lock=lock)
