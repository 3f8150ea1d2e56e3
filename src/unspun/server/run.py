"""Starting uvicorn: one worker in this process, or several worker processes that each build the app from
the configuration this process passes them in an environment variable."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import os
import re
from typing import Any

from unspun.options import Options
from unspun.server.settings import ServerSettings

#: the environment variable that carries the configuration to worker processes (JSON)
CONFIG_ENV = "UNSPUN_SERVE_CONFIG"


#: an API key in a query string (`?key=…`, Perspective's form), as the access log would print it
_KEY_PARAM = re.compile(r"([?&]key=)[^&#\s]*", re.IGNORECASE)


class RedactKeys(logging.Filter):
    """Keeps API keys out of uvicorn's access log: its request paths carry `?key=` in clear."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            args = list(record.args)
            args[2] = _KEY_PARAM.sub(r"\1REDACTED", str(args[2]))
            record.args = tuple(args)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the access log's keys redacted."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_keys"] = {"()": RedactKeys}
    config["handlers"]["access"]["filters"] = ["redact_keys"]
    return config


def options_to_dict(options: Options) -> dict[str, Any]:
    data = dataclasses.asdict(options)
    data["model_dir"] = str(options.model_dir) if options.model_dir is not None else None
    data["thresholds"] = dict(options.thresholds)
    return {key: value for key, value in data.items() if value is not None}


def app_from_env() -> Any:
    """The app of one worker process (uvicorn's factory when there are several workers)."""
    from unspun.server.app import create_app

    config = json.loads(os.environ[CONFIG_ENV])
    return create_app(Options.from_mapping(config["options"]), ServerSettings.from_dict(config["settings"]))


def run_server(options: Options, settings: ServerSettings, *, host: str, port: int, workers: int = 1,
               log_level: str = "info") -> None:
    import uvicorn

    common: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "server_header": False,
                              "limit_concurrency": None, "timeout_graceful_shutdown": 10,
                              "log_config": log_config()}
    if workers == 1:
        from unspun.server.app import create_app

        uvicorn.run(create_app(options, settings), **common)
        return
    os.environ[CONFIG_ENV] = json.dumps({"options": options_to_dict(options), "settings": settings.to_dict()})
    uvicorn.run("unspun.server.run:app_from_env", factory=True, workers=workers, **common)
