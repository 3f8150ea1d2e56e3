"""Starting uvicorn: one process serves HTTP; with several workers it hands the analyses to pipeline
worker processes (`server.workers`)."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from unspun.options import Options
from unspun.server.settings import ServerSettings

#: an API key in a query string (`?key=…`, Perspective's form), as the access log would print it
_KEY_PARAM = re.compile(r"([?&]key=)[^&#\s]*", re.IGNORECASE)


class RedactKeys(logging.Filter):
    """Keeps API keys out of uvicorn's access log: its request paths carry `?key=` in clear."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            path = args[2]
            if isinstance(path, str):
                args[2] = _KEY_PARAM.sub(r"\1REDACTED", path)
                record.args = tuple(args)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the access log's keys redacted."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_keys"] = {"()": RedactKeys}
    config["handlers"]["access"]["filters"] = ["redact_keys"]
    return config


def run_server(options: Options, settings: ServerSettings, *, host: str, port: int, workers: int = 1,
               log_level: str = "info") -> None:
    """Serve until interrupted: one HTTP process, analysing in itself or in `workers` pipeline processes."""
    import uvicorn

    from unspun.server.app import create_app

    uvicorn.run(create_app(options, settings, workers=workers), host=host, port=port, log_level=log_level,
                server_header=False, limit_concurrency=None, timeout_graceful_shutdown=10,
                log_config=log_config())
