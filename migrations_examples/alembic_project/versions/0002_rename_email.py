"""rename orders.email to customer_email, index customer_id

ec operations (registered by ec's Alembic plugin, no import needed). Each call is one ec
migration, named after the revision: 0002 and 0002.2. `alembic upgrade` runs their expand
through ec's executor; then: ec backfill 0002, deploy, ec gate 0002, ec contract 0002.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.ec_rename_column(table="orders", column="email", to="customer_email")
    op.ec_create_index(table="orders", name="orders_customer_id_idx", columns=["customer_id"])


def downgrade() -> None:
    op.ec_rollback("0002.2")
    op.ec_rollback("0002")
