"""contract: drop the legacy column"""
from alembic import op

# ec:phase contract
revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.drop_column("customers", "legacy")
    op.create_index("x_idx", "customers", ["x"], postgresql_concurrently=True)
