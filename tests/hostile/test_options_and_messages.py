"""Hostile input, part 1 (issue 10): every bad option is refused in one line (exit 2), naming the flag or the
config key; every failure of the public API is an `UnspunError` with a one-line message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from testpaths import EXAMPLES, FAST_STAGES, ROOT
from typer.testing import CliRunner

import unspun
from unspun.cli import EXIT_USAGE, app
from unspun.errors import OptionsError, UnspunError
from unspun.options import Options

FAST = ",".join(FAST_STAGES)


def invoke(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


# The config values measured in the issue: each one was a traceback, an internal error, or silently wrong.
@pytest.mark.parametrize("line, words", [
    ('allow_private_urls = "false"', "allow_private_urls must be true or false"),
    ('max_input_bytes = "10"', "max_input_bytes must be a whole number"),
    ("stages = 5", "stages must be stage names"),
    ('stages = ""', "stages names no stage"),
    ("[unspun.thresholds]\nhate = \"high\"", "thresholds must map task names to numbers"),
    ('input_format = "pdf"', "input_format must be one of text, html"),
    ("language = 3", "language must be a language tag"),
    ("fetch_timeout_s = -1", "fetch_timeout_s must be a number of seconds above 0"),
    ("threads = true", "threads must be a whole number"),
    ("max_input_bytes = 1.5", "max_input_bytes must be a whole number"),
])
def test_bad_config_values_are_one_line_and_exit_2(tmp_path: Path, line: str, words: str) -> None:
    config = tmp_path / "unspun.toml"
    config.write_text(line + "\n", "utf-8")
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "--config", str(config))
    assert result.exit_code == EXIT_USAGE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: config file {config}: ")
    assert words in lines[0]
    with pytest.raises(OptionsError, match=words):
        Options.from_file(config)


def test_the_string_false_never_allows_private_urls() -> None:
    with pytest.raises(OptionsError, match="a boolean, without quotes"):
        Options.from_mapping({"allow_private_urls": "false"})
    with pytest.raises(OptionsError):
        Options(allow_private_urls="false")  # type: ignore[arg-type]
    assert Options.from_mapping({"allow_private_urls": True}).allow_private_urls is True


# an empty --stages is refused, not taken for the default pipeline; every flag error names the flag
@pytest.mark.parametrize("flag, value, message", [
    ("--stages", "", "error: --stages names no stage"),
    ("--language", "english please", "error: --language must be a language tag such as en, EN or en-US"),
])
def test_bad_flags_are_one_line_naming_the_flag(flag: str, value: str, message: str) -> None:
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), flag, value)
    assert (result.exit_code, result.stderr.count("\n")) == (EXIT_USAGE, 1)
    assert result.stderr.startswith(message)


@pytest.mark.parametrize("tag", ["EN", "en-US", "en_GB", "En"])
def test_bcp47_tags_mean_english(tag: str) -> None:
    assert Options(language=tag).language == "en"
    result = invoke("analyze", str(EXAMPLES / "port-deal.txt"), "--language", tag, "--stages", FAST,
                    "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["document"]["language"] == "en" and "skipped" not in data["summary"]


@pytest.mark.parametrize("kwargs, words", [
    ({"stages": 5}, "stages must be stage names"),
    ({"language": 3}, "language must be a language tag"),
    ({"max_input_bytes": "10"}, "max_input_bytes must be a whole number"),
    ({"thresholds": {"hate": "high"}}, "thresholds must map"),
    ({"nonsense": 1}, "unknown option 'nonsense'"),
])
def test_bad_keyword_arguments_are_options_errors(kwargs: dict, words: str) -> None:
    with pytest.raises(OptionsError, match=words):
        unspun.analyze("A page.", **kwargs)


@pytest.mark.parametrize("value", [42, None, 3.5, ["a page"], {"text": "a page"}])
def test_analyze_of_a_non_text_is_an_unspun_error(value: object) -> None:
    with pytest.raises(UnspunError, match="is not an input"):
        unspun.analyze(value, stages=list(FAST_STAGES))  # type: ignore[arg-type]


def test_lone_surrogates_are_replaced_with_a_warning() -> None:
    doc = unspun.analyze("Officials said \ud800 the port will reopen on Tuesday.", stages=list(FAST_STAGES))
    assert "\ud800" not in doc.text and "\ufffd" in doc.text
    assert any("lone surrogate" in w for w in doc.warnings)
    doc.to_json().encode("utf-8")  # the output encodes: no UnicodeEncodeError downstream


def test_private_address_refusal_names_the_flag() -> None:
    from unspun.errors import RefusedURLError
    from unspun.readers.url import check_url

    with pytest.raises(RefusedURLError, match="--allow-private-urls"):
        check_url("http://127.0.0.1/", Options())


def test_jsonl_error_records_carry_the_id_of_their_message(tmp_path: Path) -> None:
    from unspun.errors import ErrorRecord
    from unspun.readers.jsonl import iter_jsonl

    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "story-7", "text": ""}\n{"text": "tab\\u0009 ok", "x": "\x01"}\n', "utf-8")
    records = list(iter_jsonl(path))
    assert isinstance(records[0], ErrorRecord)
    assert records[0].message.startswith(records[0].id + ": ")
    assert isinstance(records[1], ErrorRecord) and "at at" not in records[1].message
    assert "Invalid control character at column" in records[1].message


def test_a_truncated_warc_record_says_truncated(tmp_path: Path) -> None:
    from warcs import ARTICLE, response

    from unspun.errors import ErrorRecord
    from unspun.readers.warc import iter_warc

    body = ARTICLE.encode() if isinstance(ARTICLE, str) else ARTICLE
    record = response("https://news.example/a", body, "text/html", 1)
    path = tmp_path / "cut.warc"
    path.write_bytes(record[: record.index(b"\r\n\r\n", record.index(b"HTTP/1.1")) + 4])
    (result,) = list(iter_warc(path))
    assert isinstance(result, ErrorRecord) and "truncated" in result.message and "empty" not in result.message


def test_closed_stdin_is_one_clear_line() -> None:
    # `unspun analyze - <&-`: the child starts with descriptor 0 closed
    result = subprocess.run(
        [sys.executable, "-m", "unspun", "analyze", "-", "--stages", FAST],
        capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src")}, cwd=ROOT,
        preexec_fn=lambda: os.close(0),
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: <stdin>: standard input is closed; nothing to read"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("build", [
    lambda: unspun.Pipeline(5),  # type: ignore[arg-type]
    lambda: unspun.Pipeline([]),
    lambda: unspun.Pipeline(options={"stages": "structure"}),  # type: ignore[arg-type]
    lambda: list(unspun.Pipeline(FAST_STAGES).pipe(["a"], batch_size=0)),
])
def test_the_pipeline_api_fails_with_unspun_errors(build: object) -> None:
    with pytest.raises(UnspunError):
        build()  # type: ignore[operator]
