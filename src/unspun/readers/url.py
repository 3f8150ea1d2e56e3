"""Fetch a page by URL, only when asked: http(s) only, public addresses only, with a timeout and a size cap.

Every address a host resolves to is checked, on the first request and on every redirect, and the address
actually connected to is checked again after connecting (so a DNS answer that changes between the check and
the connection cannot reach a private address). No proxies from the environment are used: a proxy would
hide the address we connect to. Standard library only (urllib).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from unspun.errors import FetchError, RefusedURLError, UnspunError
from unspun.options import Options
from unspun.readers import HTML, TEXT, Source, source_from_bytes

ALLOWED_TYPES = {"text/html": HTML, "application/xhtml+xml": HTML, "text/plain": TEXT}
MAX_REDIRECTS = 5
REDIRECT_CODES = (301, 302, 303, 307, 308)
CHUNK_BYTES = 65_536


def one_line(value: object) -> str:
    """An error's text on one line (urllib's redirect-loop message spans three)."""
    return " ".join(str(value).split())


def human_size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _user_agent() -> str:
    from unspun import __version__

    return f"unspun/{__version__} (news page analysis; fetches only on request)"


def _check_address(address: str, host: str, options: Options) -> None:
    if options.allow_private_urls:
        return
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        kind = (
            "loopback"
            if ip.is_loopback
            else "link-local"
            if ip.is_link_local
            else "private"
            if ip.is_private
            else "reserved or non-public"
        )
        raise RefusedURLError(
            f"{host} resolves to {address}, a {kind} address; fetching it is refused "
            f"(--allow-private-urls, or allow_private_urls = true in a config, fetches from a private "
            f"network)"
        )


def check_url(url: str, options: Options) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise RefusedURLError(
            f"{url}: only http and https URLs can be fetched, not {parts.scheme or 'a bare path'!r}"
        )
    host = parts.hostname
    if not host:
        raise FetchError(f"{url}: the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise FetchError(f"{url}: invalid port") from exc
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{url}: cannot resolve host {host!r} ({exc})") from exc
    for info in infos:
        _check_address(str(info[4][0]), host, options)


class _Deadline:
    """One deadline over a whole fetch (connections, redirects, headers, body): the socket timeout only
    bounds each read, so a server that sends a byte a second would hold a fetch for ever. When the time is up
    every socket of the fetch is shut down, and whatever was reading it fails at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _checked_connection(base: type[http.client.HTTPConnection], options: Options, deadline: _Deadline) -> Any:
    class Checked(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)
            try:
                _check_address(self.sock.getpeername()[0], self.host, options)
            except FetchError:
                self.sock.close()
                raise

    return Checked


def _opener(options: Options, deadline: _Deadline) -> urllib.request.OpenerDirector:
    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(_checked_connection(http.client.HTTPConnection, options, deadline), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            connection = _checked_connection(http.client.HTTPSConnection, options, deadline)
            return self.do_open(connection, req, context=getattr(self, "_context", None))

    class Redirect(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            check_url(newurl, options)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler({}),
        urllib.request.UnknownHandler(),
        HTTP(),
        HTTPS(),
        Redirect(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _read_capped(response: Any, url: str, options: Options) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > options.fetch_max_bytes:
        raise FetchError(
            f"{url}: the page is {human_size(int(length))}, over the fetch limit of "
            f"{human_size(options.fetch_max_bytes)}"
        )
    chunks: list[bytes] = []
    total = 0
    while True:
        # read1: whatever has arrived (up to a chunk), so a slow server is seen chunk by chunk
        chunk = response.read1(CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > options.fetch_max_bytes:
            raise FetchError(
                f"{url}: the page is larger than the fetch limit of "
                f"{human_size(options.fetch_max_bytes)}; download stopped"
            )
        chunks.append(chunk)


def fetch_url(url: str, *, options: Options | None = None) -> Source:
    """Fetch `url` and return its decoded `Source`; raises `FetchError` (or a decoding refusal) saying why."""
    options = options or Options()
    url = url.strip()
    check_url(url, options)
    request = urllib.request.Request(
        url,
        headers={"User-Agent": _user_agent(), "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"},
    )
    too_slow = f"{url}: the fetch took longer than {options.fetch_timeout_s:g} s (fetch_timeout_s); stopped"
    deadline = _Deadline(options.fetch_timeout_s)
    try:
        with deadline, _opener(options, deadline).open(request, timeout=options.fetch_timeout_s) as response:
            final_url = response.geturl()
            content_type = response.headers.get("Content-Type") or ""
            media = content_type.split(";", 1)[0].strip().lower()
            if media and media not in ALLOWED_TYPES:
                raise FetchError(
                    f"{url}: the server sent {media!r}, not a web page or text "
                    f"(accepted: {', '.join(sorted(ALLOWED_TYPES))})"
                )
            data = _read_capped(response, url, options)
    except urllib.error.HTTPError as exc:
        if exc.code in REDIRECT_CODES:
            raise FetchError(f"{url}: too many redirects (more than {MAX_REDIRECTS}, or a loop)") from exc
        raise FetchError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, UnspunError):
            raise reason from exc
        if deadline.expired:
            raise FetchError(too_slow) from exc
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise FetchError(f"{url}: no answer within {options.fetch_timeout_s:g} s") from exc
        raise FetchError(f"{url}: cannot fetch ({one_line(reason)})") from exc
    except TimeoutError as exc:
        raise FetchError(too_slow if deadline.expired else
                         f"{url}: no answer within {options.fetch_timeout_s:g} s") from exc
    except (http.client.HTTPException, OSError) as exc:
        if deadline.expired:
            raise FetchError(too_slow) from exc
        raise FetchError(f"{url}: the connection failed ({one_line(exc)})") from exc
    if deadline.expired:  # the body ended because its socket was shut, not because it was complete
        raise FetchError(too_slow)
    source = source_from_bytes(
        data, name=url, options=options, id=url, url=final_url, content_type=content_type
    )
    if not options.input_format and media in ALLOWED_TYPES:
        source.format = ALLOWED_TYPES[media]
    source.metadata["content_type"] = content_type
    return source
