"""The gate's evidence that no live app version still needs what contract removes.

Three sources, each with its own verdict: the registry (instances that heartbeat), the
connections in pg_stat_activity tagged ``ec:<app>@<version>``, and pg_stat_statements
(statements run since expand). Found by execution.precontract through ``evidence()``.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ..execution.precontract import Evidence, GateOptions
from ..planning.steps import Requirement
from ..runtime.names import parse_application_name
from . import schema
from .registry import ManifestStore, group, live_instances
from .requirements import violations


def evidence(conn: psycopg.Connection, record: Any, options: GateOptions) -> list[Evidence]:
    """Evidence for contracting ``record`` (execution.store.MigrationRecord)."""
    from .statements import statements_evidence

    reqs = requirements_of(record)
    schema.ensure_gate_state(conn)
    store = ManifestStore(conn)
    return [
        registry_evidence(conn, reqs, options, store),
        activity_evidence(conn, reqs, options, store),
        statements_evidence(conn, record, reqs),
    ]


def requirements_of(record: Any) -> list[Requirement]:
    """What contract requires of live versions. Planned without the catalog on purpose: after
    expand the live schema no longer validates the migration's expand steps."""
    from ..planning.planner import build_plan

    return build_plan(record.migration()).requirements


def _reqs_text(reqs: list[Requirement]) -> str:
    return "; ".join(r.describe() for r in reqs)


def registry_evidence(conn: psycopg.Connection, reqs: list[Requirement], options: GateOptions,
                      store: ManifestStore) -> Evidence:
    instances = live_instances(conn, options.ttl_seconds)
    ttl = (f"{options.ttl_seconds:g}s" if options.ttl_seconds is not None
           else "3 heartbeat intervals")
    caveats = [
        "only apps that call expandcontract.runtime.register() are listed here",
        f"an instance counts as live while its last heartbeat is newer than the TTL ({ttl}); "
        "a killed instance keeps blocking until then",
    ]
    caveats.extend(store.invalid)
    details: list[dict[str, Any]] = []
    blocking: list[str] = []
    for grp in group(instances):
        whys: list[str] = []
        unknown = 0
        for inst in grp.instances:
            manifest = store.for_version(inst.app, inst.version, inst.manifest_hash)
            if manifest is None:
                unknown += 1
                continue
            whys.extend(v.why for v in violations(manifest, reqs))
        whys = list(dict.fromkeys(whys))
        status = "incompatible" if whys else "unknown" if unknown else "compatible"
        row = {**grp.to_json(), "status": status, "violations": whys}
        details.append(row)
        label = f"{grp.app}@{grp.version}"
        count = f"{len(grp.instances)} live instance{'s' if len(grp.instances) != 1 else ''}"
        if whys:
            blocking.append(f"{label} ({count}) {', '.join(whys)}")
        elif unknown and not options.allow_unknown:
            blocking.append(f"{label} ({count}) has no manifest")
    if blocking:
        return Evidence("registry", False, "; ".join(blocking), details, caveats)
    if not reqs:
        summary = "the migration requires nothing of live app versions"
    elif not details:
        summary = "no live registered app instances"
    else:
        summary = (f"{len(details)} live app version(s), none violates: {_reqs_text(reqs)}")
    return Evidence("registry", True, summary, details, caveats)


def activity_evidence(conn: psycopg.Connection, reqs: list[Requirement], options: GateOptions,
                      store: ManifestStore) -> Evidence:
    rows = conn.execute(
        """
        SELECT application_name, count(*),
               array_agg(DISTINCT coalesce(host(client_addr), 'local socket')),
               max(backend_start)
        FROM pg_stat_activity
        WHERE application_name LIKE 'ec:%%' AND pid <> pg_backend_pid()
          AND datname = current_database() AND backend_type = 'client backend'
        GROUP BY application_name ORDER BY application_name
        """
    ).fetchall()
    caveats = [
        "only connections whose application_name is ec:<app>@<version> can be attributed; "
        "untagged connections are evidence neither way",
        "a version is judged by every manifest stored for it (registered instances or "
        "ec manifest --store)",
    ]
    details: list[dict[str, Any]] = []
    blocking: list[str] = []
    for appname, count, clients, started in rows:
        parsed = parse_application_name(appname)
        if parsed is None:
            continue
        app, version = parsed
        manifest = store.for_version(app, version)
        whys = [v.why for v in violations(manifest, reqs)] if manifest is not None else []
        status = "incompatible" if whys else "unknown" if manifest is None else "compatible"
        details.append({
            "app": app, "version": version, "connections": count, "clients": sorted(clients),
            "newest_connection": started.isoformat() if started else None,
            "status": status, "violations": whys,
        })
        label = f"{app}@{version} ({count} connection{'s' if count != 1 else ''})"
        if whys:
            blocking.append(f"{label} {', '.join(whys)}")
        elif manifest is None and reqs and not options.allow_unknown:
            blocking.append(f"{label} is unknown to the registry (no manifest; "
                            "--allow-unknown to ignore)")
    if blocking:
        return Evidence("pg_stat_activity", False, "; ".join(blocking), details, caveats)
    if not details:
        summary = "no connections tagged ec:<app>@<version>"
    elif not reqs:
        summary = "the migration requires nothing of live app versions"
    else:
        unknown = sum(1 for d in details if d["status"] == "unknown")
        summary = f"{len(details)} tagged version(s) connected, none incompatible"
        if unknown:
            summary += f" ({unknown} unknown, allowed)"
    return Evidence("pg_stat_activity", True, summary, details, caveats)


def after_expand(conn: psycopg.Connection, record: Any) -> None:
    """precontract.after_expand hook: baseline pg_stat_statements; never fails the expand."""
    import logging

    from .statements import take_baseline

    try:
        take_baseline(conn, record.name)
    except psycopg.Error as exc:
        logging.getLogger("expandcontract.gate").warning(
            "could not take the pg_stat_statements baseline: %s", exc)
