"""Read a revision file's header (revision, down_revision, branch labels) without importing it.

Used to name ec migrations after revisions, to find revision files by id, and to find the
heads of the ``expand`` and ``contract`` branches when splitting a revision.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

EXPAND_LABEL = "expand"
CONTRACT_LABEL = "contract"


@dataclass(frozen=True)
class RevisionHeader:
    path: Path
    revision: str
    down_revisions: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    message: str = ""
    names: frozenset[str] = field(default_factory=frozenset)  # top-level names defined


def _strings(node: ast.expr | None) -> tuple[str, ...]:
    if node is None:
        return ()
    if isinstance(node, ast.Constant):
        return (node.value,) if isinstance(node.value, str) else ()
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return tuple(s for elt in node.elts for s in _strings(elt))
    return ()


def read_header(path: Path, text: str | None = None) -> RevisionHeader:
    """The header of one revision file; InputError when it is not one."""
    if text is None:
        from ..planning.load_yaml import read_text

        text = read_text(path)
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise InputError(f"Python syntax error: {exc.msg}", where=f"{path}:{exc.lineno}") from None
    values: dict[str, ast.expr] = {}
    names: set[str] = set()
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                values[target.id] = value
                names.add(target.id)
    revision = _strings(values.get("revision"))
    if not revision or "upgrade" not in names:
        raise InputError("not an Alembic revision (needs revision = '...' and def upgrade())",
                         where=str(path))
    doc = ast.get_docstring(tree) or ""
    return RevisionHeader(
        path=path,
        revision=revision[0],
        down_revisions=_strings(values.get("down_revision")),
        branch_labels=_strings(values.get("branch_labels")),
        depends_on=_strings(values.get("depends_on")),
        message=doc.strip().splitlines()[0] if doc.strip() else "",
        names=frozenset(names),
    )


def directory_headers(directory: Path) -> list[RevisionHeader]:
    """Every revision file in a versions directory (files that are not revisions are skipped)."""
    headers = []
    for p in sorted(directory.glob("*.py")):
        if p.name.startswith("_"):
            continue
        try:
            headers.append(read_header(p))
        except InputError:
            continue
    return headers


def branch_head(headers: list[RevisionHeader], label: str,
                exclude: str | None = None) -> str | None:
    """The newest revision of the branch that starts at the revision labelled ``label``."""
    members = {h.revision for h in headers if label in h.branch_labels and h.revision != exclude}
    if not members:
        return None
    grew = True
    while grew:
        grew = False
        for h in headers:
            if h.revision not in members and h.revision != exclude and \
                    any(d in members for d in h.down_revisions):
                members.add(h.revision)
                grew = True
    parents = {d for h in headers if h.revision in members for d in h.down_revisions}
    heads = sorted(members - parents)
    if len(heads) != 1:
        raise InputError(f"the {label!r} branch has {len(heads)} heads ({', '.join(heads)}); "
                         "merge them first")
    return heads[0]


def find_revision(directories: list[Path], revision: str) -> Path:
    """The file of a revision id (a unique prefix is enough, as for alembic)."""
    matches = [h for d in directories for h in directory_headers(d)
               if h.revision == revision or h.revision.startswith(revision)]
    exact = [h for h in matches if h.revision == revision]
    if exact:
        return exact[0].path
    if len(matches) == 1:
        return matches[0].path
    where = ", ".join(str(d) for d in directories)
    if not matches:
        raise InputError(f"no revision {revision!r} in {where}")
    raise InputError(f"revision prefix {revision!r} is ambiguous: "
                     f"{', '.join(sorted(h.revision for h in matches))}")
