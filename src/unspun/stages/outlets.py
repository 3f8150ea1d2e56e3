"""The outlets stage: every mention of a news outlet, its reliability profile where the data knows it, and
the list of outlets the page names or republishes.

Mentions come from the gazetteer (known names, outlet-like names in reporting contexts, short forms) and
from ORG entities whose name the gazetteer knows. A quoted passage's outlet (structure attr `outlet`, or
its cite URL) is listed in `doc.summary["outlets"]` with `carries_quoted: true` even when the text never
names it. The page's own outlet (`doc.site`, `doc.url`) goes to `doc.summary["site_outlet"]`. Profile
fields are those of the data (MBFC, golden-truth label) and left out where unknown, never guessed.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from unspun.document import ENTITIES, OUTLETS, QUOTED, STRUCTURE, Document, Span
from unspun.gazetteer import (
    OutletProfile,
    document_outlet_mentions,
    load_gazetteer,
    lookup_domain,
    lookup_name,
    name_key,
    normalize_domain,
)
from unspun.pipeline import Stage, register_stage

LABEL = "outlet"
# Two outlet names are forms of one outlet when one begins the other and both are at least this long.
MIN_FORM_CHARS = 4
# Entity labels that may name an outlet: spaCy tags outlets ORG, and sometimes PRODUCT ("Ledger").
OUTLET_ENTITY_LABELS = frozenset({"ORG"})


@dataclass(frozen=True, slots=True)
class OutletSpan:
    start: int
    end: int
    canonical: str
    domain: str | None
    profile: OutletProfile | None


@dataclass(slots=True)
class OutletSummary:
    """One outlet of the page: how often it is named, and whether a quoted passage is its reporting."""

    canonical: str
    domain: str | None
    profile: OutletProfile | None
    mentions: int = 0
    carries_quoted: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"canonical": self.canonical, "domain": self.domain}
        out.update(_profile_fields(self.profile))
        out["mentions"] = self.mentions
        out["carries_quoted"] = self.carries_quoted
        return out


@dataclass(frozen=True, slots=True)
class SiteOutlet:
    """The page's own outlet: what the page says it is (`site`), and what the data knows of it."""

    name: str | None
    domain: str | None
    profile: OutletProfile | None

    def to_dict(self) -> dict[str, Any]:
        name = self.profile.name if self.profile else self.name
        out: dict[str, Any] = {"canonical": name, "domain": self.domain}
        out.update(_profile_fields(self.profile))
        return out


@dataclass
class OutletsResult:
    spans: list[OutletSpan] = field(default_factory=list)
    outlets: list[OutletSummary] = field(default_factory=list)
    site: SiteOutlet | None = None


def _profile_fields(profile: OutletProfile | None) -> dict[str, Any]:
    if profile is None:
        return {}
    return {**profile.fields(), "sources": list(profile.sources)}


def _same_outlet(key: str, outlets: dict[str, OutletSummary]) -> str:
    """The row of `outlets` that a passage's outlet name is another form of ("KGUN 9" of "KGUN", "the
    Coastal Ledger" of "Coastal Ledger"): one row per outlet, whichever form each place wrote."""
    if key in outlets:
        return key
    compact = key.replace(" ", "")
    for other in outlets:
        o = other.replace(" ", "")
        if min(len(o), len(compact)) >= MIN_FORM_CHARS and (o.startswith(compact) or compact.startswith(o)):
            return other
    return key


def _looks_like_domain(value: str) -> bool:
    return "." in value and " " not in value.strip()


def _url_domain(url: str | None) -> str | None:
    if not url:
        return None
    domain = normalize_domain(url)
    return domain if "." in domain else None


def site_outlet(doc: Document) -> SiteOutlet | None:
    """The page's own outlet from `doc.site` (a name or a domain) and `doc.url`; None when neither is set."""
    if not doc.site and not doc.url:
        return None
    profile = None
    domain = _url_domain(doc.url)
    if doc.site:
        profile = lookup_domain(doc.site) if _looks_like_domain(doc.site) else lookup_name(doc.site)
        if domain is None and _looks_like_domain(doc.site):
            domain = normalize_domain(doc.site)
    if profile is None and domain:
        profile = lookup_domain(domain)
    return SiteOutlet(doc.site, profile.domain if profile and not domain else domain, profile)


def find_outlets(doc: Document) -> OutletsResult:
    """The outlet mentions of a document, and the summary list of its outlets (see the module docstring)."""
    structure = sorted(doc.layers.get(STRUCTURE) or [], key=lambda s: (s.start, -s.end))
    within = [(s.start, s.end) for s in structure] or [(0, len(doc.text))]
    spans = [
        OutletSpan(m.start, m.end, m.canonical, m.profile.domain if m.profile else None, m.profile)
        for m in document_outlet_mentions(doc, within=within)
    ]
    # the gazetteer's mentions do not overlap (nor do entities): an entity overlaps one of them only if it
    # overlaps its neighbour by start, found by bisection (a scan per entity was quadratic on huge pages)
    found = sorted((s.start, s.end) for s in spans)
    found_starts = [a for a, _ in found]
    for ent in doc.layers.get(ENTITIES) or []:
        if ent.label not in OUTLET_ENTITY_LABELS:
            continue
        k = bisect.bisect_left(found_starts, ent.end)
        if k > 0 and found[k - 1][1] > ent.start:
            continue
        profile = lookup_name(doc.span_text(ent)) or lookup_name(str(ent.attrs.get("canonical", "")))
        if profile is not None:
            spans.append(OutletSpan(ent.start, ent.end, profile.name, profile.domain, profile))
    spans.sort(key=lambda s: s.start)

    outlets: dict[str, OutletSummary] = {}
    for s in spans:
        entry = outlets.setdefault(name_key(s.canonical), OutletSummary(s.canonical, s.domain, s.profile))
        entry.mentions += 1
    cited_domains: dict[str, str] = {}
    for q in structure:
        if q.label != QUOTED:
            continue
        name, url = q.attrs.get("outlet"), q.attrs.get("url")
        url_domain = _url_domain(url)
        profile = (lookup_name(name) if name else None) or (lookup_domain(url) if url else None)
        canonical = profile.name if profile else (name or url_domain)
        if not canonical:
            continue
        key = _same_outlet(name_key(canonical), outlets)
        domain = url_domain or (profile.domain if profile else None)
        carrier = outlets.setdefault(key, OutletSummary(canonical, domain, profile))
        carrier.carries_quoted = True
        if carrier.domain is None and url_domain:
            # the page links this outlet's name to its site: its domain is known from the page itself
            carrier.domain = url_domain
        if url_domain:
            cited_domains.setdefault(key, url_domain)
    spans = [
        OutletSpan(
            s.start, s.end, s.canonical, s.domain or cited_domains.get(name_key(s.canonical)), s.profile
        )
        for s in spans
    ]
    return OutletsResult(spans, list(outlets.values()), site_outlet(doc))


@register_stage
class OutletsStage(Stage[OutletsResult]):
    name = "outlets"
    requires = (STRUCTURE, ENTITIES)
    assigns = (OUTLETS,)

    def initialize(self) -> None:
        load_gazetteer()

    def predict(self, doc: Document) -> OutletsResult:
        return find_outlets(doc)

    def set_annotations(self, doc: Document, result: OutletsResult) -> None:
        layer = doc.layer(OUTLETS)
        for s in result.spans:
            attrs: dict[str, Any] = {"canonical": s.canonical, "domain": s.domain}
            if s.profile is not None:
                attrs.update(s.profile.fields())
            layer.append(Span(s.start, s.end, LABEL, attrs=attrs, stage=self.name))
        doc.summary["outlets"] = [o.to_dict() for o in result.outlets]
        doc.summary["site_outlet"] = result.site.to_dict() if result.site else None
