"""The run store: every scoring run kept in SQLite (default) or PostgreSQL, read back exactly.

    store = open_store("healthscore.db")          # or "postgresql://…", or $HEALTHSCORE_STORE
    recorded = record_run(store, run.frame, record, inputs={"accounts": "raw/accounts.csv"})
    stored = load_run(store, recorded.run_id)     # .frame, .run_json, .weights, .as_of
    history = history_frame(store)                # customer_id, as_of, score, tier

docs/history.md describes the schema and how to query it with SQL.
"""

from healthscore.store.connect import Store, open_store
from healthscore.store.read import (
                                    StoredRun,
                                    customer_history,
                                    history_frame,
                                    latest_runs,
                                    list_runs,
                                    load_run,
    run_labels,
)
from healthscore.store.write import Recorded, record_run

__all__ = ["Recorded", "Store", "StoredRun", "customer_history", "history_frame",
           "latest_runs", "list_runs", "load_run", "open_store", "record_run",
           "run_labels"]
