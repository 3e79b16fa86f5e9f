"""docs/history.md is executable: its schema tables are the store's tables, and every SQL and
Python example runs against a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from healthscore.monthly import store_month
from healthscore.pipeline import month_ends_before
from healthscore.sample.raw import generate_raw
from healthscore.store import open_store, schema
from healthscore.weights.load import load_weights
from tests.conftest import ROOT
from tests.test_docs import parse_blocks, parse_table

AS_OF = date(2026, 10, 31)
DOC = ROOT / "docs" / "history.md"
BLOCKS = parse_blocks(DOC)


def test_schema_tables_are_documented():
    documented = {b.notes["schema"]: [r[0].strip("`") for r in parse_table(b)[1]]
                  for b in BLOCKS if "schema" in b.notes}
    assert documented == {t.name: [c.name for c in t.columns]
                          for t in schema.metadata.sorted_tables}


def test_sql_and_python_examples_run(target, tmp_path, monkeypatch):
    generate_raw(tmp_path / "raw", n_customers=60, seed=5)
    wf = load_weights(ROOT / "weights" / "from-exports.yaml")
    with open_store(target) as store:
        for day in [*month_ends_before(AS_OF, 2), AS_OF]:
            store_month(wf, store, day, data_dir=tmp_path)
        sqls = [b for b in BLOCKS if b.kind == "fence" and b.lang == "sql"]
        assert len(sqls) == 5
        with store.reading() as conn:
            for block in sqls:
                rows = conn.execute(sa.text(block.text)).fetchall()
                assert rows, block.where(ROOT)
    python = [b for b in BLOCKS if b.kind == "fence" and b.lang == "python"]
    assert len(python) == 1
    code = python[0].text
    if not target.startswith("postgresql"):  # the example opens healthscore.db
        monkeypatch.chdir(tmp_path / "store")
    else:  # the same code on the PostgreSQL store, reached through HEALTHSCORE_STORE
        monkeypatch.setenv("HEALTHSCORE_STORE", target)
        code = code.replace('open_store("healthscore.db", ', "open_store(None, ")
    namespace: dict = {}
    exec(compile(code, python[0].where(ROOT), "exec"), namespace)
    assert len(namespace["runs"]) == 3 and len(namespace["history"]) == 180
    assert namespace["parts"].loc["C00042", "change"] == (
        namespace["last"].frame.set_index("customer_id").at["C00042", "score"]
        - namespace["before"].frame.set_index("customer_id").at["C00042", "score"])
