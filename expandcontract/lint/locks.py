"""Which table-level lock a statement takes, from the PostgreSQL docs (explicit-locking.html).

Used for the lock_timeout and "statements after ACCESS EXCLUSIVE" rules. It is a static
approximation; ``ec lint --trace`` reports the locks really taken.
"""

from __future__ import annotations

from dataclasses import dataclass

from .nodes import Node, has_option, rel_name, strings

ACCESS_SHARE = 1
ROW_SHARE = 2
ROW_EXCLUSIVE = 3
SHARE_UPDATE_EXCLUSIVE = 4
SHARE = 5
SHARE_ROW_EXCLUSIVE = 6
EXCLUSIVE = 7
ACCESS_EXCLUSIVE = 8

MODE_NAMES = {
    ACCESS_SHARE: "ACCESS SHARE", ROW_SHARE: "ROW SHARE", ROW_EXCLUSIVE: "ROW EXCLUSIVE",
    SHARE_UPDATE_EXCLUSIVE: "SHARE UPDATE EXCLUSIVE", SHARE: "SHARE",
    SHARE_ROW_EXCLUSIVE: "SHARE ROW EXCLUSIVE", EXCLUSIVE: "EXCLUSIVE",
    ACCESS_EXCLUSIVE: "ACCESS EXCLUSIVE",
}

# ALTER TABLE sub-commands that take less than ACCESS EXCLUSIVE (docs of ALTER TABLE).
_ALTER_TABLE_WEAKER = {
    "AT_ValidateConstraint": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetStatistics": SHARE_UPDATE_EXCLUSIVE,
    "AT_ClusterOn": SHARE_UPDATE_EXCLUSIVE,
    "AT_DropCluster": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetRelOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetRelOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_AttachPartition": SHARE_UPDATE_EXCLUSIVE,
    "AT_EnableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableAlwaysTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableReplicaTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigUser": SHARE_ROW_EXCLUSIVE,
}


@dataclass(frozen=True)
class Lock:
    mode: int
    table: str | None  # None when the statement does not name one table

    @property
    def name(self) -> str:
        return MODE_NAMES[self.mode]


def _alter_table_mode(cmds: list[Node]) -> int:
    mode = 0
    for cmd in cmds:
        c = cmd.get("AlterTableCmd", {})
        sub = c.get("subtype", "")
        if sub == "AT_AddConstraint":
            con = c.get("def", {}).get("Constraint", {})
            m = SHARE_ROW_EXCLUSIVE if con.get("contype") == "CONSTR_FOREIGN" else ACCESS_EXCLUSIVE
        elif sub == "AT_DetachPartition" and c.get("def", {}).get("PartitionCmd", {}).get("concurrent"):
            m = SHARE_UPDATE_EXCLUSIVE
        else:
            m = _ALTER_TABLE_WEAKER.get(sub, ACCESS_EXCLUSIVE)
        mode = max(mode, m)
    return mode


def lock_of(kind: str, node: Node, pg_version: int) -> Lock | None:
    """The strongest lock ``node`` takes on a table, or None for no notable table lock."""
    if kind == "AlterTableStmt":
        if node.get("objtype") not in ("OBJECT_TABLE", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            if node.get("objtype") == "OBJECT_INDEX":
                return Lock(SHARE_UPDATE_EXCLUSIVE, rel_name(node.get("relation")))
            return None
        return Lock(_alter_table_mode(node.get("cmds") or []), rel_name(node.get("relation")))
    if kind == "RenameStmt":
        rt = node.get("renameType")
        if rt in ("OBJECT_TABLE", "OBJECT_COLUMN", "OBJECT_TABCONSTRAINT", "OBJECT_VIEW",
                  "OBJECT_MATVIEW"):
            return Lock(ACCESS_EXCLUSIVE, rel_name(node.get("relation")))
        if rt == "OBJECT_INDEX":
            # ALTER INDEX RENAME takes SHARE UPDATE EXCLUSIVE since PostgreSQL 12.
            mode = SHARE_UPDATE_EXCLUSIVE if pg_version >= 12 else ACCESS_EXCLUSIVE
            return Lock(mode, rel_name(node.get("relation")))
        return None
    if kind == "DropStmt":
        rt = node.get("removeType")
        objects = node.get("objects") or []
        first = strings(objects[0].get("List", {}).get("items")) if objects else []
        name = first[-1] if first else None
        if rt == "OBJECT_INDEX":
            return None if node.get("concurrent") else Lock(ACCESS_EXCLUSIVE, None)
        if rt in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_TRIGGER"):
            return Lock(ACCESS_EXCLUSIVE, name)
        return None
    if kind == "IndexStmt":
        if node.get("concurrent"):
            return Lock(SHARE_UPDATE_EXCLUSIVE, rel_name(node.get("relation")))
        return Lock(SHARE, rel_name(node.get("relation")))
    if kind == "TruncateStmt":
        return Lock(ACCESS_EXCLUSIVE, rel_name((node.get("relations") or [{}])[0]))
    if kind == "VacuumStmt":
        if node.get("is_vacuumcmd") and has_option(node.get("options"), "full"):
            rels = node.get("rels") or [{}]
            return Lock(ACCESS_EXCLUSIVE, rel_name(rels[0].get("VacuumRelation", {}).get("relation")))
        return None
    if kind == "ClusterStmt":
        return Lock(ACCESS_EXCLUSIVE, rel_name(node.get("relation")))
    if kind == "ReindexStmt":
        if has_option(node.get("params"), "concurrently"):
            return None
        return Lock(ACCESS_EXCLUSIVE, rel_name(node.get("relation")))
    if kind == "RefreshMatViewStmt":
        mode = EXCLUSIVE if node.get("concurrent") else ACCESS_EXCLUSIVE
        return Lock(mode, rel_name(node.get("relation")))
    if kind == "LockStmt":
        rels = node.get("relations") or [{}]
        return Lock(int(node.get("mode") or ACCESS_EXCLUSIVE), rel_name(rels[0]))
    if kind == "CreateTrigStmt":
        return Lock(SHARE_ROW_EXCLUSIVE, rel_name(node.get("relation")))
    if kind == "AlterEnumStmt":
        return None
    return None
