"""The corpus commands of the command line: `unspun corpus`, `query`, `report`, and `bench` (its speed).

Registered on `unspun.cli.app` (this module is imported at the end of `unspun.cli`): thin shells over
`unspun.corpus`, with the same exit codes as `analyze`.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from unspun.cli import (
    EXIT_CODES_HELP,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    InputFormat,
    app,
    build_options,
    print_error,
    stderr_console,
)


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"


@app.command(epilog=EXIT_CODES_HELP)
def corpus(
    inputs: Annotated[list[str], typer.Argument(
        help="JSONL / JSONL.gz (text or html; optional id, url, site), WARC / WARC.gz, .txt / .html files, "
             "directories and globs of them.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory of the tables.",
                                      show_default=False)],
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", help="Worker processes (Ray: actors), each with its own models; the cores are "
                                "shared among them. Default: one per core.", show_default=False)] = None,
    engine: Annotated[Engine, typer.Option(
        "--engine", help="local (a process pool) or ray (a local Ray, or --ray-address).")] = Engine.local,
    ray_address: Annotated[str | None, typer.Option(
        "--ray-address", help="Ray cluster to run on (ray://host:10001, or auto); implies --engine ray.",
        show_default=False)] = None,
    stages: Annotated[str | None, typer.Option(
        "--stages", help="Comma-separated stages to run, in order (see `unspun stages`).",
        show_default=False)] = None,
    resume: Annotated[bool, typer.Option(
        "--resume",
        help="Continue the run in --out where it stopped (a finished run: nothing to do).")] = False,
    shard_size: Annotated[int | None, typer.Option(
        "--shard-size", help="Records per shard (JSONL lines, loose files): the unit of work and of resume.",
        show_default=False)] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="TOML file of options (keys as in unspun.Options).", show_default=False)] = None,
    input_format: Annotated[InputFormat | None, typer.Option(
        "--input-format", help="Force the input format instead of sniffing it.", show_default=False)] = None,
    language: Annotated[str | None, typer.Option(
        "--language", help="Force the documents' language instead of detecting it.",
        show_default=False)] = None,
    threads: Annotated[int | None, typer.Option(
        "--threads", help="Encoder threads per worker (default: cores // workers).",
        show_default=False)] = None,
) -> None:
    """Analyse a crawl into Parquet tables (documents, spans, errors) that `query` and `report` read."""
    from unspun.corpus.plan import DEFAULT_SHARD_SIZE
    from unspun.corpus.run import run_corpus
    from unspun.errors import UnspunError
    from unspun.progress import RecordProgress

    console = stderr_console()
    progress: RecordProgress | None = None

    def on_plan(plan: Any, done: list[Any]) -> None:
        nonlocal progress
        progress = RecordProgress("corpus", plan.total_bytes or None, console=console).start()
        progress.start_at(sum(r.size for r in done), sum(r.records for r in done))
        if done:
            console.print(f"resuming: {len(done)} of {len(plan.shards)} shards already done")

    def on_shard(result: Any) -> None:
        if progress is not None:
            progress.advance(result.size, result.records, documents=result.documents)

    try:
        options = build_options(config=config, flags={
            "stages": stages, "input_format": input_format.value if input_format else None,
            "language": language, "threads": threads,
        })
        n_workers = workers if workers is not None else (os.cpu_count() or 1)
        if n_workers < 1:
            print_error(f"--workers must be at least 1, not {n_workers}")
            raise typer.Exit(EXIT_USAGE)
        summary = run_corpus(
            list(inputs), out, options=options, workers=n_workers,
            engine=Engine.ray.value if ray_address else engine.value, ray_address=ray_address,
            resume=resume, shard_size=shard_size or DEFAULT_SHARD_SIZE, on_plan=on_plan, on_shard=on_shard)
    except UnspunError as exc:
        print_error(str(exc))
        # a bad command line or input set is 2; a run that broke down (a worker died) is 1
        raise typer.Exit(EXIT_FAILED if exc.reason == "executor" else EXIT_USAGE) from None
    except KeyboardInterrupt:
        print_error(f"interrupted; run again with --resume to continue the run in {out}")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if progress is not None:
            progress.stop()
    print_run_summary(console, summary, out)
    if summary.records == 0:
        raise typer.Exit(EXIT_FAILED)
    raise typer.Exit(EXIT_OK if summary.errors == 0 else EXIT_FAILED if summary.documents == 0
                     else EXIT_PARTIAL)


def print_run_summary(console: Console, summary: Any, out: Path) -> None:
    """The end-of-run lines: totals, errors by reason, this session's time and throughput."""
    reasons = ", ".join(f"{reason} {n}" for reason, n in summary.errors_by_reason.items())
    errors = f"{summary.errors} errors" + (f" ({reasons})" if reasons else "")
    console.print(f"corpus: {summary.records} records in {summary.shards_done} of {summary.shards} shards: "
                  f"{summary.documents} documents, {errors}")
    if summary.session_shards:
        console.print(f"this run: {summary.session_records} records in {summary.seconds:.1f} s, "
                      f"{summary.docs_per_second:.1f} docs/s (stages: {escape(','.join(summary.stages))})")
    else:
        console.print("this run: nothing left to do")
    where = escape(str(out))
    console.print(f"tables in {where}: unspun query {where} \"SELECT …\"; unspun report {where}")


@app.command()
def query(
    out: Annotated[Path, typer.Argument(help="Output directory of `unspun corpus`.", show_default=False)],
    sql: Annotated[str, typer.Argument(
        help="SQL over the views documents, spans and errors (DuckDB).", show_default=False)],
    fmt: Annotated[QueryFormat, typer.Option(
        "--format", "-f", help="table, csv or jsonl.")] = QueryFormat.table,
) -> None:
    """Query a corpus run's tables with DuckDB SQL."""
    from unspun.corpus.query import run_query
    from unspun.errors import UnspunError

    try:
        columns, rows = run_query(out, sql)
    except UnspunError as exc:
        print_error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    if fmt is QueryFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt is QueryFormat.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False,
                                        default=str) + "\n")
    else:
        from rich.table import Table

        table = Table(header_style="bold")
        for column in columns:
            table.add_column(escape(column), overflow="fold")
        for row in rows:
            table.add_row(*(escape("" if v is None else str(v)) for v in row))
        Console(highlight=False).print(table)
        stderr_console().print(f"{len(rows)} row(s)")


@app.command()
def report(
    out: Annotated[Path, typer.Argument(help="Output directory of `unspun corpus`.", show_default=False)],
    html_out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Where to write the HTML report (default: DIR/report.html).",
        show_default=False)] = None,
) -> None:
    """An aggregate HTML report of a corpus run (offline: no CDN, plots as inline SVG)."""
    from unspun.corpus.report import build_report
    from unspun.errors import UnspunError

    target = html_out or out / "report.html"
    try:
        page = build_report(out)
        target.write_text(page, encoding="utf-8")
    except UnspunError as exc:
        print_error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        print_error(f"cannot write {target}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_FAILED) from None
    stderr_console().print(f"report written to {escape(str(target))}")


@app.command()
def bench(
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object instead of a table.")] = False,
    data: Annotated[Path | None, typer.Option(
        "--data", help="The shared datasets directory (default: ../shared/data beside the checkout).",
        show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", help="News articles in the corpus.")] = 60,
    naive: Annotated[bool, typer.Option(
        "--naive/--no-naive",
        help="Also measure a transformers pipeline per model head the stages run (needs [train]).")] = True,
) -> None:
    """Corpus-mode throughput with 1 and 2 workers (also of one thread each), the encoder alone, and a naive
    per-head baseline."""
    from unspun.bench import default_data_dir, main_text, run_bench
    from unspun.errors import UnspunError

    console = stderr_console()
    try:
        result = run_bench(data or default_data_dir(), limit=limit, naive=naive,
                           log=lambda message: console.print(f"bench: {escape(message)}…"))
    except UnspunError as exc:
        print_error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(json.dumps(result.to_dict()) if as_json else main_text(result))
