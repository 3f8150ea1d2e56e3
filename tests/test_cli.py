"""The command line: outputs (validated against the schema), bad inputs with precise messages and exit codes,
several inputs, options and config files, pass-through commands."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import types
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest
from testpaths import ALL_PAGES, EXAMPLES, FAST_STAGES
from typer.testing import CliRunner
from warcs import crawl

from unspun import cli
from unspun.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, app
from unspun.document import Document, validate
from unspun.errors import DEBUG_ENV
from unspun.pipeline import Pipeline, Stage, register_stage

FAST = ["--stages", ",".join(FAST_STAGES)]
ERROR_RECORD_SCHEMA = {
    "type": "object",
    "required": ["schema", "id", "reason", "message"],
    "additionalProperties": False,
    "properties": {"schema": {"const": "unspun/1-error"}, "id": {"type": "string"},
                   "reason": {"type": "string", "minLength": 1},
                   "message": {"type": "string", "minLength": 1}},
}


def invoke(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def json_lines(text: str) -> list[dict]:
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    for record in records:
        if record["schema"] == "unspun/1-error":
            jsonschema.validate(record, ERROR_RECORD_SCHEMA)
        else:
            validate(record)
    return records


# -- outputs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda p: p.name)
def test_json_output_follows_the_schema(page: Path) -> None:
    result = invoke("analyze", str(page), "--format", "json", *FAST)
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.stdout)
    validate(data)
    assert Document.from_dict(data).to_dict() == data
    structure = data["layers"]["structure"]
    assert structure and data["summary"]["structure"]["segments"] == len(structure)


@pytest.mark.model
@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda p: p.name)
def test_json_output_of_the_default_pipeline_follows_the_schema(page: Path) -> None:
    result = invoke("analyze", str(page), "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    validate(json.loads(result.stdout))


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_each_format_renders_the_page(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    result = invoke("analyze", str(EXAMPLES / "port-deal.html"), "--format", fmt, "--out", str(out), *FAST)
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == ""
    text = out.read_text("utf-8")
    assert "Port Authority Quietly Let Cargo Giant" in text
    assert "Coastal Ledger" in text and "anon1776" in text


def test_text_report_goes_to_stdout_and_warnings_to_stderr(tmp_path: Path) -> None:
    page = tmp_path / "de.txt"
    page.write_text("Der Stadtrat hat am Montag beschlossen, die Bibliothek zu schließen.\n\n"
                    "Die Eltern sind darüber sehr verärgert und wollen dagegen protestieren.\n", "utf-8")
    result = invoke("analyze", str(page), *FAST)
    assert result.exit_code == EXIT_OK, result.output
    assert "Der Stadtrat" in result.stdout and "warning:" not in result.stdout
    assert "warning: language detected as 'de'" in result.stderr


def test_stdin(tmp_path: Path) -> None:
    result = invoke("analyze", "-", "--format", "json", *FAST,
                    input=(EXAMPLES / "port-deal.txt").read_bytes())
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.stdout)
    assert data["document"]["id"] == "<stdin>" and data["layers"]["structure"][0]["label"] == "title"


# -- bad inputs ------------------------------------------------------------------------------------------

_RNG = random.Random(7)
BAD_INPUTS = {
    "empty.txt": (b"", "the input is empty"),
    "blank.txt": (b"  \n\n\t \n", "the input is only whitespace"),
    "image.txt": (b"\x89PNG\r\n\x1a\n" + bytes(200), "this is a PNG image, not text or HTML"),
    # a few stray control bytes are replaced (tests/hostile); many of them are binary data
    "nul.bin": (b"some text" + bytes(range(32)) * 4 + b" more", "looks like binary data"),
    # high bytes only: not UTF-8, no NUL, no charset declared
    "noise.txt": (bytes(_RNG.randrange(0x80, 0x100) for _ in range(3000)), "not valid UTF-8"),
    "empty.html": (b"<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
                   "no article text or comments found in the HTML"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_gives_one_precise_line_and_exit_1(name: str, tmp_path: Path) -> None:
    data, message = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_bytes(data)
    result = invoke("analyze", str(path), "--format", "json", *FAST)
    assert result.exit_code == EXIT_FAILED
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_missing_path(tmp_path: Path) -> None:
    result = invoke("analyze", str(tmp_path / "nope.html"), *FAST)
    assert result.exit_code == EXIT_FAILED
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.html'}: no such file or directory"


class _EnglishOnlyProbe(Stage[None]):
    """A stage that works on English only (like the model stages): writes one span per document."""

    name: ClassVar[str] = "test_english_only"
    requires = ("structure",)
    assigns = ("test_probe",)
    english_only = True

    def predict(self, doc: Document) -> None:
        return None

    def set_annotations(self, doc: Document, result: None) -> None:
        doc.layer("test_probe").append(doc.layers["structure"][0].__class__(0, 1, "probe"))


register_stage(_EnglishOnlyProbe)


def test_non_english_text_reports_its_language_and_skips_english_only_stages(tmp_path: Path) -> None:
    page = tmp_path / "fr.txt"
    page.write_text("Le conseil municipal a voté lundi la fermeture de deux bibliothèques de quartier.\n\n"
                    "Les parents d'élèves se disent très en colère et prévoient une manifestation samedi.\n",
                    "utf-8")
    stages = "structure,test_english_only,summary"
    result = invoke("analyze", str(page), "--format", "json", "--stages", stages)
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.stdout)
    validate(data)
    assert data["document"]["language"] == "fr"
    assert data["layers"]["test_probe"] == []
    assert any("test_english_only: skipped, it works on English text only" in w for w in data["warnings"])
    assert data["summary"]["skipped"] == {"test_english_only": "language fr"}
    english = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "-f", "json",
                     "--stages", "structure,test_english_only,summary")
    assert len(json.loads(english.stdout)["layers"]["test_probe"]) == 1


def test_forced_language_wins_over_detection(tmp_path: Path) -> None:
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "-f", "json", "--language", "de", *FAST)
    assert json.loads(result.stdout)["document"]["language"] == "de"


# -- several inputs --------------------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in ALL_PAGES:
        (folder / page.name).write_bytes(page.read_bytes())
    (folder / "zz-empty.txt").write_bytes(b"")
    return folder


def test_directory_gives_json_lines_with_error_records_and_exit_3(corpus: Path) -> None:
    result = invoke("analyze", str(corpus), "--format", "json", *FAST)
    assert result.exit_code == EXIT_PARTIAL, result.output
    records = json_lines(result.stdout)
    assert len(records) == len(ALL_PAGES) + 1
    errors = [r for r in records if r["schema"] == "unspun/1-error"]
    assert errors == [{"schema": "unspun/1-error", "id": str(corpus / "zz-empty.txt"), "reason": "empty",
                       "message": f"{corpus / 'zz-empty.txt'}: the input is empty"}]
    assert result.stderr.count("error:") == 1


def test_all_inputs_failing_gives_exit_1(tmp_path: Path) -> None:
    result = invoke("analyze", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-f", "json", *FAST)
    assert result.exit_code == EXIT_FAILED
    assert [r["reason"] for r in json_lines(result.stdout)] == ["unreadable", "unreadable"]


def test_one_jsonl_file_is_a_collection(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    record = {"id": "a", "text": "One short article about the port.\n\nIt has two paragraphs."}
    path.write_text(json.dumps(record) + "\n", "utf-8")
    result = invoke("analyze", str(path), "-f", "json", *FAST)
    assert result.exit_code == EXIT_OK, result.output
    assert len(result.stdout.strip().splitlines()) == 1  # JSON Lines, even for one record
    json_lines(result.stdout)


def test_warc_archive_gives_json_lines_with_an_error_record_per_non_page(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc"
    path.write_bytes(crawl())
    result = invoke("analyze", str(path), "-f", "json", *FAST)
    assert result.exit_code == EXIT_PARTIAL, result.output
    records = json_lines(result.stdout)
    assert [r["schema"] for r in records] == ["unspun/1", "unspun/1-error", "unspun/1-error", "unspun/1"]
    assert records[0]["document"]["url"] == "https://news.example/a"


def test_several_html_reports_need_an_output_directory(corpus: Path, tmp_path: Path) -> None:
    result = invoke("analyze", str(corpus), "--format", "html", *FAST)
    assert result.exit_code == EXIT_USAGE
    assert "need --out DIRECTORY" in result.stderr
    out = tmp_path / "reports"
    result = invoke("analyze", str(corpus), "--format", "html", "--out", str(out), *FAST)
    assert result.exit_code == EXIT_PARTIAL
    assert sorted(p.name for p in out.iterdir()) == sorted(
        cli.safe_filename(str(corpus / p.name), set()) for p in ALL_PAGES)


def test_several_markdown_reports_follow_each_other(corpus: Path) -> None:
    result = invoke("analyze", *map(str, ALL_PAGES), "--format", "md", *FAST)
    assert result.exit_code == EXIT_OK
    assert result.stdout.count("\n---\n") == len(ALL_PAGES) - 1
    assert result.stdout.count("## Structure and voices") == len(ALL_PAGES)


def test_brat_needs_an_output_directory(tmp_path: Path) -> None:
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "--format", "brat", *FAST)
    assert result.exit_code == EXIT_USAGE and "give --out DIRECTORY" in result.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("", "utf-8")
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "-f", "brat", "--out", str(a_file), *FAST)
    assert result.exit_code == EXIT_USAGE and "give --out DIRECTORY" in result.stderr


def test_brat_writes_a_pair_per_document_and_the_configuration(tmp_path: Path) -> None:
    from unspun.render.brat import read_brat

    pages = [EXAMPLES / "port-deal.html", EXAMPLES / "port-deal.txt"]
    out = tmp_path / "brat"
    result = invoke("analyze", *map(str, pages), "--format", "brat", "--out", str(out), *FAST)
    assert result.exit_code == EXIT_OK, result.output
    assert sorted(p.name for p in out.iterdir()) == ["annotation.conf", "port-deal-2.ann", "port-deal-2.txt",
                                                     "port-deal.ann", "port-deal.txt", "visual.conf"]
    assert "wrote 2 document(s) as brat standoff" in result.stderr
    for page, stem in zip(pages, ["port-deal", "port-deal-2"], strict=True):
        data = json.loads(invoke("analyze", str(page), "--format", "json", *FAST).stdout)
        with (out / f"{stem}.txt").open(encoding="utf-8", newline="") as f:
            txt = f.read()
        assert txt == data["document"]["text"]
        back = read_brat(txt, (out / f"{stem}.ann").read_text("utf-8"))
        assert back.to_dict()["layers"] == data["layers"]
    assert "\tstructure_comment\n" in (out / "annotation.conf").read_text("utf-8")


def test_brat_file_names() -> None:
    taken: set[str] = set()
    assert cli.brat_stem("a/b/port-deal.html", taken) == "port-deal"
    assert cli.brat_stem("c/port-deal.txt", taken) == "port-deal-2"
    assert cli.brat_stem("feed.jsonl", taken) == "feed.jsonl"
    assert cli.brat_stem("<stdin>", taken) == "stdin"


def test_safe_filenames_are_unique() -> None:
    taken: set[str] = set()
    assert cli.safe_filename("a/b/page one.html", taken) == "page_one.html.html"
    assert cli.safe_filename("c/page one.html", taken) == "page_one.html-2.html"
    assert cli.safe_filename("../..", taken) == "document.html"


# -- options, stages, config -----------------------------------------------------------------------------


def test_config_file_with_an_unknown_key_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "unspun.toml"
    config.write_text('[unspun]\nstages = ["structure", "summary"]\nhate_treshold = 0.5\n', "utf-8")
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "--config", str(config))
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith(
        f"error: config file {config}: unknown option 'hate_treshold'; known options: ")


def test_config_file_sets_options_and_flags_override_it(tmp_path: Path) -> None:
    config = tmp_path / "unspun.toml"
    config.write_text('stages = ["structure", "summary"]\nlanguage = "fr"\n', "utf-8")
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "-f", "json", "--config", str(config))
    data = json.loads(result.stdout)
    assert data["document"]["language"] == "fr" and set(data["layers"]) == {"structure"}
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "-f", "json", "--config", str(config),
                    "--language", "en")
    assert json.loads(result.stdout)["document"]["language"] == "en"


def test_unreadable_config_file(tmp_path: Path) -> None:
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "--config", str(tmp_path / "none.toml"))
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith(f"error: cannot read config file {tmp_path / 'none.toml'}")


def test_stages_in_a_wrong_order_are_refused_before_reading() -> None:
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "--stages", "summary,structure")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.strip() == ("error: stage 'summary' requires 'structure', which no earlier stage "
                                     "assigns (order: summary)")


def test_unknown_stage() -> None:
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "--stages", "structure,sentiment")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith("error: unknown stage 'sentiment'; known stages: structure, ")


def test_bad_flag_value_is_a_usage_error() -> None:
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "--format", "pdf")
    assert result.exit_code == EXIT_USAGE


def test_stages_command_lists_the_stages() -> None:
    result = invoke("stages")
    assert result.exit_code == EXIT_OK
    assert "structure" in result.stdout and "summary" in result.stdout


# -- robustness ------------------------------------------------------------------------------------------


def test_interrupt_gives_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Pipeline, "pipe", interrupted)
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), *FAST)
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr.strip() == "error: interrupted after 0 document(s)"


def test_internal_error_becomes_an_error_record_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from unspun.stages.summary import SummaryStage

    def broken(self: object, doc: Document) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.delenv(DEBUG_ENV, raising=False)
    monkeypatch.setattr(SummaryStage, "predict", broken)
    result = invoke("analyze", *map(str, cli_pages()), "-f", "json", *FAST)
    assert result.exit_code == EXIT_FAILED
    assert [r["reason"] for r in json_lines(result.stdout)] == ["internal", "internal"]
    assert "ZeroDivisionError: division by zero" in result.stderr and "Traceback" not in result.output


def cli_pages() -> list[Path]:
    return [EXAMPLES / "port-deal.txt", EXAMPLES / "port-deal.html"]


@pytest.mark.parametrize("lazy", [False, True], ids=["at-import", "inside-main"])
def test_training_commands_say_which_extra_is_missing(lazy: bool, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed

    def main(argv: list[str]) -> int:
        import torch  # noqa: F401

        return 0

    fake = types.ModuleType("unspun.training.fake_trainer")
    fake.main = main  # type: ignore[attr-defined]
    if not lazy:
        fake.__getattr__ = lambda name: __import__("torch")  # type: ignore[attr-defined]
        del fake.main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unspun.training.fake_trainer", fake)
    assert cli.run_training_command("fake_trainer", []) == EXIT_FAILED
    expected = ("error: `unspun fake_trainer` needs torch: install the [train] extra: "
                "pip install -e '.[train]'")
    assert capsys.readouterr().err.strip() == expected


@pytest.mark.parametrize(("argv", "code"), [(["--help"], EXIT_OK), (["--epochs", "x"], EXIT_USAGE)])
def test_training_argparse_exits_become_exit_codes(argv: list[str], code: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    def main(args: list[str]) -> int:
        parser = argparse.ArgumentParser(prog="unspun fake")
        parser.add_argument("--epochs", type=int)
        parser.parse_args(args)
        return 0

    fake = types.ModuleType("unspun.training.fake_cli")
    fake.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unspun.training.fake_cli", fake)
    assert cli.run_training_command("fake_cli", argv) == code


def test_unknown_training_module_is_reported(capsys) -> None:
    assert cli.run_training_command("distill", []) == EXIT_FAILED
    assert "`unspun distill` is not part of this version" in capsys.readouterr().err


def test_train_passes_its_arguments_through(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "run_training_command", lambda module, args: seen.append([module, *args]) or 0)
    result = invoke("train", "hate", "--epochs", "1", "--help")
    assert result.exit_code == 0 and seen == [["train", "hate", "--epochs", "1", "--help"]]
    result = invoke("evaluate", "hate", "--split", "test")
    assert seen[-1] == ["evaluate", "hate", "--split", "test"]


def test_python_dash_m_and_a_cheap_import() -> None:
    code = ("import sys, unspun.cli; heavy = {'spacy', 'onnxruntime', 'torch', 'trafilatura', 'numpy'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    out = subprocess.run([sys.executable, "-m", "unspun", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("unspun ")
