"""The store's tables, as SQLAlchemy Core metadata: the one description both the migrations and
the queries use.

A run is one row of `runs`; per customer one row of `results` (the score, tier, drivers and the
account snapshot the run used), one row of `signal_values` per signal and group (long and
narrow, so a weight file with new signals needs no schema change), and `account_fields` for any
other carried column. Per-customer reads go through the `customer_id` indexes. The two long
tables carry no foreign key to `runs` (a per-row check would dominate a million-customer
COPY); `write.record_run` deletes and inserts a run's rows together in one transaction.
"""

from __future__ import annotations

import sqlalchemy as sa

# keys compare byte-wise on PostgreSQL ("C" collation): the indexes are faster to build and
# to search than under a language collation, and order ids the same way SQLite does
KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
RUN_KEY = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")

metadata = sa.MetaData()

runs = sa.Table(
    "runs", metadata,
    sa.Column("run_id", RUN_KEY, primary_key=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),   # as in run.json, ISO 8601
    sa.Column("healthscore", sa.String(40), nullable=False),   # version that scored the run
    sa.Column("label", sa.Text, nullable=False),               # the weight file's name
    sa.Column("weights_digest", sa.String(64), nullable=False),
    sa.Column("weights_json", sa.Text, nullable=False),        # resolved weight file
    sa.Column("inputs_json", sa.Text, nullable=False),         # role → fingerprint
    sa.Column("record_json", sa.Text, nullable=False),         # run.json as written
    sa.Column("columns_json", sa.Text, nullable=False),        # frame columns, order + dtypes
    sa.Column("customers", sa.Integer, nullable=False),
    sa.Index("ix_runs_as_of", "as_of"),
)

results = sa.Table(
    "results", metadata,
    sa.Column("run_id", RUN_KEY, sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("customer_id", KEY, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),        # row order of the scored frame
    sa.Column("name", sa.Text),
    sa.Column("segment", sa.Text),
    sa.Column("owner", sa.Text),
    sa.Column("arr", sa.Double),
    sa.Column("parent", sa.Text),                             # the rollup parent column
    sa.Column("profile", sa.Text),
    sa.Column("score", sa.Double),
    sa.Column("tier", sa.Text),
    sa.Column("coverage", sa.Double),
    sa.Column("priority", sa.Double),
    sa.Column("driver_1", sa.Text),
    sa.Column("driver_2", sa.Text),
    sa.Column("driver_3", sa.Text),
    sa.Column("reasons", sa.Text),
    sa.Index("ix_results_customer", "customer_id", "run_id"),
)

signal_values = sa.Table(
    "signal_values", metadata,
    sa.Column("run_id", RUN_KEY, primary_key=True),
    sa.Column("customer_id", KEY, primary_key=True),
    sa.Column("item", KEY, primary_key=True),             # signal or group name
    sa.Column("kind", sa.String(8), nullable=False),          # "signal" or "group"
    sa.Column("raw", sa.Double),
    sa.Column("raw_text", sa.Text),                           # raw value of a `map:` signal
    sa.Column("score", sa.Double),
    sa.Column("weight", sa.Double),
    sa.Column("points", sa.Double),
    sa.Column("status", sa.Text),
    sa.Index("ix_signal_values_customer", "customer_id", "run_id"),
    sqlite_with_rowid=False,
)

account_fields = sa.Table(
    "account_fields", metadata,
    sa.Column("run_id", RUN_KEY, primary_key=True),
    sa.Column("customer_id", KEY, primary_key=True),
    sa.Column("field", KEY, primary_key=True),
    sa.Column("num", sa.Double),
    sa.Column("text", sa.Text),
    sqlite_with_rowid=False,
)

# children first: the order rows of one run are deleted in
RUN_TABLES = (account_fields, signal_values, results)
