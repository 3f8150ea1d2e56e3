"""The shipped quotes model on the example page: the attribution rows of examples/README.md, each carried by
the Coastal Ledger (its republished report) and then the blog, and the comment's quote carried by the
comment."""

from __future__ import annotations

import pytest
import testpaths

from unspun.document import QUOTES

#: (speaker, cue, a phrase of the content) — the rows of the examples README carried by the Ledger
LEDGER_ROWS = [
    ("Harbor officials", "confirmed", "Meridian Freight will keep $4.2 million"),
    ("Dana Whitfield", "told", "We reached the best outcome available"),
    ("Paul Oduya", "said", "always acted within the terms of its lease"),
    ("Two dock supervisors", "told", "at least 40 containers were moved off the books"),
    ("Rita Alvarez", "called", "a gift to a company"),
]


@pytest.mark.model
@pytest.mark.parametrize("page_path", testpaths.EXAMPLE_PAGES, ids=lambda p: p.suffix)
def test_the_example_page_attribution_rows_and_their_chain(default_pipeline, page_path) -> None:
    doc = default_pipeline.analyze(page_path.read_text("utf-8"))
    quotes = doc.layers[QUOTES]

    def row(phrase: str):
        """The innermost quote reporting the phrase (an outer one reports the report: "…, according to
        documents reviewed by the Coastal Ledger")."""
        start = doc.text.index(phrase)
        holding = [q for q in quotes if q.overlaps(start, start + len(phrase))]
        return min(holding, key=lambda q: q.end - q.start, default=None)

    problems = []
    for speaker, cue, phrase in LEDGER_ROWS:
        q = row(phrase)
        if q is None:
            problems.append(f"no quote holds {phrase!r}")
            continue
        who = (q.attrs.get("speaker_resolved") or q.attrs.get("speaker") or {}).get("text", "")
        said = (q.attrs.get("cue") or {}).get("text", "")
        if not who or speaker.lower() not in who.lower() and who.lower() not in speaker.lower():
            problems.append(f"{phrase!r}: speaker {who!r}, expected {speaker!r}")
        if cue not in said:
            problems.append(f"{phrase!r}: cue {said!r}, expected {cue!r}")
        chain = q.attrs["chain"]
        # the plain-text page names no site of its own
        page = "The Dockside Patriot" if page_path.suffix == ".html" else "this page"
        if q.attrs["outlet"] != "Coastal Ledger" or (chain[-1]["role"], chain[-1]["name"]) != ("page", page):
            problems.append(f"{phrase!r}: carried by {chain}")
    assert not problems, problems
    mayor = row("the same thing about the bridge contract")
    assert mayor is not None and "mayor" in mayor.attrs["speaker"]["text"].lower()
    assert [link["role"] for link in mayor.attrs["chain"]][1] == "commenter"
