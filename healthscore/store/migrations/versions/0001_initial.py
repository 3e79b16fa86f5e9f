"""The first schema: runs, per-customer results, signal and group values, other account fields.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# keys compare byte-wise on PostgreSQL ("C" collation): the indexes are faster to build and
# to search than under a language collation, and order ids the same way SQLite does
KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
RUN_KEY = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", RUN_KEY, primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("healthscore", sa.String(40), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("weights_digest", sa.String(64), nullable=False),
        sa.Column("weights_json", sa.Text, nullable=False),
        sa.Column("inputs_json", sa.Text, nullable=False),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.Column("columns_json", sa.Text, nullable=False),
        sa.Column("customers", sa.Integer, nullable=False),
    )
    op.create_index("ix_runs_as_of", "runs", ["as_of"])
    op.create_table(
        "results",
        sa.Column("run_id", RUN_KEY, sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("customer_id", KEY, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("segment", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("arr", sa.Double),
        sa.Column("parent", sa.Text),
        sa.Column("profile", sa.Text),
        sa.Column("score", sa.Double),
        sa.Column("tier", sa.Text),
        sa.Column("coverage", sa.Double),
        sa.Column("priority", sa.Double),
        sa.Column("driver_1", sa.Text),
        sa.Column("driver_2", sa.Text),
        sa.Column("driver_3", sa.Text),
        sa.Column("reasons", sa.Text),
    )
    op.create_index("ix_results_customer", "results", ["customer_id", "run_id"])
    op.create_table(
        "signal_values",
        sa.Column("run_id", RUN_KEY, primary_key=True),
        sa.Column("customer_id", KEY, primary_key=True),
        sa.Column("item", KEY, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("raw", sa.Double),
        sa.Column("raw_text", sa.Text),
        sa.Column("score", sa.Double),
        sa.Column("weight", sa.Double),
        sa.Column("points", sa.Double),
        sa.Column("status", sa.Text),
        sqlite_with_rowid=False,  # clustered by the primary key: half the size, faster loads
    )
    op.create_index("ix_signal_values_customer", "signal_values", ["customer_id", "run_id"])
    op.create_table(
        "account_fields",
        sa.Column("run_id", RUN_KEY, primary_key=True),
        sa.Column("customer_id", KEY, primary_key=True),
        sa.Column("field", KEY, primary_key=True),
        sa.Column("num", sa.Double),
        sa.Column("text", sa.Text),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("account_fields")
    op.drop_index("ix_signal_values_customer", "signal_values")
    op.drop_table("signal_values")
    op.drop_index("ix_results_customer", "results")
    op.drop_table("results")
    op.drop_index("ix_runs_as_of", "runs")
    op.drop_table("runs")
