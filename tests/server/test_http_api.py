"""The HTTP API: /v1/analyze and its batch, errors and their statuses, limits, keys, headers, SSRF refusals.

Most tests run a fast pipeline (structure and summary, no model) without loading models at start-up; the
ones that run the shipped model are marked `model`."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from testpaths import EXAMPLES, FAST_STAGES

from unspun.document import validate
from unspun.options import Options
from unspun.server import ServerSettings, create_app

FAST = Options(stages=FAST_STAGES)
ERROR_SHAPE = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": False,
                             "properties": {"code": {"type": "string", "minLength": 1},
                                            "message": {"type": "string", "minLength": 1}}}},
}


def error_of(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    jsonschema.validate(body, ERROR_SHAPE)
    assert body["error"]["code"] == code
    return str(body["error"]["message"])


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(FAST, initialize=False)) as c:
        yield c


def test_analyze_text_is_the_unspun_json(client: TestClient) -> None:
    text = (EXAMPLES / "port-deal.txt").read_text("utf-8")
    response = client.post("/v1/analyze", json={"text": text, "id": "port"})
    assert response.status_code == 200
    data = response.json()
    validate(data)
    assert data["document"]["id"] == "port" and data["document"]["text"] == text
    assert {s["label"] for s in data["layers"]["structure"]} >= {"title", "editorial", "quoted", "comment"}


def test_analyze_html_equals_the_cli_analysis(client: TestClient) -> None:
    from unspun.pipeline import Pipeline

    html = (EXAMPLES / "port-deal.html").read_text("utf-8")
    data = client.post("/v1/analyze", json={"html": html}).json()
    validate(data)
    expected = Pipeline(options=FAST.replace(input_format="html")).analyze(html).to_dict()
    assert data == expected


def test_text_is_never_sniffed_as_html(client: TestClient) -> None:
    text = "<b>Bold</b> words <i>stay</i> as typed, tags and all."
    data = client.post("/v1/analyze", json={"text": text}).json()
    assert data["document"]["text"] == text


@pytest.mark.parametrize("body, problem", [
    ({}, "exactly one of text, html or url"),
    ({"text": "a", "html": "<p>b</p>"}, "got text, html"),
])
def test_exactly_one_input(client: TestClient, body: dict[str, Any], problem: str) -> None:
    assert problem in error_of(client.post("/v1/analyze", json=body), 422, "invalid_request")


def test_view_of_an_analysis_is_the_pages_view(client: TestClient) -> None:
    from unspun.render.view import page_view

    data = client.post("/v1/analyze", json={"text": (EXAMPLES / "port-deal.txt").read_text("utf-8")}).json()
    assert client.post("/v1/view", json=data).json() == json.loads(json.dumps(page_view(data)))
    assert "not an unspun/1 analysis" in error_of(client.post("/v1/view", json={"schema": "x"}), 422,
                                                  "invalid_request")


def test_brat_files_of_an_analysis_read_back(client: TestClient) -> None:
    from unspun.render.brat import read_brat

    data = client.post("/v1/analyze", json={"text": (EXAMPLES / "port-deal.txt").read_text("utf-8")}).json()
    files = client.post("/v1/brat", json=data).json()
    assert files["txt"] == data["document"]["text"]
    assert read_brat(files["txt"], files["ann"]).to_dict()["layers"] == data["layers"]
    assert "\tstructure_quoted\n" in files["annotation_conf"] and "[drawing]" in files["visual_conf"]
    assert "not an unspun/1 analysis" in error_of(client.post("/v1/brat", json={"layers": {}}), 422,
                                                  "invalid_request")


def test_unknown_field_and_bad_json(client: TestClient) -> None:
    assert "model_dir" in error_of(client.post("/v1/analyze", json={"text": "a", "model_dir": "/"}), 422,
                                   "invalid_request")
    response = client.post("/v1/analyze", content=b"{not json", headers={"content-type": "application/json"})
    error_of(response, 422, "invalid_request")


@pytest.mark.parametrize("body, status, code, words", [
    ({"text": "   \n "}, 422, "empty", "only whitespace"),
    ({"text": "A page.", "stages": ["nonsense"]}, 400, "pipeline", "unknown stage 'nonsense'"),
    ({"text": "A page.", "stages": "summary,structure"}, 400, "pipeline", "requires 'structure'"),
    ({"text": "A page.", "thresholds": {"hate": 2}}, 400, "options", "between 0 and 1"),
    ({"html": "<html><body><script>x()</script></body></html>"}, 422, "no_content", ""),
])
def test_errors_have_a_status_code_and_message(client: TestClient, body: dict[str, Any], status: int,
                                               code: str, words: str) -> None:
    assert words in error_of(client.post("/v1/analyze", json=body), status, code)


def test_request_options_change_the_analysis(client: TestClient) -> None:
    data = client.post("/v1/analyze", json={"text": "A page about the port.", "stages": "structure",
                                            "language": "de"}).json()
    assert set(data["layers"]) == {"structure"} and data["document"]["language"] == "de"


def test_batch_keeps_order_with_one_error_record_per_failure(client: TestClient) -> None:
    docs = [{"text": "The first post."}, {"text": "", "id": "empty-one"}, {"html": "<p>The third one.</p>"},
            {"url": "http://127.0.0.1:9/x", "id": "local"}, {"text": "The last post."}]
    response = client.post("/v1/analyze:batch", json={"documents": docs})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["schema"] for r in results] == ["unspun/1", "unspun/1-error", "unspun/1", "unspun/1-error",
                                              "unspun/1"]
    assert results[1]["id"] == "empty-one" and results[1]["reason"] == "empty"
    assert results[3]["id"] == "local" and results[3]["reason"] == "url_refused"
    assert results[0]["document"]["text"] == "The first post." and "third" in results[2]["document"]["text"]
    for r in results:
        if r["schema"] == "unspun/1":
            validate(r)


def test_batch_limits(client: TestClient) -> None:
    error_of(client.post("/v1/analyze:batch", json={"documents": []}), 422, "invalid_request")
    many = [{"text": "x"}] * (ServerSettings().max_batch_documents + 1)
    error_of(client.post("/v1/analyze:batch", json={"documents": many}), 413, "too_large")


def test_health_version_docs_and_openapi(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["pending"] == 0
    version = client.get("/version").json()
    from unspun import __version__

    assert version["unspun"] == __version__ and version["schema"] == "unspun/1"
    if version["model"] is not None:  # the shipped model: a checksum per file
        assert all(len(f["sha256"]) == 64 for f in version["model"]["files"].values())
    spec = client.get("/openapi.json").json()
    assert {"/v1/analyze", "/v1/analyze:batch", "/healthz", "/version", "/v1alpha1/comments:analyze"} <= set(
        spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text and "<script>" not in docs.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/docs.js").status_code == 200


def test_not_found_is_json(client: TestClient) -> None:
    error_of(client.get("/v1/nothing"), 404, "not_found")
    error_of(client.get("/v1/analyze"), 405, "method_not_allowed")


def test_security_headers(client: TestClient) -> None:
    for path in ("/", "/v1/nothing", "/healthz"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


# -- limits ------------------------------------------------------------------------------------------------


def test_body_limit_is_413_on_both_apis() -> None:
    with TestClient(create_app(FAST, ServerSettings(max_body_bytes=1000), initialize=False)) as c:
        big = {"text": "x " * 1000}
        error_of(c.post("/v1/analyze", json=big), 413, "too_large")
        r = c.post("/v1alpha1/comments:analyze", json={"comment": {"text": "x " * 1000}})
        assert r.status_code == 413 and r.json()["error"]["code"] == 413
        # a body without Content-Length is counted as it arrives
        chunks = (b'{"text": "' + b"x" * 600, b"y" * 600 + b'"}')
        r = c.post("/v1/analyze", content=iter(chunks), headers={"content-type": "application/json"})
        error_of(r, 413, "too_large")
        assert c.post("/v1/analyze", json={"text": "small"}).status_code == 200


class SlowPipeline:
    """A pipeline whose batches wait for `release` (or up to a minute)."""

    def __init__(self) -> None:
        from unspun.pipeline import Pipeline

        self.inner = Pipeline(options=FAST)
        self.release = threading.Event()
        self.batches: list[int] = []

    def pipe(self, items: list[Any], batch_size: int = 32) -> Iterator[Any]:
        self.batches.append(len(items))
        self.release.wait(60)
        return self.inner.pipe(items, batch_size=batch_size)


def slow_app(settings: ServerSettings) -> tuple[Any, SlowPipeline]:
    app = create_app(FAST, settings, initialize=False)
    slow = SlowPipeline()
    app.state.service.batcher.pipeline_for = lambda options: slow
    return app, slow


def test_timeout_is_503_with_retry_after() -> None:
    app, slow = slow_app(ServerSettings(timeout_s=0.3))
    with TestClient(app) as c:
        started = time.monotonic()
        r = c.post("/v1/analyze", json={"text": "A post."})
        assert "did not finish within 0.3 s" in error_of(r, 503, "timeout")
        assert r.headers["retry-after"] == "1" and time.monotonic() - started < 10
        r = c.post("/v1alpha1/comments:analyze", json={"comment": {"text": "A post."},
                                                        "requestedAttributes": {"TOXICITY": {}}})
        assert r.status_code == 504 and r.json()["error"]["status"] == "DEADLINE_EXCEEDED"
        slow.release.set()


def test_full_server_refuses_with_retry_after() -> None:
    app, slow = slow_app(ServerSettings(max_pending=1))
    with TestClient(app) as c:
        first: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: first.update(r=c.post("/v1/analyze", json={"text": "One."})))
        thread.start()
        deadline = time.monotonic() + 10
        while c.get("/healthz").json()["pending"] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        r = c.post("/v1/analyze", json={"text": "Two."})
        assert "busy" in error_of(r, 503, "busy") and r.headers["retry-after"] == "1"
        r = c.post("/v1alpha1/comments:analyze", json={"comment": {"text": "Two."},
                                                        "requestedAttributes": {"TOXICITY": {}}})
        assert r.status_code == 429 and r.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
        assert r.headers["retry-after"] == "1"
        slow.release.set()
        thread.join(30)
        assert first["r"].status_code == 200


# -- keys --------------------------------------------------------------------------------------------------


def test_api_keys() -> None:
    settings = ServerSettings(api_keys=frozenset({"k1", "k2"}))
    with TestClient(create_app(FAST, settings, initialize=False)) as c:
        assert "missing" in error_of(c.post("/v1/analyze", json={"text": "A."}), 403, "forbidden")
        assert "not valid" in error_of(c.post("/v1/analyze?key=nope", json={"text": "A."}), 403, "forbidden")
        assert c.post("/v1/analyze?key=k2", json={"text": "A."}).status_code == 200
        assert c.post("/v1/analyze", json={"text": "A."}, headers={"x-goog-api-key": "k1"}).status_code == 200
        r = c.post("/v1alpha1/comments:analyze?key=nope", json={})
        assert r.status_code == 403 and r.json()["error"]["status"] == "PERMISSION_DENIED"
        # the page, health and discovery stay public
        assert c.get("/").status_code == 200 and c.get("/healthz").status_code == 200
        assert c.get("/$discovery/rest?version=v1alpha1").status_code == 200


def test_without_a_key_file_keys_are_ignored(client: TestClient) -> None:
    assert client.post("/v1/analyze?key=anything", json={"text": "A."}).status_code == 200


# -- SSRF ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.0.0.1:8080/admin", "loopback"),
    ("http://localhost/", "loopback"),
    ("http://10.0.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://0.0.0.0/", ""),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://127.0.0.1/", "only http and https"),
])
def test_ssrf_refused(client: TestClient, url: str, kind: str) -> None:
    message = error_of(client.post("/v1/analyze", json={"url": url}), 400, "url_refused")
    assert kind in message


class _Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_ssrf_through_a_redirect_refused(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from unspun.readers import url as url_module

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    original = url_module._check_address

    def public_test_host(address: str, host: str, options: Options) -> None:
        # the redirecting server stands for a public host; every other address is checked as usual
        if address != "127.0.0.1":
            original(address, host, options)

    monkeypatch.setattr(url_module, "_check_address", public_test_host)
    try:
        r = client.post("/v1/analyze", json={"url": f"http://127.0.0.1:{httpd.server_address[1]}/go"})
        assert "169.254.169.254" in error_of(r, 400, "url_refused")
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_allow_private_urls_fetches_a_local_page() -> None:
    page = b"<html><body><article><p>The harbour board met on Tuesday, its chair said.</p></article></body>"

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with TestClient(create_app(FAST.replace(allow_private_urls=True), initialize=False)) as c:
            url = f"http://127.0.0.1:{httpd.server_address[1]}/story"
            data = c.post("/v1/analyze", json={"url": url}).json()
            assert "harbour board" in data["document"]["text"] and data["document"]["url"] == url
    finally:
        httpd.shutdown()
        httpd.server_close()


# -- the shipped model -------------------------------------------------------------------------------------


@pytest.mark.model
def test_default_pipeline_analysis_follows_the_schema() -> None:
    with TestClient(create_app(Options())) as c:
        html = (EXAMPLES / "port-deal.html").read_text("utf-8")
        data = c.post("/v1/analyze", json={"html": html}).json()
        validate(data)
        assert "hate" in data["layers"] and data["layers"]["hate"]
        labels = {s["label"] for s in data["layers"]["hate"]}
        assert labels <= {"hate", "offensive", "normal"}
        # a threshold of 1 makes every span normal; of 0, none
        strict = c.post("/v1/analyze", json={"html": html, "thresholds": {"hate": 1.0}}).json()
        assert {s["label"] for s in strict["layers"]["hate"]} == {"normal"}
        loose = c.post("/v1/analyze", json={"html": html, "thresholds": {"hate": 0.0}}).json()
        assert "normal" not in {s["label"] for s in loose["layers"]["hate"]}
