"""Fetching URLs: a real local server, the private-address refusal, caps and content types."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from unspun.errors import FetchError
from unspun.options import Options
from unspun.readers.url import fetch_url

PAGE = (
    "<html><head><meta charset='utf-8'><title>Harbour news</title></head><body><article>"
    "<p>The harbour board met on Tuesday and approved the new fees, its chair said.</p></article></body>"
)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        routes = {
            "/page": (200, "text/html; charset=utf-8", PAGE.encode()),
            "/plain": (
                200,
                "text/plain; charset=iso-8859-1",
                "Caf\xe9 owners said they would close.".encode("latin-1"),
            ),
            "/image": (200, "image/png", b"\x89PNG\r\n\x1a\n"),
            "/big": (200, "text/html", b"<p>" + b"x" * 200_000 + b"</p>"),
            "/missing": (404, "text/html", b"not here"),
        }
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page")
            self.end_headers()
            return
        status, ctype, body = routes.get(self.path, routes["/missing"])
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if self.path != "/big":  # no Content-Length: the cap must stop the stream itself
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


PRIVATE = Options(allow_private_urls=True, fetch_timeout_s=5)


def test_fetch_html_through_redirect(server: str) -> None:
    source = fetch_url(f"{server}/redirect", options=PRIVATE)
    assert source.format == "html" and source.url == f"{server}/page" and "harbour board" in source.content


def test_fetch_plain_text_with_charset(server: str) -> None:
    source = fetch_url(f"{server}/plain", options=PRIVATE)
    assert source.format == "text" and source.content.startswith("Café owners")


def test_private_address_refused_without_option(server: str) -> None:
    with pytest.raises(FetchError, match="loopback address; fetching it is refused"):
        fetch_url(f"{server}/page", options=Options())


@pytest.mark.parametrize(
    "url,match",
    [
        ("ftp://example.com/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://10.1.2.3/", "private"),
        ("http://[::1]/", "loopback"),
        ("http:///nohost", "no host"),
    ],
)
def test_refused_urls(url: str, match: str) -> None:
    with pytest.raises(FetchError, match=match):
        fetch_url(url, options=Options())


def test_wrong_content_type_and_http_error(server: str) -> None:
    with pytest.raises(FetchError, match="image/png"):
        fetch_url(f"{server}/image", options=PRIVATE)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_url(f"{server}/missing", options=PRIVATE)


def test_size_cap_stops_download(server: str) -> None:
    with pytest.raises(FetchError, match="larger than the fetch limit"):
        fetch_url(f"{server}/big", options=PRIVATE.replace(fetch_max_bytes=50_000))


def test_timeout(tmp_path: Path) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        with pytest.raises(FetchError, match="no answer within|timed out|connection failed|took longer than"):
            fetch_url(
                f"http://127.0.0.1:{listener.getsockname()[1]}/", options=PRIVATE.replace(fetch_timeout_s=0.5)
            )
    finally:
        listener.close()
