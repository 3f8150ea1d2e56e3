"""The one options object: defaults, mappings, TOML config files, and unknown keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspun.errors import OptionsError
from unspun.options import Options


def test_config_file_under_an_unspun_table(tmp_path: Path) -> None:
    path = tmp_path / "unspun.toml"
    path.write_text('[unspun]\nstages = "structure, summary"\nlanguage = "en"\nmax-input-bytes = 1000\n',
                    "utf-8")
    options = Options.from_file(path)
    assert options.stages == ("structure", "summary")
    assert options.language == "en" and options.max_input_bytes == 1000
    assert options.allow_private_urls is False  # defaults kept


def test_config_file_at_top_level_and_a_base(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('stages = ["structure"]\n', "utf-8")
    options = Options.from_file(path, base=Options(language="de"))
    assert options.stages == ("structure",) and options.language == "de"


def test_unknown_key_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("treshold = 0.4\n", "utf-8")
    message = r"unknown option 'treshold'; known options: .*thresholds"
    with pytest.raises(OptionsError, match=message):
        Options.from_file(path)


@pytest.mark.parametrize("content", ["stages = [", b"\xff\xfe\x00bad"])
def test_unreadable_config_file(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(OptionsError, match=f"cannot read config file {path}"):
        Options.from_file(path)


def test_options_are_frozen_and_keyword_only() -> None:
    options = Options(language="en")
    with pytest.raises(AttributeError):
        options.language = "de"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Options("en")  # type: ignore[misc]
    assert options.replace(language="de").language == "de" and options.language == "en"


def test_thresholds_per_task_from_a_config_table(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[unspun.thresholds]\nhate = 0.7\nclaims = 0.4\n", "utf-8")
    options = Options.from_file(path)
    assert options.thresholds == (("claims", 0.4), ("hate", 0.7))
    # however it is built, the object is canonical and hashable: equal options share one pipeline
    assert Options(thresholds={"hate": 0.7, "claims": 0.4}) == options
    assert hash(Options(thresholds={"hate": 0.7, "claims": 0.4})) == hash(options)


@pytest.mark.parametrize("bad", [{"hate": "high"}, {"hate": 1.5}, ["hate"]])
def test_bad_thresholds_are_refused(bad: object) -> None:
    with pytest.raises(OptionsError, match="thresholds"):
        Options.from_mapping({"thresholds": bad})


def test_model_dir_from_a_string_is_a_path() -> None:
    assert Options.from_mapping({"model_dir": "/models/m"}).model_dir == Path("/models/m")
