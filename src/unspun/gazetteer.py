"""News outlets: reliability profiles by domain or name, and outlet mentions found in text.

The profiles come from Idiap News-Media-Reliability (MBFC fields, a golden reliability label, NewsGuard and
Wikipedia perennial-sources lists; Apache-2.0, see data/NOTICE-media-reliability.md), joined by domain to a
hand-written list of the usual names of well-known outlets. `data/outlets.json` is built from them by
`tools/build_gazetteer.py`; it is loaded on first use, once per process.

>>> lookup_domain("https://www.reuters.com/world/").name
'Reuters'
>>> lookup_name("the Guardian").domain
'theguardian.com'
>>> text = "Documents reviewed by the Coastal Ledger. She told the Ledger."
>>> [m.canonical for m in find_outlet_mentions(text)]
['Coastal Ledger', 'Coastal Ledger']
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from unspun.document import Document

__all__ = ["OutletProfile", "OutletMention", "lookup_domain", "lookup_name", "find_outlet_mentions",
           "document_outlet_mentions", "url_host",
           "is_outlet_head"]


@dataclass(frozen=True)
class OutletProfile:
    """What the reliability data says about one outlet; None where no source says anything."""

    name: str
    domain: str | None
    aliases: tuple[str, ...]
    factual_reporting: str | None
    bias: str | None
    credibility: str | None
    #: the golden-truth reliability label: 1 reliable, 0 mixed, -1 unreliable (-2: the data's worst class)
    reliability: int | None
    country: str | None
    #: which data files spoke about it (mbfc, golden_truth, newsguard, wikipedia_perennial, ...)
    sources: tuple[str, ...]

    def fields(self) -> dict[str, Any]:
        """The reliability fields that are known (None ones left out), for span attrs and summaries."""
        values = {"factual_reporting": self.factual_reporting, "bias": self.bias,
                  "credibility": self.credibility, "reliability": self.reliability, "country": self.country}
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class OutletMention:
    """A news outlet named in text: `text[start:end]` is `name`; `canonical` is its fullest known name."""

    start: int
    end: int
    name: str
    canonical: str
    profile: OutletProfile | None


PROFILE_FIELDS = ("factual_reporting", "bias", "credibility", "reliability", "country")
# A leading article is not part of a mention ("the Coastal Ledger" -> "Coastal Ledger").
#: the key of `Document.parses` under which a document's outlet mentions are cached
OUTLET_MENTIONS_PARSE = "outlet_mentions"
ARTICLE_RE = re.compile(r"^(?:the|The|THE)\s+")
# Words that may sit inside an outlet name between capitalised words ("Times of India", "Globe and Mail").
NAME_CONNECTORS = frozenset({"of", "and", "&", "de", "du", "la", "el", "al"})
# Longest outlet name we look for in a reporting context, in words ("The Atlanta Journal-Constitution").
MAX_NAME_WORDS = 6
# How far back a name before a cue is looked for: MAX_NAME_WORDS long words and the spaces between them.
NAME_LOOKBACK_CHARS = 64 * (MAX_NAME_WORDS + 2)
# A word of a name: letters with inner apostrophes, dots, hyphens ("O'Neill", "Antiwar.com", "Sun-Times"),
# a number glued to letters ("538", "9News" do not count alone), or an ampersand.
_WORD_RE = re.compile(r"[^\W\d_](?:[\w&/-]|['’.](?=\w))*|\d[\w-]*[^\W\d_][\w-]*|&")
_SPACE = "[ \t\u00a0]+"


def _phrase(words: str) -> str:
    """A regex for a phrase whose words may be separated by any run of spaces on one line."""
    return re.escape(words).replace(r"\ ", _SPACE)


# -- loading --------------------------------------------------------------------------------------------


def _read(name: str) -> Any:
    return json.loads(resources.files("unspun.data").joinpath(name).read_text("utf-8"))


def name_key(name: str) -> str:
    """The key names are compared by: case, a leading article, a possessive and spacing do not count."""
    key = unicodedata.normalize("NFKC", name).strip().strip(".,;:!?\"'“”‘’()")
    key = re.sub(r"[’']s$", "", key)
    key = re.sub(r"\s+", " ", key).lower()
    return key[4:] if key.startswith("the ") else key


def normalize_domain(domain_or_url: str) -> str:
    """`https://www.Example.co.uk:443/path?q` -> `example.co.uk`."""
    value = domain_or_url.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = re.split(r"[/?#]", value, maxsplit=1)[0]
    value = value.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    return value[4:] if value.startswith("www.") else value


def url_host(url: str | None) -> str | None:
    """The host of an absolute URL, without "www." (`https://www.ledger.example/a` -> `ledger.example`);
    None for a relative URL or none."""
    if not url:
        return None
    return (urlsplit(url).hostname or "").removeprefix("www.") or None


@dataclass(frozen=True)
class _Cues:
    heads: tuple[tuple[str, ...], ...]
    leading_heads: frozenset[str]
    before: re.Pattern[str]
    after: re.Pattern[str]


class _Gazetteer:
    """The loaded data: domain rows, named outlets, name index and the text-matching patterns."""

    def __init__(self) -> None:
        data = _read("outlets.json")
        self.fields: list[str] = data["fields"]
        self.source_names: list[str] = data["sources"]
        self.rows: dict[str, list[Any]] = data["domains"]
        self.outlets: list[dict[str, Any]] = data["outlets"]
        self.outlet_of_domain: dict[str, int] = {}
        self.outlet_of_name: dict[str, int] = {}
        for i, outlet in enumerate(self.outlets):
            for d in outlet["domains"]:
                self.outlet_of_domain.setdefault(d, i)
            for alias in (outlet["name"], *outlet["aliases"], *outlet["context_aliases"]):
                self.outlet_of_name.setdefault(name_key(alias), i)
            self.outlet_of_name.setdefault(name_key(re.sub(r"\s*\(.*?\)", "", outlet["name"])), i)
        self._profiles: dict[str, OutletProfile] = {}
        self.anywhere = self._alias_pattern([a for o in self.outlets for a in o["aliases"]])
        self.cues = self._load_cues()

    @staticmethod
    def _alias_pattern(aliases: list[str]) -> re.Pattern[str]:
        """One regex over the aliases matched anywhere: case-sensitive, whole words, longest first.

        An alias that starts with "The" needs the article in the text ("The Economist" is not "economist"
        and "The Verge" is not "verge"), but the mention's span leaves the article out.
        """
        with_article: set[str] = set()
        bare: set[str] = set()
        for alias in aliases:
            rest = ARTICLE_RE.sub("", alias)
            (with_article if rest != alias else bare).add(rest)
        def alt(names: set[str]) -> str:
            return "|".join(_phrase(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(
            rf"(?<![\w.-])(?:(?:[Tt]he{_SPACE})(?P<a>{alt(with_article)})|(?P<b>{alt(bare)}))(?![\w-])"
        )

    @staticmethod
    def _load_cues() -> _Cues:
        cues = _read("outlet_cues.json")
        heads = tuple(tuple(h.split()) for h in [*cues["head_words"], *cues["compound_heads"]])

        def phrases(items: list[str]) -> str:
            return "|".join(_phrase(c) for c in sorted(items, key=len, reverse=True))

        return _Cues(
            heads=heads,
            leading_heads=frozenset(cues["leading_head_words"]),
            before=re.compile(rf"(?<!\w)(?:{phrases(cues['cues_before'])}){_SPACE}(?:(?:the|The){_SPACE})?"),
            after=re.compile(rf"(?:[’']s)?{_SPACE}(?:{phrases(cues['cues_after'])})(?!\w)"),
        )

    def profile_of_domain(self, domain: str) -> OutletProfile:
        if domain not in self._profiles:
            i = self.outlet_of_domain.get(domain)
            if i is not None:
                return self.profile_of_outlet(i)
            self._profiles[domain] = self._profile(domain, (), [domain])
        return self._profiles[domain]

    def profile_of_outlet(self, i: int) -> OutletProfile:
        outlet = self.outlets[i]
        key = f"#{i}"
        if key not in self._profiles:
            aliases = tuple(a for a in dict.fromkeys([*outlet["aliases"], *outlet["context_aliases"]])
                            if a != outlet["name"])
            self._profiles[key] = self._profile(outlet["name"], aliases, outlet["domains"])
        return self._profiles[key]

    def _profile(self, name: str, aliases: tuple[str, ...], domains: list[str]) -> OutletProfile:
        # An outlet with several domains (bbc.com, bbc.co.uk) takes each field from the first domain that
        # has it; the domains of one outlet were grouped by hand.
        values: dict[str, Any] = dict.fromkeys(PROFILE_FIELDS)
        mask = 0
        for d in domains:
            row = self.rows.get(d)
            if row is None:
                continue
            for field_name, value in zip(self.fields, row, strict=True):
                if field_name == "sources":
                    mask |= value
                elif values.get(field_name) is None:
                    values[field_name] = value
        sources = tuple(s for bit, s in enumerate(self.source_names) if mask & (1 << bit))
        return OutletProfile(name=name, domain=domains[0] if domains else None, aliases=aliases,
                             sources=sources, **values)


@cache
def _gazetteer() -> _Gazetteer:
    return _Gazetteer()


def load_gazetteer() -> None:
    """Load the outlet tables now instead of on the first lookup (once per process)."""
    _gazetteer()


# -- lookups --------------------------------------------------------------------------------------------


def lookup_domain(domain_or_url: str) -> OutletProfile | None:
    """The profile of a domain or URL, trying parent domains (`edition.cnn.com` -> `cnn.com`)."""
    domain = normalize_domain(domain_or_url)
    gaz = _gazetteer()
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in gaz.outlet_of_domain or candidate in gaz.rows:
            return gaz.profile_of_domain(candidate)
    return None


def lookup_name(name: str) -> OutletProfile | None:
    """The profile of an outlet by a usual name ("the Guardian", "BBC News", "AP") or a domain."""
    key = name_key(name)
    if not key:
        return None
    gaz = _gazetteer()
    i = gaz.outlet_of_name.get(key)
    if i is not None:
        return gaz.profile_of_outlet(i)
    if re.fullmatch(r"[\w-]+(\.[\w-]+)+", key):
        return lookup_domain(key)
    return None


def is_outlet_head(name: str) -> bool:
    """Whether a name ends with a news-outlet head word ("Coastal Ledger", "Xinhua News Agency")."""
    words = tuple(ARTICLE_RE.sub("", name).split())
    cues = _gazetteer().cues
    return bool(words) and (_ends_with_head(words, cues) > 0 or words[0] in cues.leading_heads)


def _ends_with_head(words: tuple[str, ...], cues: _Cues) -> int:
    """How many leading words form a name ending with a head word (0: none); the longest such prefix."""
    for n in range(len(words), 0, -1):
        for head in cues.heads:
            if len(head) <= n and words[n - len(head) : n] == head:
                return n
    return 0


# -- mentions in text -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    text: str


def _name_words_after(text: str, pos: int) -> list[_Word]:
    """The capitalised words of a name starting at `pos` (connectors allowed inside), on one line."""
    words: list[_Word] = []
    for m in _WORD_RE.finditer(text, pos):
        gap = text[(words[-1].end if words else pos) : m.start()]
        if gap.strip() or "\n" in gap or (not words and m.start() != pos):
            break
        word = m.group()
        if not (word[0].isupper() or word[0].isdigit() or word in NAME_CONNECTORS):
            break
        words.append(_Word(m.start(), m.end(), word))
        if len(words) >= MAX_NAME_WORDS + 2:
            break
    while words and words[-1].text in NAME_CONNECTORS:
        words.pop()
    return _strip_possessive(words)


def _name_words_before(text: str, end: int) -> list[_Word]:
    """The capitalised words of a name ending at `end`, read backwards, on one line."""
    # at most the characters MAX_NAME_WORDS words can span: a page that is one 1 MB line read from its start
    # for every cue was quadratic; a word cut at the window's start is one the run never reaches
    line_start = max(text.rfind("\n", 0, end) + 1, end - NAME_LOOKBACK_CHARS)
    words = [_Word(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text, line_start, end)]
    run: list[_Word] = []
    for w in reversed(words):
        after = run[0].start if run else end
        if text[w.end : after].strip():
            break
        if not (w.text[0].isupper() or w.text[0].isdigit() or w.text in NAME_CONNECTORS):
            break
        run.insert(0, w)
        if len(run) >= MAX_NAME_WORDS:
            break
    while run and (run[0].text in NAME_CONNECTORS or run[0].text in ("The", "the")):
        run.pop(0)
    return _strip_possessive(run)


def _strip_possessive(words: list[_Word]) -> list[_Word]:
    if words and re.search(r"[’']s$", words[-1].text):
        w = words[-1]
        words[-1] = _Word(w.start, w.end - 2, w.text[:-2])
    return [w for w in words if w.text]


@dataclass
class _Candidate:
    start: int
    end: int
    name: str
    canonical: str
    profile: OutletProfile | None
    #: found by a full name (gazetteer alias, or a name in a reporting context), not as a short form
    full: bool = True


def _context_candidate(
    text: str, words: list[_Word], gaz: _Gazetteer, *, ends_at_cue: bool
) -> _Candidate | None:
    """The outlet a capitalised run in a reporting context names, if any: a known name or a head word.

    Before a cue ("... reported") the name ends where the run ends; after one ("according to ...") it
    starts where the run starts. The longest known name wins, then the longest name ending in a head word.
    """
    words = words[-MAX_NAME_WORDS:] if ends_at_cue else words[:MAX_NAME_WORDS]
    parts = ([words[i:] for i in range(len(words))] if ends_at_cue
             else [words[:n] for n in range(len(words), 0, -1)])
    texts = tuple(w.text for w in words)
    n = _ends_with_head(texts, gaz.cues)
    if ends_at_cue and n != len(texts):
        n = 0
    if not ends_at_cue and texts and texts[0] in gaz.cues.leading_heads and n <= 1:
        n = len(texts)  # "Radio Free Asia": the head word leads
    for part in parts:
        if part[0].text in NAME_CONNECTORS or part[-1].text in NAME_CONNECTORS:
            continue
        # a known name that is one head word inside a longer head-word name is not that outlet:
        # "Harbor Times" is not "The Times", "Sun Herald" is not "The Sun"
        if len(part) == 1 and n > 1 and _ends_with_head((part[0].text,), gaz.cues):
            continue
        name = text[part[0].start : part[-1].end]
        profile = lookup_name(name)
        if profile is not None:
            return _Candidate(part[0].start, part[-1].end, name, profile.name, profile)
    if n == 0:
        return None
    name = text[words[0].start : words[n - 1].end]
    return _Candidate(words[0].start, words[n - 1].end, name, name, None)


def find_outlet_mentions(text: str, within: Sequence[tuple[int, int]] | None = None) -> list[OutletMention]:
    """Mentions of news outlets in `text`, in order, not overlapping.

    Three kinds: (1) known names (data/outlet_names.json) wherever they appear, ambiguous ones ("RT",
    "the Sun") only in a reporting context; (2) unknown names in a reporting context ("according to the X",
    "told the X", "X reported") whose last word is a news-outlet head word (data/outlet_cues.json);
    (3) short forms of a name found earlier in the text ("the Ledger" after "the Coastal Ledger"), which take
    that name as canonical. Unknown outlets have no profile.

    `within`: (start, end) stretches of the text (a document's structure segments); only mentions inside
    one are returned, while a short form may still resolve to a name found in an earlier stretch.
    """
    gaz = _gazetteer()
    found: list[_Candidate] = []
    for m in gaz.anywhere.finditer(text):
        group = "a" if m.group("a") else "b"
        name = m.group(group)
        profile = lookup_name(name)
        canonical = profile.name if profile else name
        found.append(_Candidate(m.start(group), m.end(group), name, canonical, profile))
    for m in gaz.cues.before.finditer(text):
        candidate = _context_candidate(text, _name_words_after(text, m.end()), gaz, ends_at_cue=False)
        if candidate is not None:
            found.append(candidate)
    for m in re.finditer(r"(?<=\w)(?=(?:[’']s)?[ \t\u00a0]+[a-z])", text):
        if gaz.cues.after.match(text, m.start()) is None:
            continue
        words = _name_words_before(text, m.start())
        candidate = (_context_candidate(text, words, gaz, ends_at_cue=True)
                     if words and words[-1].end == m.start() else None)
        if candidate is not None and candidate.end == m.start():
            found.append(candidate)
    found = _resolve_short_forms(text, _non_overlapping(found))
    found = _non_overlapping(found + _repeated_names(text, found))
    mentions = [OutletMention(c.start, c.end, c.name, c.canonical, c.profile) for c in found]
    return mentions if within is None else _inside(mentions, within)


def document_outlet_mentions(
    doc: Document, within: Sequence[tuple[int, int]] | None = None
) -> list[OutletMention]:
    """`find_outlet_mentions` over a document's text, computed once per document and shared by the stages
    that need it (structure, entities, outlets) through `doc.parses`."""
    mentions = doc.parses.get(OUTLET_MENTIONS_PARSE)
    if mentions is None:
        mentions = doc.parses[OUTLET_MENTIONS_PARSE] = find_outlet_mentions(doc.text)
    return list(mentions) if within is None else _inside(mentions, within)


def _inside(mentions: list[OutletMention], within: Sequence[tuple[int, int]]) -> list[OutletMention]:
    """The mentions that lie inside one of the ranges `within` (sorted by start and not overlapping, as
    segments are: the one range that could hold a mention is found by bisection, not by a scan)."""
    ranges = sorted(within)
    starts = [a for a, _ in ranges]
    out = []
    for m in mentions:
        k = bisect.bisect_right(starts, m.start) - 1
        if k >= 0 and m.end <= ranges[k][1]:
            out.append(m)
    return out


def _non_overlapping(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the longest of overlapping candidates (then the earliest, then a full name over a short form)."""
    chosen: list[_Candidate] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start, not c.full)):
        if all(c.end <= o.start or o.end <= c.start for o in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)


def _is_short_form(short: str, full: str) -> bool:
    """"Ledger" of "Coastal Ledger", "Post" of "The Washington Post": trailing words of a longer name."""
    s, f = name_key(short).split(), name_key(full).split()
    return 0 < len(s) < len(f) and f[-len(s) :] == s


def _resolve_short_forms(text: str, found: list[_Candidate]) -> list[_Candidate]:
    """A candidate naming only the end of an earlier full name ("the Ledger") takes that name's identity."""
    out: list[_Candidate] = []
    for c in found:
        earlier = [o for o in out if o.full and o.start < c.start and _is_short_form(c.name, o.canonical)]
        if earlier:
            o = earlier[-1]
            c = _Candidate(c.start, c.end, c.name, o.canonical, o.profile, full=False)
        out.append(c)
    return out


def _repeated_names(text: str, found: list[_Candidate]) -> list[_Candidate]:
    """Later mentions, anywhere in the text, of the outlets already found: their names and short forms.

    A name found once in a reporting context ("according to the Coastal Ledger") is an outlet wherever it
    appears again; a short form needs its article ("the Ledger"), after the full name, to be read as it.
    """
    extra: list[_Candidate] = []
    seen: dict[str, _Candidate] = {}
    for c in found:
        if c.full:
            seen.setdefault(c.name, c)
    # All names in one pattern, all short forms in another: one pass over the text each, not one per name
    # (on a 10 MB page with hundreds of outlets, a pass per name was most of the time).
    # An unknown outlet's name again, wherever it appears (a known outlet's names were all matched already,
    # and its ambiguous ones must stay in a reporting context).
    names = {" ".join(name.split()): first for name, first in seen.items() if first.profile is None}
    shorts: dict[str, list[_Candidate]] = {}
    for first in seen.values():
        words = name_key(first.canonical).split()
        original = ARTICLE_RE.sub("", re.sub(r"\s*\(.*?\)", "", first.canonical)).split()
        if len(original) != len(words):
            continue
        for k in range(1, len(original)):
            short = " ".join(original[k:])
            if not short[0].islower():
                shorts.setdefault(short, []).append(first)
    if names:
        alternatives = "|".join(_phrase(n) for n in sorted(names, key=len, reverse=True))
        for m in re.finditer(rf"(?<![\w-])(?:{alternatives})(?![\w-])", text):
            first = names[" ".join(m.group().split())]
            extra.append(_Candidate(m.start(), m.end(), m.group(), first.canonical, first.profile))
    if shorts:
        alternatives = "|".join(_phrase(s) for s in sorted(shorts, key=len, reverse=True))
        for m in re.finditer(rf"(?<![\w-])(?:[Tt]he{_SPACE})({alternatives})(?![\w-])", text):
            for first in shorts[" ".join(m.group(1).split())]:
                if m.start(1) > first.start:
                    extra.append(_Candidate(m.start(1), m.end(1), m.group(1), first.canonical, first.profile,
                                            full=False))
    return extra
