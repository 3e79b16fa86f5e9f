"""Reading customer tables and writing outputs atomically."""

from healthscore.io.atomic import atomic_dir, atomic_file
from healthscore.io.tables import read_table, write_table

__all__ = ["atomic_dir", "atomic_file", "read_table", "write_table"]
