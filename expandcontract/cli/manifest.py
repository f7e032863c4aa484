"""ec manifest: what columns an app version uses, from MetaData, SQL, logs or YAML."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..db import connect
from ..errors import InputError
from .common import dsn_option, get_dsn, stderr_console, stdout_console

PATH = click.Path(path_type=Path, dir_okay=False)


@click.command("manifest")
@click.option("--from-metadata", "metadata", multiple=True, metavar="MODULE:ATTR",
              help="A SQLAlchemy MetaData or declarative Base, e.g. myapp.models:Base.metadata.")
@click.option("--from-sql", "sql_files", multiple=True, type=PATH,
              help="A file of the SQL statements the version runs (repeatable).")
@click.option("--from-log", "log_files", multiple=True, type=PATH,
              help="A PostgreSQL log with log_statement = 'all' (repeatable).")
@click.option("--from-yaml", "yaml_files", multiple=True, type=PATH,
              help="A hand-written manifest (.yaml or .json) to merge in (repeatable).")
@click.option("--app", default=None, help="App name (needed with --store).")
@click.option("--version", "version", default=None, help="App version (needed with --store).")
@click.option("--store", is_flag=True, help="Store the manifest for APP@VERSION in the database.")
@dsn_option(required=False)
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True, help="Output format.")
def manifest_command(metadata: tuple[str, ...], sql_files: tuple[Path, ...],
                     log_files: tuple[Path, ...], yaml_files: tuple[Path, ...], app: str | None,
                     version: str | None, store: bool, dsn: str | None, fmt: str) -> None:
    """Build the manifest of an app version and print it (or --store it).

    With --dsn, unqualified columns in SQL are resolved against the live catalog.
    """
    from ..gate.manifest import Manifest, ManifestError, load_file
    from ..gate.manifest_sources import (
        catalog_resolver,
        from_log_file,
        from_metadata_spec,
        from_sql_file,
    )

    if not (metadata or sql_files or log_files or yaml_files):
        raise InputError("give at least one of --from-metadata, --from-sql, --from-log, --from-yaml")
    if store and not (app and version):
        raise InputError("--store needs --app and --version")
    url = get_dsn(dsn, required=store)
    conn = connect(url) if url else None
    try:
        resolver = catalog_resolver(conn) if conn is not None else None
        manifest = Manifest(app=app, version=version)
        for spec in metadata:
            manifest.merge(from_metadata_spec(spec))
        for path in sql_files:
            manifest.merge(from_sql_file(path, resolver))
        for path in log_files:
            found, count, skipped = from_log_file(path, resolver)
            manifest.merge(found)
            if skipped:
                stderr_console().print(f"{path}: {skipped} of {count} logged statements could not "
                                       "be parsed and were skipped")
        for path in yaml_files:
            try:
                manifest.merge(load_file(str(path)))
            except ManifestError as exc:
                raise InputError(str(exc)) from None
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
        if store:
            from ..gate.registry import store_manifest

            assert conn is not None and app and version
            digest = store_manifest(conn, app, version, manifest, "ec manifest")
            stderr_console().print(f"stored manifest {digest} for {app}@{version}")
    finally:
        if conn is not None:
            conn.close()
    doc = manifest.to_document()
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2))
    else:
        import yaml

        stdout_console().print(yaml.safe_dump(doc, sort_keys=False), end="", markup=False)


COMMANDS = [manifest_command]
