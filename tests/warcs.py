"""WARC archives built in memory for the tests (a module of its own: the reader and CLI tests share it)."""

from __future__ import annotations

ARTICLE = (b"<html><head><title>Port deal</title></head><body><article><h1>Port deal</h1><p>Officials said "
           b"on Tuesday that the port will reopen after the inspection found no problems with the cranes.</p>"
           b"</article></body></html>")


def record(kind: str, uri: str, block: bytes, content_type: str, n: int) -> bytes:
    fields = [("WARC-Type", kind), ("WARC-Target-URI", uri), ("WARC-Date", "2024-03-21T09:14:00Z"),
              ("WARC-Record-ID", f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>"),
              ("Content-Type", content_type), ("Content-Length", str(len(block)))]
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def response(uri: str, body: bytes, content_type: str, n: int) -> bytes:
    http = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return record("response", uri, http.encode() + body, "application/http; msgtype=response", n)


def crawl() -> bytes:
    return b"".join([
        record("warcinfo", "", b"software: unspun-tests\r\n", "application/warc-fields", 1),
        record("request", "https://news.example/a", b"GET /a HTTP/1.1\r\n\r\n",
               "application/http; msgtype=request", 2),
        response("https://news.example/a", ARTICLE, "text/html; charset=utf-8", 3),
        response("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png", 4),
        response("https://news.example/empty", b"", "text/html", 5),
        response("https://news.example/b", "Caf\u00e9 owners said the port reopened.".encode("cp1252"),
                 "text/plain; charset=windows-1252", 6),
    ])
