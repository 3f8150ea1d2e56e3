"""`unspun serve`: its configuration (config file, key file, flags), a real start in a subprocess, and the
import cost of `unspun` (which never imports the web framework)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from live import free_port

from unspun.cli import build_server_config
from unspun.errors import OptionsError


def test_config_file_key_file_and_flags(tmp_path: Path) -> None:
    config = tmp_path / "unspun.toml"
    config.write_text('[unspun]\nstages = "structure,summary"\nthresholds = {hate = 0.7}\n'
                      '[serve]\ntimeout_s = 5\nmax_pending = 7\n', "utf-8")
    keys = tmp_path / "keys.txt"
    keys.write_text("# our clients\nalpha\n\n beta \n", "utf-8")
    options, settings = build_server_config(
        config=config, api_key_file=keys, workers=2,
        flags={"stages": None, "threads": None, "allow_private_urls": True},
        settings_flags={"max_body_bytes": 1234, "timeout_s": None, "max_pending": None})
    assert options.stages == ("structure", "summary") and dict(options.thresholds) == {"hate": 0.7}
    assert options.allow_private_urls and options.threads == max(1, (os.cpu_count() or 1) // 2)
    assert settings.timeout_s == 5 and settings.max_pending == 7 and settings.max_body_bytes == 1234
    assert settings.api_keys == frozenset({"alpha", "beta"})


@pytest.mark.parametrize("text, words", [
    ("[serve]\nno_such = 1\n", "unknown [serve] setting"),
    ("[serve]\nmax_pending = 0\n", "at least 1"),
    ("stages = 'structure'\n[serve]\ntimeout_s = 1\n", "under [unspun]"),
])
def test_bad_config(tmp_path: Path, text: str, words: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, "utf-8")
    with pytest.raises(OptionsError, match=words.replace("[", r"\[").replace("]", r"\]")):
        build_server_config(config=config, api_key_file=None, workers=1, flags={}, settings_flags={})


def test_empty_key_file_is_refused(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("# nothing yet\n", "utf-8")
    with pytest.raises(OptionsError, match="holds no key"):
        build_server_config(config=None, api_key_file=keys, workers=1, flags={}, settings_flags={})


def test_import_unspun_does_not_import_the_web_framework() -> None:
    code = "import sys, unspun, unspun.cli; print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') " \
           "if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.model
@pytest.mark.parametrize("workers", [1, 2])
def test_unspun_serve_answers(workers: int) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "unspun", "serve", "--port", str(port), "--workers", str(workers),
         "--log-level", "info"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
                    if json.load(r)["status"] == "ok":
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "unspun serve did not start"
            time.sleep(0.3)
        body = json.dumps({"comment": {"text": "Have a nice day."}, "requestedAttributes": {"TOXICITY": {}}})
        url = f"{base}/v1alpha1/comments:analyze?key=sekrit-123"
        headers = {"content-type": "application/json"}
        request = urllib.request.Request(url, data=body.encode(), headers=headers)
        with urllib.request.urlopen(request, timeout=30) as r:
            assert 0.0 <= json.load(r)["attributeScores"]["TOXICITY"]["summaryScore"]["value"] <= 1.0
        with urllib.request.urlopen(f"{base}/", timeout=10) as r:
            assert "unspun" in r.read().decode()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log = process.stdout.read() if process.stdout else ""
    # the access log shows the request, never the API key in its query string
    assert "analyze?key=REDACTED" in log and "sekrit-123" not in log
