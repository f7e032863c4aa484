"""rename orders.email, widen amount, index customer_id

A plain Alembic revision, as `alembic revision` writes it.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("orders", "email", new_column_name="customer_email")
    op.alter_column("orders", "amount", type_=sa.BigInteger)
    op.create_index("orders_customer_id_idx", "orders", ["customer_id"])
    op.ec_add_column(table="orders", column={"name": "note", "type": "text"})


def downgrade() -> None:
    op.drop_index("orders_customer_id_idx")
