"""Reading and writing the registry: stored manifests and live app instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from . import schema
from .manifest import Manifest, ManifestError


def store_manifest(conn: psycopg.Connection, app: str, version: str, manifest: Manifest,
                   source: str) -> str:
    """Store ``manifest`` for app@version (idempotent); returns its hash."""
    schema.ensure_gate_state(conn)
    digest = manifest.content_hash()
    conn.execute(
        f"INSERT INTO {schema.MANIFESTS} (app, version, manifest_hash, manifest, source)"
        " VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (app, version, manifest_hash) DO UPDATE SET source = EXCLUDED.source,"
        " stored_at = now()",
        (app, version, digest, Jsonb(manifest.to_document()), source),
    )
    return digest


class ManifestStore:
    """Stored manifests, loaded once per gate evaluation."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._by_hash: dict[tuple[str, str, str], Manifest] = {}
        self._by_version: dict[tuple[str, str], Manifest] = {}
        self.invalid: list[str] = []
        for app, version, digest, doc in conn.execute(
            f"SELECT app, version, manifest_hash, manifest FROM {schema.MANIFESTS}"
        ):
            try:
                manifest = Manifest.from_document(doc, where=f"stored manifest {app}@{version}")
            except ManifestError as exc:
                self.invalid.append(str(exc))
                continue
            self._by_hash[(app, version, digest)] = manifest
            # Every manifest ever stored for a version: what the version may use (the union).
            self._by_version.setdefault((app, version), Manifest(app=app, version=version)).merge(
                manifest)

    def for_version(self, app: str, version: str, digest: str | None = None) -> Manifest | None:
        if digest and (app, version, digest) in self._by_hash:
            return self._by_hash[(app, version, digest)]
        return self._by_version.get((app, version))


@dataclass
class Instance:
    id: int
    app: str
    version: str
    host: str
    pid: int
    manifest_hash: str | None
    heartbeat_at: datetime
    heartbeat_interval: float
    age_seconds: float


@dataclass
class VersionGroup:
    """Live instances of one app version, for the evidence table."""

    app: str
    version: str
    instances: list[Instance] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "version": self.version,
            "instances": len(self.instances),
            "hosts": sorted({i.host for i in self.instances}),
            "last_seen": max(i.heartbeat_at for i in self.instances).isoformat(),
        }


def live_instances(conn: psycopg.Connection, ttl_seconds: float | None) -> list[Instance]:
    """Instances whose last heartbeat (database clock) is newer than the TTL.

    ``ttl_seconds`` None: each instance's own 3 x heartbeat interval.
    """
    rows = conn.execute(
        f"""
        SELECT id, app, version, host, pid, manifest_hash, heartbeat_at, heartbeat_interval,
               extract(epoch FROM clock_timestamp() - heartbeat_at)::float8
        FROM {schema.INSTANCES}
        WHERE clock_timestamp() - heartbeat_at
              <= make_interval(secs => coalesce(%s::float8, 3 * heartbeat_interval))
        ORDER BY app, version, host, pid
        """,
        (ttl_seconds,),
    ).fetchall()
    return [Instance(*row) for row in rows]


def group(instances: list[Instance]) -> list[VersionGroup]:
    groups: dict[tuple[str, str], VersionGroup] = {}
    for inst in instances:
        groups.setdefault((inst.app, inst.version), VersionGroup(inst.app, inst.version)
                          ).instances.append(inst)
    return list(groups.values())
