"""DuckDB over a corpus run's Parquet tables: views ``documents``, ``spans`` and ``errors``.

Only the files of finished shards (those with a completion marker) are read, so a query over a run that is
still going, or was killed, sees whole shards and never a record twice. JSON columns (``summary``,
``metadata``, ``attrs``) are strings that DuckDB's JSON functions read: ``attrs->>'canonical'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unspun.corpus.plan import PLAN_FILE, CorpusInputError
from unspun.corpus.tables import TABLES, schema
from unspun.corpus.writer import done_files
from unspun.errors import UnspunError


class QueryError(UnspunError):
    reason = "query"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def connect(out: str | Path) -> Any:
    """An in-memory DuckDB connection with the run's tables as views."""
    try:
        import duckdb
    except ModuleNotFoundError as exc:
        raise QueryError("querying a corpus needs DuckDB: pip install 'unspun[corpus]'") from exc
    out = Path(out)
    if not (out / PLAN_FILE).is_file():
        raise CorpusInputError(f"{out}: not the output directory of `unspun corpus` (no {PLAN_FILE})")
    con = duckdb.connect()
    for table in TABLES:
        files = done_files(out, table)
        if files:
            listing = ", ".join(_sql_string(str(p)) for p in files)
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listing}])")
        else:
            import pyarrow as pa

            con.register(f"_{table}_empty", pa.Table.from_pylist([], schema=schema(table)))
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM _{table}_empty")
    return con


def run_query(out: str | Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(column names, rows) of `sql` over the run's tables."""
    import duckdb

    con = connect(out)
    try:
        cursor = con.execute(sql)
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {str(exc).splitlines()[0]}") from exc
    columns = [d[0] for d in cursor.description or []]
    return columns, cursor.fetchall() if columns else []


def table_exists_rows(con: Any, sql: str) -> bool:
    """Whether `sql` (a SELECT) returns at least one row."""
    return bool(con.execute(f"SELECT EXISTS ({sql})").fetchone()[0])
