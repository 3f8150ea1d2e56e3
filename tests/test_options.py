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


def test_options_are_hashable_and_equal_options_hash_alike() -> None:
    assert hash(Options()) == hash(Options())
    a = Options(stages=["structure", "summary"], threads=2)  # type: ignore[arg-type]  # a list, as JSON gives
    assert a.stages == ("structure", "summary")
    assert a == Options(stages=("structure", "summary"), threads=2) and hash(a) == hash(a.replace())
    assert len({Options(), Options(threads=1), Options(threads=1)}) == 2


def test_threads_and_model_dir_from_a_mapping() -> None:
    options = Options.from_mapping({"threads": 2, "model-dir": "~/models/minilm"})
    assert options.threads == 2
    assert options.model_dir == Path("~/models/minilm").expanduser()
    assert Options().threads is None and Options().model_dir is None  # all cores, the shipped model
    assert Options(model_dir="m").model_dir == Path("m")  # type: ignore[arg-type]


def test_relative_model_dir_in_a_config_file_is_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "unspun.toml"
    path.parent.mkdir()
    path.write_text('[unspun]\nmodel_dir = "models/mine"\nthreads = 1\n', "utf-8")
    options = Options.from_file(path)
    assert options.model_dir == tmp_path / "conf" / "models" / "mine" and options.threads == 1
    path.write_text(f'model_dir = "{tmp_path / "elsewhere"}"\n', "utf-8")
    assert Options.from_file(path).model_dir == tmp_path / "elsewhere"


@pytest.mark.parametrize("threads", [0, -2, 1.5, "2", True])
def test_threads_must_be_a_positive_whole_number(threads: object) -> None:
    with pytest.raises(OptionsError, match="threads must be a whole number of at least 1"):
        Options.from_mapping({"threads": threads})


def test_stage_options_is_gone() -> None:
    with pytest.raises(OptionsError, match="unknown option 'stage_options'"):
        Options.from_mapping({"stage_options": {}})
