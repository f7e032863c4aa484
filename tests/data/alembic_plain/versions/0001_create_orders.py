"""create orders

An ordinary Alembic revision: a new, empty table needs no expand/contract.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("amount", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("orders")
