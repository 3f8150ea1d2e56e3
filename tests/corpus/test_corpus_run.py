"""Corpus runs end to end on the local engine: every record in exactly one table, resume after SIGKILL,
re-running a finished run, the commands `corpus`, `query` and `report`."""

from __future__ import annotations

import html
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from corpus_inputs import HOSTILE_SITE, build_crawl, landed, record_ids
from testpaths import FAST_STAGES, ROOT

from unspun.bench import working_seconds
from unspun.cli import main
from unspun.corpus.plan import CorpusInputError, Plan
from unspun.corpus.run import run_corpus
from unspun.corpus.writer import DONE_DIR, done_results
from unspun.options import Options

OPTIONS = Options(stages=FAST_STAGES)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return build_crawl(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def finished(crawl: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    run_corpus([str(crawl[0])], out, options=OPTIONS, shard_size=3)
    return out


def test_every_record_lands_in_exactly_one_table_with_its_reason(crawl, finished) -> None:
    assert landed(finished) == crawl[1]


def test_the_summary_counts_every_record(crawl, tmp_path: Path) -> None:
    summary = run_corpus([str(crawl[0])], tmp_path / "out", options=OPTIONS, shard_size=4)
    expected = crawl[1]
    assert summary.records == len(expected) == summary.session_records
    assert summary.documents == sum(1 for v in expected.values() if v == "document")
    assert summary.errors_by_reason == {"malformed": 5, "empty": 1, "binary": 1}
    assert summary.shards_done == summary.shards
    markers = done_results(tmp_path / "out").values()
    assert sum(m.records for m in markers) == len(expected)
    assert all(50 < m.peak_rss_mb < 5000 and m.seconds > 0 for m in markers)  # memory in MB, per worker
    # each shard's tables are written after its work began, and the run's working time (what the bench
    # times) lies within the whole run's
    assert all(0 < m.started_at < m.finished_at <= time.time() for m in markers)
    assert 0 < working_seconds(tmp_path / "out") <= summary.seconds


def test_rerunning_a_finished_run_is_a_no_op(crawl, finished) -> None:
    before = {p: p.stat().st_mtime_ns for p in finished.rglob("*.parquet")}
    summary = run_corpus([str(crawl[0])], finished, options=OPTIONS, resume=True)
    assert summary.session_shards == 0 and summary.records == len(crawl[1])
    assert {p: p.stat().st_mtime_ns for p in finished.rglob("*.parquet")} == before


def test_a_second_run_into_the_same_directory_needs_resume(crawl, finished) -> None:
    with pytest.raises(CorpusInputError, match="--resume"):
        run_corpus([str(crawl[0])], finished, options=OPTIONS)
    with pytest.raises(CorpusInputError, match="other inputs"):
        run_corpus([str(crawl[0] / "pages")], finished, options=OPTIONS, resume=True)
    with pytest.raises(CorpusInputError, match="same stages"):
        run_corpus([str(crawl[0])], finished, options=Options(stages=("structure",)), resume=True)


def test_resume_refuses_inputs_changed_since_the_run_began(tmp_path: Path) -> None:
    crawl, _ = build_crawl(tmp_path)
    out = tmp_path / "out"
    run_corpus([str(crawl)], out, options=OPTIONS)
    (crawl / "feed.jsonl").write_text('{"text": "A new line."}\n', encoding="utf-8")
    with pytest.raises(CorpusInputError, match="changed since the run began"):
        run_corpus([str(crawl)], out, options=OPTIONS, resume=True)


def test_missing_inputs_fail_before_the_run_starts(tmp_path: Path) -> None:
    with pytest.raises(CorpusInputError, match="no such file"):
        run_corpus([str(tmp_path / "nothing-here")], tmp_path / "out", options=OPTIONS)
    assert not (tmp_path / "out").exists()


# A run that kills itself and its workers (SIGKILL, to the whole process group: a machine going down) after
# its third shard is written, while the two pool workers are in the middle of others.
KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    from unspun.corpus.run import run_corpus
    from unspun.options import Options

    done = []
    def on_shard(result):
        done.append(result)
        if len(done) == 3:
            os.killpg(os.getpgid(0), signal.SIGKILL)

    run_corpus(sys.argv[2:], sys.argv[1], options=Options(stages=("structure", "summary")), workers=2,
               shard_size=2, on_shard=on_shard)
""")


def kill_mid_run(crawl: Path, out: Path) -> None:
    """Run the corpus over `crawl` into `out` and SIGKILL it (and its workers) three shards in."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, str(out), str(crawl)], env=env,
                          start_new_session=True, capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]


def test_sigkill_mid_run_then_resume_gives_exactly_the_records_of_an_uninterrupted_run(
        crawl, finished, tmp_path: Path) -> None:
    out = tmp_path / "out"
    kill_mid_run(crawl[0], out)
    markers = len(list((out / DONE_DIR).glob("*.json")))
    assert 3 <= markers < len(Plan.load(out).shards), "the kill came too late"
    assert main(["corpus", str(crawl[0]), "--out", str(out), "--resume", "--workers", "2",
                 "--stages", ",".join(FAST_STAGES)]) == 3
    assert record_ids(out) == record_ids(finished)
    assert landed(out) == crawl[1]


def test_the_commands_corpus_query_and_report(crawl, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["corpus", str(crawl[0]), "-o", str(out), "--workers", "1", "--stages", "structure,summary"])
    err = capsys.readouterr().err
    assert code == 3  # some records failed
    assert f"{len(crawl[1])} records" in err and "malformed 5" in err and "docs/s" in err

    assert main(["query", str(out), "SELECT reason, count(*) AS n FROM errors GROUP BY 1 ORDER BY 1",
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["reason,n", "binary,1", "empty,1", "malformed,5"]
    assert main(["query", str(out), "SELECT nonsense FROM nowhere"]) == 2
    assert "query failed" in capsys.readouterr().err

    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text("utf-8")
    assert "Errors by reason" in page and "<svg" in page and "http" not in page.split("<body>")[0]
    # a hostile site name from the crawl is shown escaped, never as markup
    assert HOSTILE_SITE not in page and html.escape(HOSTILE_SITE) in page
    assert main(["report", str(tmp_path / "nowhere")]) == 2


def test_progress_is_quiet_off_a_terminal(crawl, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["corpus", str(crawl[0] / "pages"), "-o", str(tmp_path / "out"), "--stages", "structure,summary",
          "--workers", "1"])
    err = capsys.readouterr().err
    assert "ETA" not in err and "corpus: 4 records" in err
