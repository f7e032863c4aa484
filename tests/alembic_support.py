"""Helpers for the Alembic tests: copy a project, run alembic in process against ec_db."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from alembic import command
from alembic.config import Config

from expandcontract.alembic.env import sqlalchemy_url

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "migrations_examples" / "alembic_project"
# A plain Alembic revision (alembic's own ops, as `alembic revision` writes them) in place of
# the example project's 0002, which uses ec's ops.
PLAIN_REVISION = Path(__file__).resolve().parent / "data" / "alembic_plain_0002_rename_email.py"


def copy_project(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def plain_project(dest: Path) -> Path:
    """The example project with its 0002 revision swapped for PLAIN_REVISION."""
    project = copy_project(EXAMPLE, dest)
    shutil.copyfile(PLAIN_REVISION, project / "versions" / "0002_rename_email.py")
    return project


def config(project: Path, dsn: str | None = None, buffer: io.StringIO | None = None) -> Config:
    cfg = Config(str(project / "alembic.ini"), output_buffer=buffer)
    cfg.set_main_option("script_location", str(project))
    if dsn is not None:
        cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(dsn))
    cfg.attributes["configure_logger"] = False  # leave pytest's logging alone
    return cfg


def upgrade(project: Path, dsn: str, target: str = "head") -> None:
    command.upgrade(config(project, dsn), target)


def offline_sql(project: Path, target: str) -> str:
    buf = io.StringIO()
    command.upgrade(config(project, buffer=buf), target, sql=True)
    return buf.getvalue()
