"""ec convert: write the migration file equivalent to a SQL file (or another migration file)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from ..errors import InputError
from ..planning.model import Migration
from ..planning.sources import load_any
from .common import stderr_console

OUTPUT_SUFFIXES = {".yaml", ".yml", ".json"}


class _BlockDumper(yaml.SafeDumper):
    """Block style throughout; multi-line SQL as literal blocks (``|``), as a person writes it."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # lists indented under their key


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted style by itself when a literal block cannot hold the text.
    style = "|" if "\n" in value else None
    if style is None and value.startswith("'") and '"' not in value and "\\" not in value:
        style = '"'  # SQL string literals read better in double quotes than doubled singles
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def _dump(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_BlockDumper, sort_keys=False, default_flow_style=False,
        allow_unicode=True, width=100,
    )


def _comment(text: str) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines() or [""])


def to_yaml(migration: Migration, source: str) -> str:
    """The migration as YAML, with the loader's notes and each operation's origin as comments.

    Field order follows the operation models (the loader reads them in any order)."""
    doc = migration.to_document()
    out = [_comment(f"Converted from {source} by `ec convert`.")]
    if migration.notes:
        out.append(_comment("Notes:"))
        out.extend(_comment(f"  {note}") for note in migration.notes)
    head = {k: v for k, v in doc.items() if k != "operations"}
    out.append(_dump(head))
    out.append("operations:\n")
    for op, op_doc in zip(migration.operations, doc["operations"], strict=True):
        if op.origin:
            out.append(f"  # {op.origin}\n")
        out.append("".join(f"  {line}\n" if line else "\n" for line in _dump([op_doc]).splitlines()))
    return "".join(out)


def to_json(migration: Migration) -> str:
    return json.dumps(migration.to_document(), indent=2, ensure_ascii=False) + "\n"


@click.command("convert")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="Write here (.yaml, .yml or .json); default: YAML on stdout.",
)
def convert_command(file: Path, output: Path | None) -> None:
    """Write the migration file equivalent to FILE (.sql, or a migration file to reformat).

    Statements that map to no operation are kept as raw `sql` operations; each such
    decision is printed on stderr and kept as a comment in the YAML."""
    if output is not None and output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError("output must end in .yaml, .yml or .json", where=str(output))
    migration = load_any(file)
    if output is not None and output.suffix.lower() == ".json":
        text = to_json(migration)
    else:
        text = to_yaml(migration, file.name)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", where=str(output)) from None
    console = stderr_console()
    # On a terminal the notes are right there as comments; otherwise say them on stderr.
    show_notes = output is not None or not sys.stdout.isatty()
    for note in migration.notes if show_notes else []:
        console.print(f"note: {note}", highlight=False, markup=False)
    if output is not None:
        console.print(
            f"wrote {output} ({len(migration.operations)} operations)", highlight=False, markup=False
        )


COMMANDS = [convert_command]
