"""The aggregate report of a corpus run: one offline HTML page (inline CSS and SVG, nothing fetched).

Every section is a DuckDB query over the tables and appears only when its layer has rows: hate rates per site
in articles vs comments (``hate``), the technique profile per site (``propaganda``), most-cited outlets and
the citation graph (``outlets``), most-quoted speakers (``quotes``). The layer overview lists every layer and
label found in the spans table, so a layer added later shows up without a change here. All text from the
crawl is escaped.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

from unspun.corpus import svg
from unspun.corpus.plan import Plan
from unspun.corpus.query import connect
from unspun.corpus.writer import done_results

#: rows in the "most ..." tables and plots
TOP = 25
#: edges drawn in the citation graph (the strongest); more make it unreadable
GRAPH_EDGES = 40
#: page-size bins (characters of analysed text), upper bounds
SIZE_BINS = (500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000)
UNKNOWN_SITE = "(unknown site)"
CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-size:.9em}.stats{display:flex;gap:1.5em;flex-wrap:wrap}
.stat{background:#f6f8fa;padding:.6em 1em;border-radius:6px}.stat b{display:block;font-size:1.4em}
svg{max-width:100%;height:auto;display:block;margin:.5em 0}
"""


def _site(value: Any) -> str:
    return str(value) if value else UNKNOWN_SITE


def _cell(value: Any) -> str:
    if value is None:
        return "<td class=n>–</td>"
    if isinstance(value, float):
        return f"<td class=n>{value:.3f}</td>"
    if isinstance(value, int):
        return f"<td class=n>{value:,}</td>"
    return f"<td>{escape(str(value))}</td>"


def table(columns: list[str], rows: list[tuple[Any, ...]] | list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class Report:
    """Builds the sections of one run's report from its DuckDB views."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.con = connect(out)
        self.plan = Plan.load(out)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def has_layer(self, layer: str) -> bool:
        return bool(self.rows(f"SELECT EXISTS (SELECT 1 FROM spans WHERE layer = '{layer}')")[0][0])

    def build(self) -> str:
        sections = [self.overview(), self.hate(), self.techniques(), self.outlets(), self.speakers(),
                    self.sites(), self.layers(), self.sizes_and_languages(), self.errors()]
        body = "".join(s for s in sections if s)
        return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
                "<meta name=viewport content='width=device-width, initial-scale=1'>"
                f"<title>unspun corpus report: {escape(str(self.out))}</title><style>{CSS}</style></head>"
                f"<body><h1>unspun corpus report</h1>{body}</body></html>")

    def overview(self) -> str:
        docs, sites, chars, comments = self.rows(
            "SELECT count(*), count(DISTINCT site), coalesce(sum(chars), 0), coalesce(sum(comments), 0) "
            "FROM documents")[0]
        errors = self.rows("SELECT count(*) FROM errors")[0][0]
        done = len(done_results(self.out))
        stats = [("records", docs + errors), ("documents", docs), ("errors", errors), ("sites", sites),
                 ("comments", comments), ("characters", chars)]
        cards = "".join(f"<div class=stat><b>{n:,}</b>{escape(label)}</div>" for label, n in stats)
        state = ("" if done == len(self.plan.shards) else
                 f"<p class=note><b>Incomplete run:</b> {done} of {len(self.plan.shards)} shards done; "
                 "resume it with <code>unspun corpus … --resume</code>.</p>")
        inputs = ", ".join(escape(i) for i in self.plan.inputs)
        return (f"<p class=note>Inputs: {inputs}. Stages: {escape(', '.join(self.plan.stages))}. "
                f"Shards: {done} of {len(self.plan.shards)}.</p>{state}<div class=stats>{cards}</div>")

    def sites(self) -> str:
        rows = self.rows(
            "SELECT site, count(*) AS documents, sum(comments), round(avg(chars))::BIGINT, "
            "string_agg(DISTINCT language, ', ' ORDER BY language) FROM documents GROUP BY site "
            f"ORDER BY documents DESC, site LIMIT {TOP}")
        if not rows:
            return ""
        lines = [[_site(site), *rest] for site, *rest in rows]
        return ("<h2>Sites</h2><p class=note>A record's site is its own <code>site</code> field (JSONL), "
                "else the outlet the page names, else its URL's host.</p>"
                + table(["site", "documents", "comments", "mean characters", "languages"], lines))

    def layers(self) -> str:
        rows = self.rows(
            "SELECT layer, label, count(*) AS spans, count(DISTINCT id) AS documents, "
            "avg(CASE WHEN section = 'comments' THEN 1.0 ELSE 0.0 END) AS in_comments "
            "FROM spans GROUP BY layer, label ORDER BY layer, spans DESC")
        if not rows:
            return ""
        return ("<h2>Layers</h2><p class=note>Every layer and label in the spans table: spans, documents "
                "with at least one, and the share of spans in comments.</p>"
                + table(["layer", "label", "spans", "documents", "share in comments"], rows))

    def hate(self) -> str:
        if not self.has_layer("hate"):
            return ""
        rows = self.rows(
            "SELECT site, section, count(*), count(*) FILTER (WHERE label = 'hate'), "
            "count(*) FILTER (WHERE label = 'offensive') FROM spans WHERE layer = 'hate' GROUP BY ALL")
        by_site: dict[str, dict[str, tuple[int, int, int]]] = defaultdict(dict)
        for site, section, units, hate, offensive in rows:
            by_site[_site(site)][section] = (units, hate, offensive)
        ordered = sorted(by_site.items(), key=lambda kv: -sum(v[0] for v in kv[1].values()))[:TOP]
        lines, plot_rows = [], []
        for site, sections in ordered:
            a, c = sections.get("article", (0, 0, 0)), sections.get("comments", (0, 0, 0))
            rates = [_rate(a[1] + a[2], a[0]), _rate(c[1] + c[2], c[0])]
            plot_rows.append((site, rates))
            lines.append([site, a[0], _rate(a[1], a[0]), _rate(a[2], a[0]), c[0], _rate(c[1], c[0]),
                          _rate(c[2], c[0])])
        plot = svg.paired_bars(plot_rows, ["articles", "comments"],
                               title="Share of units labelled hate or offensive, per site")
        return ("<h2>Hate and offensive language per site</h2><p class=note>Units are the hate layer's "
                "sentences (articles) and comments; a rate is the share of units so labelled. A dash: the "
                "site has no such units.</p>" + plot
                + table(["site", "article units", "hate", "offensive", "comment units", "hate", "offensive"],
                        lines))

    def techniques(self) -> str:
        if not self.has_layer("propaganda"):
            return ""
        rows = self.rows("SELECT site, label, count(*) FROM spans WHERE layer = 'propaganda' GROUP BY ALL")
        labels = sorted({label for _, label, _ in rows})
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for site, label, n in rows:
            counts[_site(site)][label] = n
        docs = dict(self.rows("SELECT coalesce(site, ''), count(*) FROM documents GROUP BY 1"))
        ordered = sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))[:TOP]
        lines = [[site, docs.get("" if site == UNKNOWN_SITE else site, 0), *[c.get(lb, 0) for lb in labels]]
                 for site, c in ordered]
        totals = self.rows("SELECT label, count(*) FROM spans WHERE layer = 'propaganda' GROUP BY 1 "
                           "ORDER BY 2 DESC")
        return ("<h2>Persuasion techniques per site</h2>"
                + svg.bar_chart([(str(a), float(b)) for a, b in totals], title="Technique spans, all sites")
                + table(["site", "documents", *labels], lines))

    def outlets(self) -> str:
        if not self.rows("SELECT EXISTS (SELECT 1 FROM documents, json_each(summary->'outlets'))")[0][0]:
            return ""
        cited = ("SELECT d.id, d.site, o.value->>'canonical' AS outlet, o.value AS profile, "
                 "coalesce((o.value->>'mentions')::INT, 0) AS mentions "
                 "FROM documents d, json_each(d.summary->'outlets') o")
        rows = self.rows(
            f"SELECT outlet, any_value(profile->>'domain'), any_value(profile->>'factual_reporting'), "
            f"any_value(profile->>'reliability'), any_value(profile->>'bias'), count(DISTINCT id) AS docs, "
            f"count(DISTINCT coalesce(site, '')), sum(mentions) FROM ({cited}) GROUP BY outlet "
            f"ORDER BY docs DESC, outlet LIMIT {TOP}")
        edges = self.rows(
            f"SELECT coalesce(site, '{UNKNOWN_SITE}'), outlet, count(DISTINCT id) AS docs FROM ({cited}) "
            f"WHERE outlet IS NOT NULL GROUP BY ALL ORDER BY docs DESC LIMIT {GRAPH_EDGES}")
        return ("<h2>Most-cited outlets</h2><p class=note>Outlets a page names or republishes (a quoted "
                "passage's outlet counts even when the text does not name it). Reliability fields come from "
                "the shipped outlet data and are blank where it does not know the outlet.</p>"
                + svg.bar_chart([(str(r[0]), float(r[5])) for r in rows],
                                title="Documents citing each outlet")
                + table(["outlet", "domain", "factual reporting", "reliability", "bias", "documents", "sites",
                         "mentions"], rows)
                + "<h2>Citation graph: site → outlet</h2><p class=note>Line width: documents of the site "
                  f"that cite the outlet (the {GRAPH_EDGES} strongest links).</p>"
                + svg.bipartite([(str(a), str(b), float(n)) for a, b, n in edges],
                                title="Citation graph from sites to the outlets they cite"))

    def speakers(self) -> str:
        if not self.has_layer("quotes"):
            return ""
        rows = self.rows(
            "SELECT attrs->'speaker'->>'text' AS speaker, count(*) AS quotes, count(DISTINCT id), "
            "count(DISTINCT site), string_agg(DISTINCT label, ', ') FROM spans WHERE layer = 'quotes' "
            f"AND speaker IS NOT NULL GROUP BY speaker ORDER BY quotes DESC, speaker LIMIT {TOP}")
        if not rows:
            return ""
        return ("<h2>Most-quoted speakers</h2>"
                + svg.bar_chart([(str(r[0]), float(r[1])) for r in rows], title="Quotes per speaker")
                + table(["speaker", "quotes", "documents", "sites", "kinds"], rows))

    def sizes_and_languages(self) -> str:
        sizes = self.rows("SELECT chars FROM documents")
        if not sizes:
            return ""
        counts = [0] * (len(SIZE_BINS) + 1)
        for (chars,) in sizes:
            counts[next((k for k, bound in enumerate(SIZE_BINS) if chars < bound), len(SIZE_BINS))] += 1
        names = [f"<{SIZE_BINS[0]:,}"] + [f"{a // 1000 or a:,}{'k' if a >= 1000 else ''}–{b // 1000}k"
                                          for a, b in zip(SIZE_BINS, SIZE_BINS[1:], strict=False)]
        names.append(f"≥{SIZE_BINS[-1] // 1000}k")
        languages = self.rows("SELECT coalesce(language, '?'), count(*) FROM documents GROUP BY 1 "
                              f"ORDER BY 2 DESC LIMIT {TOP}")
        return ("<h2>Page sizes</h2><p class=note>Characters of analysed text per document.</p>"
                + svg.columns(list(zip(names, map(float, counts), strict=True)), title="Documents by size")
                + "<h2>Languages</h2>"
                + svg.bar_chart([(str(a), float(b)) for a, b in languages], title="Documents by language"))

    def errors(self) -> str:
        reasons = self.rows("SELECT reason, count(*) FROM errors GROUP BY 1 ORDER BY 2 DESC")
        if not reasons:
            return "<h2>Errors</h2><p>None: every input record was analysed.</p>"
        sample = self.rows(f"SELECT location, reason, message FROM errors ORDER BY location LIMIT {TOP}")
        return ("<h2>Errors by reason</h2>"
                + svg.bar_chart([(str(a), float(b)) for a, b in reasons], title="Error records by reason")
                + table(["reason", "records"], reasons)
                + f"<p class=note>The first {len(sample)} (all of them: <code>unspun query DIR "
                  "\"SELECT * FROM errors\"</code>):</p>" + table(["location", "reason", "message"], sample))


def build_report(out: str | Path) -> str:
    """The HTML of the aggregate report of the run in `out`."""
    return Report(Path(out)).build()
