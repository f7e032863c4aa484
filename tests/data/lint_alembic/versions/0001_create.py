"""create orders"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("email", sa.Text),
    )
    op.create_index("orders_email_idx", "orders", ["email"])
