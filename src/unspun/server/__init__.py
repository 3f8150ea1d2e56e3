"""The HTTP service (`unspun serve`): the analysis API, a Perspective-compatible endpoint, the web page.

`create_app(options, settings)` builds the FastAPI application; importing this package imports FastAPI, so
`unspun` itself never imports it (the CLI imports it only when `serve` runs).
"""

from __future__ import annotations

from unspun.server.app import create_app
from unspun.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
