"""Load benchmark of `unspun serve`, on loopback only: concurrent clients for a bounded time.

    .venv/bin/python benchmarks/bench_server.py [--clients 32] [--seconds 30] [--warmup 5] [--workers 1]
                                                 [--threads N] [--config unspun.toml]
                                                 [--phases perspective,analyze] [--data ../shared/data]

Starts `unspun serve` on 127.0.0.1 (a free port) in a subprocess, then per phase runs `--clients` clients
(asyncio, keep-alive connections, a minimal HTTP/1.1 client so the load generator stays light on a 2-core
machine) that send requests back to back: `--warmup` seconds unrecorded, then `--seconds` recorded.

- `perspective`: `POST /v1alpha1/comments:analyze` (TOXICITY, SEVERE_TOXICITY, IDENTITY_ATTACK) with short
  comments of 10-60 words, cut from the PTC articles;
- `analyze`: `POST /v1/analyze` with whole PTC news articles (`<data>/ptc-semeval2020/train-articles`).

Per phase, over the requests completed in the recorded window: requests/s, p50/p90/p99 latency, errors (any
status but 200, or a broken connection), the server's resident memory (all its processes) after the warm-up
and at the end, the CPU time its processes used per request (what a machine shared with other work still
measures fairly), the micro-batcher's mean batch and its pipeline calls per batch, and the lowest and the
highest of the clients' mean latencies (how evenly the server shares itself). Prints a table and
writes benchmarks/results/server.json.
Every request goes to 127.0.0.1; the run stops by itself after warmup + seconds per phase (and
`--max-requests` in all).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "server.json"
ARTICLES = Path("ptc-semeval2020") / "train-articles"
HOST = "127.0.0.1"  # loopback only, by construction
ATTRIBUTES = {"TOXICITY": {}, "SEVERE_TOXICITY": {}, "IDENTITY_ATTACK": {}}


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    #: each client's mean latency: how evenly the server shares itself among its connections
    client_means_ms: list[float] = field(default_factory=list)
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    #: CPU seconds the server's processes used in the recorded window (user + system)
    cpu_s: float = 0.0
    #: documents per micro-batch and pipeline calls per micro-batch (the HTTP process's batcher, which
    #: serves every worker)
    mean_batch: float | None = None
    sub_batches: float | None = None

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")

        data = asdict(self)
        del data["latencies_ms"], data["client_means_ms"]
        means = self.client_means_ms or [float("nan")]
        data["client_mean_ms_min"], data["client_mean_ms_max"] = min(means), max(means)
        data.update(requests_per_s=self.requests / self.seconds if self.seconds else 0.0,
                    p50_ms=pct(50), p90_ms=pct(90), p99_ms=pct(99),
                    rss_growth=(self.rss_end_mb / self.rss_start_mb - 1) if self.rss_start_mb else None,
                    cpu_ms_per_request=1000 * self.cpu_s / self.requests if self.requests else None)
        return data


# -- payloads ----------------------------------------------------------------------------------------------


def load_articles(data: Path, limit: int) -> list[str]:
    folder = data / ARTICLES
    if not folder.is_dir():
        raise SystemExit(f"error: no PTC articles under {folder} (--data)")
    return [p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))[:limit]]


def short_comments(articles: list[str], n: int, seed: int = 13) -> list[str]:
    """`n` runs of 10-60 consecutive words cut from the articles."""
    rng = random.Random(seed)
    words = [a.split() for a in articles if len(a.split()) > 80]
    out = []
    while len(out) < n:
        w = rng.choice(words)
        size = rng.randint(10, 60)
        start = rng.randrange(0, len(w) - size)
        out.append(" ".join(w[start : start + size]))
    return out


# -- the server --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants: on a machine shared with
    other work, CPU per request says more than requests per second."""
    ticks = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def start_server(port: int, workers: int, threads: int | None,
                 config: Path | None = None) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "unspun", "serve", "--host", HOST, "--port", str(port),
           "--workers", str(workers), "--log-level", "warning"]
    if threads:
        cmd += ["--threads", str(threads)]
    if config is not None:
        cmd += ["--config", str(config)]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = process.stderr.read().decode() if process.stderr else ""
            raise SystemExit(f"error: the server stopped: {log}")
        try:
            if get_json(f"http://{HOST}:{port}/healthz")["status"] == "ok":
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("error: the server did not start within 300 s")


# -- the client --------------------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to the server (enough of HTTP for uvicorn's answers)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                close = True
        data = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def run_phase(phase: Phase, port: int, path: str, bodies: list[bytes], warmup: float,
                    max_requests: int, pid: int) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    record_from = start + warmup
    stop_at = record_from + phase.seconds
    sent = 0

    async def client(k: int) -> None:
        nonlocal sent
        conn = Connection(port)
        i = k
        mine: list[float] = []
        try:
            while loop.time() < stop_at and sent < max_requests:
                body = bodies[i % len(bodies)]
                i += phase.clients
                sent += 1
                t0 = loop.time()
                try:
                    status, data = await asyncio.wait_for(conn.post(path, body), 60)
                    failed = status != 200
                    why = f"HTTP {status}: {data[:200]!r}"
                except (OSError, ConnectionError, TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
                    failed, why = True, f"{type(e).__name__}: {e}"
                    await conn.close()
                    conn = Connection(port)
                t1 = loop.time()
                if record_from <= t1 <= stop_at:  # completed in the window (a long request may start before)
                    phase.requests += 1
                    phase.latencies_ms.append((t1 - t0) * 1000)
                    mine.append((t1 - t0) * 1000)
                    if failed:
                        phase.errors += 1
                        if len(phase.error_samples) < 5:
                            phase.error_samples.append(why)
        finally:
            await conn.close()
            if mine:
                phase.client_means_ms.append(sum(mine) / len(mine))

    async def measure() -> None:
        await asyncio.sleep(warmup)
        phase.rss_start_mb = tree_rss_mb(pid)
        cpu_start = tree_cpu_s(pid)
        await asyncio.sleep(max(0.0, stop_at - loop.time()))
        phase.cpu_s = tree_cpu_s(pid) - cpu_start

    await asyncio.gather(measure(), *(client(k) for k in range(phase.clients)))
    phase.rss_end_mb = tree_rss_mb(pid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0, help="recorded seconds per phase")
    parser.add_argument("--warmup", type=float, default=5.0, help="unrecorded seconds before each phase")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads per worker")
    parser.add_argument("--config", type=Path, default=None,
                        help="the server's config file (e.g. [serve] batch_wait_ms)")
    parser.add_argument("--phases", default="perspective,analyze")
    parser.add_argument("--articles", type=int, default=200, help="PTC articles read")
    parser.add_argument("--max-requests", type=int, default=200_000, help="a bound on all requests sent")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    articles = load_articles(args.data, args.articles)
    payloads = {
        "perspective": ("/v1alpha1/comments:analyze", [json.dumps(
            {"comment": {"text": t}, "languages": ["en"], "requestedAttributes": ATTRIBUTES}).encode()
            for t in short_comments(articles, 2000)]),
        "analyze": ("/v1/analyze", [json.dumps({"text": a}).encode() for a in articles]),
    }
    port = free_port()
    server = start_server(port, args.workers, args.threads, args.config)
    results = []
    try:
        for name in args.phases.split(","):
            path, bodies = payloads[name]
            phase = Phase(name, args.clients, args.seconds)
            before = get_json(f"http://{HOST}:{port}/healthz")["batches"]
            asyncio.run(run_phase(phase, port, path, bodies, args.warmup, args.max_requests, server.pid))
            after = get_json(f"http://{HOST}:{port}/healthz")["batches"]
            batches = after["batches"] - before["batches"]
            if batches:
                phase.mean_batch = (after["documents"] - before["documents"]) / batches
                phase.sub_batches = (after["sub_batches"] - before["sub_batches"]) / batches
            results.append(phase.summary())
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    print(f"{'phase':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'RSS MB start→end':>18} "
          f"{'batch':>6} {'calls':>6} {'CPU ms/req':>10} {'client mean ms':>15}")
    for r in results:
        cpu, batch, calls = (r[k] if r[k] is not None else float("nan")
                             for k in ("cpu_ms_per_request", "mean_batch", "sub_batches"))
        print(f"{r['name']:<12} {r['requests_per_s']:>8.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
              f"{r['errors']:>7} {r['rss_start_mb']:>8.0f} → {r['rss_end_mb']:<7.0f} {batch:>6.1f} "
              f"{calls:>6.1f} {cpu:>10.1f} {r['client_mean_ms_min']:>7.0f}-{r['client_mean_ms_max']:<7.0f}")
        for sample in r["error_samples"]:
            print(f"  error: {sample}")
    record = {"date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "argv": sys.argv[1:],
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average": os.getloadavg()},
              "clients": args.clients, "workers": args.workers, "threads": args.threads,
              "config": args.config.read_text("utf-8") if args.config else None, "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1) + "\n", "utf-8")
    return 0 if all(r["errors"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
