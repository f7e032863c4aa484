"""expand: add a column and index it"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
ec_phase = "expand"


def add_index(name: str) -> None:
    op.create_index(name, "customers", ["email"])


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    op.add_column("customers", sa.Column("note", sa.Text, nullable=False))
    add_index("customers_email_idx")
    # ec:ignore require-concurrent-index small lookup table, reviewed
    op.create_index("customers_note_idx", "customers", ["note"])
    with op.get_context().autocommit_block():
        op.create_index(
            "customers_created_idx", "customers", ["created_at"],
            postgresql_concurrently=True,
        )
    op.drop_column("customers", "legacy")  # ec:ignore no-such-rule typo
