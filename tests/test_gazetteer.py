"""The outlet gazetteer: lookups by domain and name, and outlet mentions in text (no model needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

import unspun.gazetteer as gazetteer
from unspun.document import Document
from unspun.gazetteer import (
    OutletProfile,
    document_outlet_mentions,
    find_outlet_mentions,
    is_outlet_head,
    lookup_domain,
    lookup_name,
    normalize_domain,
)

ROOT = Path(__file__).resolve().parents[1]
MEDIA_DATA = ROOT.parent / "shared" / "data" / "media-reliability"


def mentions(text: str) -> list[tuple[str, str, bool]]:
    """(text of the mention, canonical, has a profile) for each mention."""
    return [(text[m.start : m.end], m.canonical, m.profile is not None) for m in find_outlet_mentions(text)]


@pytest.mark.parametrize("value", [
    "reuters.com", "https://www.reuters.com/world/europe/some-story-2024-05-01/", "http://REUTERS.com:80/x?y=1",
    "uk.reuters.com", "www.reuters.com",
])
def test_lookup_domain_strips_scheme_www_path_and_tries_parents(value: str) -> None:
    profile = lookup_domain(value)
    assert profile is not None and profile.name == "Reuters" and profile.domain == "reuters.com"


def test_lookup_domain_profile_fields_come_from_the_data() -> None:
    p = lookup_domain("edition.cnn.com")
    assert isinstance(p, OutletProfile)
    assert (p.name, p.factual_reporting, p.bias, p.credibility, p.reliability, p.country) == (
        "CNN", "mixed", "left", "medium", 1, "usa")
    assert "mbfc" in p.sources and "golden_truth" in p.sources


def test_domain_only_entries_have_the_domain_as_name_and_no_aliases() -> None:
    p = lookup_domain("9news.com")
    assert p is not None and p.name == "9news.com" and p.aliases == ()
    assert p.reliability == 1


def test_unknown_fields_stay_none() -> None:
    # 112.ua is in the golden-truth and Wikipedia lists only: no MBFC fields, and none invented
    p = lookup_domain("112.ua")
    assert p is not None and p.reliability == -1
    assert (p.factual_reporting, p.bias, p.credibility, p.country) == (None, None, None, None)
    assert p.fields() == {"reliability": -1}
    assert p.sources == ("golden_truth", "wikipedia_perennial")
    unknown = lookup_domain("coastal-ledger.example")
    assert unknown is None
    assert lookup_domain("") is None and lookup_domain("not a domain") is None


def test_conflicting_rows_give_none() -> None:
    # mbfc.csv has thestar.com twice, as the Toronto Star (canada) and The Star (malaysia)
    p = lookup_domain("thestar.com")
    assert p is not None and p.country is None


@pytest.mark.parametrize("name, expected", [
    ("the Guardian", "The Guardian"), ("The Guardian", "The Guardian"), ("BBC News", "BBC"), ("bbc", "BBC"),
    ("AP", "Associated Press"), ("the Associated Press", "Associated Press"),
    ("New York Times", "The New York Times"), ("the New York Times's", "The New York Times"),
    ("nytimes.com", "The New York Times"), ("Al-Jazeera", "Al Jazeera"),
])
def test_lookup_name(name: str, expected: str) -> None:
    p = lookup_name(name)
    assert p is not None and p.name == expected


def test_lookup_name_unknown() -> None:
    assert lookup_name("Coastal Ledger") is None
    assert lookup_name("") is None


def test_normalize_domain() -> None:
    assert normalize_domain("HTTPS://user@www.Example.co.uk:8443/a/b#c") == "example.co.uk"


def test_outlet_head_words() -> None:
    assert is_outlet_head("Coastal Ledger") and is_outlet_head("the Valley Herald")
    assert is_outlet_head("Xinhua News Agency") and is_outlet_head("Radio Free Asia")
    assert not is_outlet_head("Port Authority") and not is_outlet_head("Environmental Protection Agency")


def test_known_names_anywhere_and_reporting_contexts() -> None:
    assert mentions("Reuters reported that the talks failed.") == [("Reuters", "Reuters", True)]
    assert mentions("According to the BBC, the vote was close.") == [("BBC", "BBC", True)]
    nyt = [("New York Times", "The New York Times", True)]
    assert mentions("She told The New York Times on Monday.") == nyt


def test_unknown_outlet_in_reporting_context_and_its_short_form() -> None:
    text = ("Officials confirmed the deal, according to documents reviewed by the Coastal Ledger.\n\n"
            "\"We did our best,\" a spokesperson told the Ledger. The Coastal Ledger later reported more.")
    ledger = ("Coastal Ledger", "Coastal Ledger", False)
    assert mentions(text) == [ledger, ("Ledger", "Coastal Ledger", False), ledger]


def test_short_form_of_a_known_outlet() -> None:
    text = "The Washington Post first reported the story. A spokesman told the Post it was false."
    assert mentions(text) == [("Washington Post", "The Washington Post", True),
                              ("Post", "The Washington Post", True)]


def test_ambiguous_names_only_in_reporting_context() -> None:
    assert mentions("Ships crossed the Atlantic. The Sun rose. Time will tell. RT if you agree") == []
    assert mentions("according to The Atlantic") == [("Atlantic", "The Atlantic", True)]
    assert mentions("RT reported that the minister resigned.") == [("RT", "RT", True)]


def test_non_outlet_names_in_reporting_context_are_not_outlets() -> None:
    assert mentions("He told the Port Authority. According to the Environmental Protection Agency, ok.") == []
    assert mentions("the decision was reported by Dana Whitfield") == []


def test_head_word_inside_a_longer_name_is_not_the_known_outlet() -> None:
    # "Times" alone is The Times (London) in a reporting context, but "Harbor Times" is another paper
    assert mentions("The Harbor Times reported a rise.") == [("Harbor Times", "Harbor Times", False)]


def test_within_keeps_only_mentions_inside_the_stretches() -> None:
    text = "Menu: Reuters | BBC\n\nThe BBC said so."
    start = text.index("The BBC")
    found = find_outlet_mentions(text, within=[(start, len(text))])
    assert [(m.start, m.canonical) for m in found] == [(start + 4, "BBC")]


def test_document_mentions_are_found_once_and_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("Menu: Reuters | BBC\n\nThe BBC said so. Documents reviewed by the Coastal Ledger. "
            "She told the Ledger.")
    doc = Document(text=text)
    calls: list[str] = []
    real = gazetteer.find_outlet_mentions

    def counting(t: str, within=None):  # type: ignore[no-untyped-def]
        calls.append(t)
        return real(t, within)

    monkeypatch.setattr(gazetteer, "find_outlet_mentions", counting)
    within = [(text.index("The BBC"), len(text))]
    assert document_outlet_mentions(doc) == real(text)
    assert document_outlet_mentions(doc, within=within) == real(text, within=within)
    assert calls == [text]


def test_outlets_json_is_compact_and_well_formed() -> None:
    raw = resources.files("unspun.data").joinpath("outlets.json").read_text("utf-8")
    assert len(raw.encode()) < 400_000
    data = json.loads(raw)
    assert len(data["domains"]) > 5000
    for row in data["domains"].values():
        assert len(row) == len(data["fields"])
    for outlet in data["outlets"]:
        assert outlet["domains"] and outlet["name"]


@pytest.mark.skipif(not (MEDIA_DATA / "mbfc.csv").exists(), reason="needs ../shared/data/media-reliability")
def test_build_tool_reproduces_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "outlets.json"
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_gazetteer.py"), "--data", str(MEDIA_DATA),
                    "--out", str(out)], check=True, capture_output=True)
    committed = resources.files("unspun.data").joinpath("outlets.json").read_text("utf-8")
    assert out.read_text("utf-8") == committed
