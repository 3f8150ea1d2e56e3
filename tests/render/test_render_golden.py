"""Golden files: the structure part of the JSON of both example pages, and HTML reports.

A change in the readers, the structure stage or the HTML renderer shows up here as a diff to review;
regenerate with ``UPDATE_GOLDEN=1 pytest tests/render/test_golden.py`` once the new output is right.
The package version is masked, so a release does not churn the files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from testpaths import EXAMPLES, GOLDEN, update_golden

from unspun import __version__
from unspun.readers import source_from_bytes
from unspun.render import render

VERSION_MASK = "<version>"


def masked(text: str) -> str:
    return text.replace(f'"version":"{__version__}"', f'"version":"{VERSION_MASK}"').replace(
        f'"version": "{__version__}"', f'"version": "{VERSION_MASK}"').replace(
        f"<dd>{__version__}</dd>", f"<dd>{VERSION_MASK}</dd>")


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    actual = masked(actual)
    if update_golden():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, "utf-8")
        return
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest {Path(__file__).name}"
    expected = path.read_text("utf-8")
    assert actual == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept the change)"


def analysed(pipeline, page: str) -> dict:
    path = EXAMPLES / page
    source = source_from_bytes(path.read_bytes(), name=page, id=page)
    return pipeline.analyze(source).to_dict()


@pytest.mark.parametrize("page", ["port-deal.html", "port-deal.txt"])
def test_structure_json(page: str, fast_pipeline) -> None:
    data = analysed(fast_pipeline, page)
    part = {"schema": data["schema"], "version": data["version"], "document": data["document"],
            "layers": {"structure": data["layers"]["structure"]}}
    check(f"{page}.structure.json", json.dumps(part, ensure_ascii=False, indent=1) + "\n")


def test_html_report_of_the_example(fast_pipeline) -> None:
    check("port-deal.html.report.html", render(analysed(fast_pipeline, "port-deal.html"), "html"))


def test_html_report_of_the_hand_built_analysis(port_deal_analysis) -> None:
    check("port-deal.analysis.html", render(port_deal_analysis.to_dict(), "html"))


def test_masking_leaves_everything_else() -> None:
    v = __version__
    assert masked(f'{{"version": "{v}", "x": "{v}"}}') == f'{{"version": "<version>", "x": "{v}"}}'
