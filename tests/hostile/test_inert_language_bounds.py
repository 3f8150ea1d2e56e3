"""Hostile input, part 3 (issue 10): renderings stay inert, the language cannot be used to evade the
English-only layers, and reading, fetching and analysing are bounded."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from typing import Any

import pytest
from testpaths import EXAMPLES, FAST_STAGES

from unspun.document import Document, Span
from unspun.errors import FetchError, InputTooLargeError
from unspun.language import identify, runs_english_layers
from unspun.options import Options
from unspun.pipeline import Pipeline
from unspun.render import render
from unspun.render.inert import inert, is_inert
from unspun.render.terminal import render_text

# What a page can carry to act on a terminal or a browser: OSC retitle, clear screen, fake red text, a
# one-byte CSI, a carriage return over a line, and a right-to-left override.
ATTACKS = ["\x1b]0;pwned\x07", "\x1b[2J\x1b[H", "\x1b[31mFAKE ALERT\x1b[0m", "\x9b31m", "safe\rEVIL",
           "\u202egnp.exe", "\u2066isolate\u2069"]


def hostile_analysis() -> dict[str, Any]:
    """An analysis whose text and metadata carry every attack (as a document read without cleaning would)."""
    text = "Title " + " ".join(ATTACKS) + "\n\nA paragraph with " + ATTACKS[0] + " inside it."
    doc = Document(text=text, id="id" + ATTACKS[1], title="Title" + ATTACKS[0], site=ATTACKS[5],
                   language="en")
    doc.add("structure", Span(0, text.index("\n\n"), "title"))
    doc.add("structure", Span(text.index("A paragraph"), len(text), "comment",
                              attrs={"index": 0, "depth": 0, "parent": None, "author": ATTACKS[2],
                                     "time": ATTACKS[4]}))
    doc.add("hate", Span(text.index("A paragraph"), len(text), "hate", 0.9,
                         {"targets": [ATTACKS[5]], "rationale": [], "scores": {"hate": 0.9}}))
    doc.warn("warning " + ATTACKS[3])
    return doc.to_dict()


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_renderings_are_inert(fmt: str) -> None:
    data = hostile_analysis()
    out = render(data, fmt)
    shown = out.split('<script type="application/json"')[0] if fmt == "html" else out
    assert is_inert(shown), [c for c in shown if not is_inert(c)]
    assert "pwned" in shown and "FAKE ALERT" in shown  # shown, not hidden: the stand-ins are visible


def test_json_keeps_the_text_as_read_and_the_html_report_embeds_it_unchanged() -> None:
    data = hostile_analysis()
    assert json.loads(render(data, "json"))["document"]["text"] == data["document"]["text"]
    html = render(data, "html")
    embedded = html.split('id="unspun-data">')[1].split("</script>")[0]
    assert json.loads(embedded)["document"]["text"] == data["document"]["text"]


def test_colour_terminal_output_has_only_its_own_escape_sequences() -> None:
    out = render_text(hostile_analysis(), color=True)
    assert "\x1b]0;" not in out and "\x1b[2J" not in out and "\x07" not in out and "\u202e" not in out


def test_inert_is_one_for_one() -> None:
    for attack in ATTACKS:
        assert len(inert(attack)) == len(attack) and is_inert(inert(attack))
    assert inert("tab\tand\nnewline") == "tab\tand\nnewline"


# -- language ----------------------------------------------------------------------------------------------


def test_a_padding_token_does_not_change_the_language() -> None:
    page = (EXAMPLES / "port-deal.html").read_text("utf-8").replace("</body>", f"<p>{'x' * 3000}</p></body>")
    doc = Pipeline(FAST_STAGES).analyze(page)
    assert doc.language == "en" and runs_english_layers(doc)


def test_short_english_misidentified_still_runs_the_english_layers() -> None:
    doc = Pipeline(FAST_STAGES).analyze("Gay people are disgusting perverts.")
    assert runs_english_layers(doc)
    detection = doc.metadata.get("language_detection")
    if doc.language != "en":  # langid calls it Italian: the output says so, and why English still ran
        assert detection["english_plausible"] is True and detection["reason"]
        assert any("English is plausible" in w for w in doc.warnings)


def test_english_comments_under_a_foreign_article_are_analysed() -> None:
    german = ("Die Sanierung der Nordbrücke kostet inzwischen 48 Millionen Euro, doppelt so viel wie "
              "ursprünglich geplant, teilte die Stadtverwaltung am Dienstag mit. ") * 4
    english = "These people are vermin and should be wiped out of this country for good."
    doc = Pipeline(FAST_STAGES).analyze(f"{german}\n\n{english}")
    assert doc.language == "de" and runs_english_layers(doc)
    segments = doc.metadata["language_detection"]["segments"]
    assert [s["language"] for s in segments] == ["de"] and segments[0]["start"] == 0


def test_a_page_with_no_english_skips_and_says_why() -> None:
    german = ("Die Sanierung der Nordbrücke kostet inzwischen 48 Millionen Euro, doppelt so viel wie "
              "ursprünglich geplant, teilte die Stadtverwaltung am Dienstag mit. ") * 4
    doc = Pipeline(FAST_STAGES).analyze(german)
    assert not runs_english_layers(doc)
    assert doc.metadata["language_detection"]["english_plausible"] is False


@pytest.mark.parametrize("text", [
    "see https://example.com/" + "a" * 500 + " now",
    "code: {x=1;y=2;} " * 40 + "The port will reopen on Tuesday, officials said.",
])
def test_identification_reads_prose_only(text: str) -> None:
    assert identify(text).language == "en"


@pytest.mark.model
def test_language_evasion_does_not_hide_hate(default_pipeline: Pipeline) -> None:
    page = (EXAMPLES / "port-deal.html").read_text("utf-8").replace("</body>", f"<p>{'x' * 3000}</p></body>")
    doc = default_pipeline.analyze(page)
    vermin = doc.text.index("they're vermin")
    assert any(s.label != "normal" and s.start <= vermin < s.end for s in doc.layers["hate"])
    short = default_pipeline.analyze("Gay people are disgusting perverts.")
    assert "skipped" not in short.summary and short.layers["hate"][0].label != "normal"


# -- bounded work --------------------------------------------------------------------------------------------


class Endless(io.RawIOBase):
    """A stream that never ends (`yes x`, /dev/zero): counts what was asked of it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = len(buffer)
        buffer[:n] = b"x" * n
        self.given += n
        return n


def test_an_endless_stream_is_read_up_to_the_limit_only() -> None:
    from unspun.readers.files import read_limited

    stream = Endless()
    with pytest.raises(InputTooLargeError, match="reading stopped there"):
        read_limited(io.BufferedReader(stream), name="<stdin>", options=Options(max_input_bytes=1000))
    assert stream.given <= 1000 + io.DEFAULT_BUFFER_SIZE


def test_dev_zero_is_refused_after_the_limit() -> None:
    from unspun.readers.files import read_path

    with pytest.raises(InputTooLargeError, match="/dev/zero: input is over the limit"):
        read_path("/dev/zero", options=Options(max_input_bytes=10_000))


def _slow_server(delay: float) -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def drip() -> None:
        conn, _ = server.accept()
        conn.recv(4096)
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            for _ in range(100):
                conn.sendall(b"x")
                time.sleep(delay)
        except OSError:
            pass
        finally:
            conn.close()

    threading.Thread(target=drip, daemon=True).start()
    return server


def test_a_slow_drip_server_is_cut_at_the_fetch_deadline() -> None:
    from unspun.readers.url import fetch_url

    server = _slow_server(0.1)
    start = time.monotonic()
    with pytest.raises(FetchError, match="took longer than 1 s"):
        fetch_url(f"http://127.0.0.1:{server.getsockname()[1]}/",
                  options=Options(allow_private_urls=True, fetch_timeout_s=1))
    assert time.monotonic() - start < 2.5
    server.close()


def test_huge_documents_run_in_parts_with_the_same_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document over the part size gives the spans it gives whole (sentences, structure)."""
    import unspun.parts

    pytest.importorskip("spacy")
    page = (EXAMPLES / "port-deal.txt").read_text("utf-8")
    stages = ["structure", "sentences", "summary"]
    whole = Pipeline(stages).analyze(page)
    monkeypatch.setattr(unspun.parts, "PART_CHARS", 300)
    pipeline = Pipeline(stages)
    told: list[tuple[int, int]] = []
    pipeline.progress = lambda done, total: told.append((done, total))
    parted = pipeline.analyze(page)
    assert told[-1][0] == told[-1][1] == len(told) > 3  # one call per part, the last one says done
    for layer in ("structure", "sentences"):
        assert [(s.start, s.end, s.label, s.attrs) for s in whole.layers[layer]] == \
               [(s.start, s.end, s.label, s.attrs) for s in parted.layers[layer]]
    assert len(unspun.parts.cut_parts(parted, 300)) > 3


def test_a_long_paragraph_is_cut_into_parts_at_spaces() -> None:
    from unspun.parts import cut_parts

    doc = Document(text="word " * 1000)
    parts = cut_parts(doc, 700)
    assert all(p.end - p.start <= 700 for p in parts) and len(parts) >= 8
    assert parts[0].start == 0 and parts[-1].end == len(doc.text)
    assert all(a.end == b.start and doc.text[a.end] == " " for a, b in zip(parts, parts[1:], strict=False))
