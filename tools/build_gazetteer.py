"""Build src/unspun/data/outlets.json from the Idiap News-Media-Reliability data and our outlet names.

Usage: python tools/build_gazetteer.py [--data ../shared/data/media-reliability] [--out PATH]

The reliability data is keyed by domain (mbfc.csv `source`, golden_truth_dataset.csv `domain`,
newsguard.csv, wikipedia_perennial_sources.json); names come from our hand-written outlet_names.json and,
where they agree with their domain, from the NELA-GT 2018 labels file. Nothing is invented: a field no file
gives stays null, and a field that two rows of one file give differently (one domain, two outlets) is null.
The output is committed; rerun this tool when the data or the names change.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "src" / "unspun" / "data"
NAMES_FILE = DATA_DIR / "outlet_names.json"

# The order fixes the bit of each source in the `sources` bitmask of outlets.json.
SOURCES = ("mbfc", "golden_truth", "newsguard", "wikipedia_perennial", "nela_gt_2018", "outlet_names")
FIELDS = ("factual_reporting", "bias", "credibility", "reliability", "country")

# MBFC spells a few values two ways; these are the same rating.
VALUE_SPELLINGS = {"far-right": "far right", "mediumtraffic": "medium traffic"}
# A NELA name is kept only when its letters are its domain's label, give or take one of these words
# (the file also pairs some domains with another outlet's name: itnews.com.au -> "Intellihub").
NAME_SUFFIXES = ("news", "blog", "mag", "magazine", "report", "online", "tv", "uk", "usa")


def norm_domain(value: str) -> str:
    value = value.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0].split(":", 1)[0].rstrip(".")
    return value[4:] if value.startswith("www.") else value


def clean(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    value = re.sub(r"\s*\(.*?\)\s*", " ", value).strip()  # "usa (44/180 press freedom)" -> "usa"
    if not value or value in ("unknown", "n/a", "not rated"):
        return None
    return VALUE_SPELLINGS.get(value, value)


def credibility(value: str | None) -> str | None:
    value = clean(value)
    return value.removesuffix(" credibility") if value else None


class Table:
    """domain -> field values and the set of sources that spoke about it; disagreeing rows give None."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, object]] = {}
        self.sources: dict[str, set[str]] = {}
        self._conflicts: set[tuple[str, str]] = set()

    def see(self, domain: str, source: str, **fields: object) -> None:
        domain = norm_domain(domain)
        if not domain or "." not in domain:
            return
        self.sources.setdefault(domain, set()).add(source)
        row = self.values.setdefault(domain, {})
        for name, value in fields.items():
            if value is None or (domain, name) in self._conflicts:
                continue
            if name in row and row[name] != value:
                self._conflicts.add((domain, name))
                row[name] = None
            else:
                row[name] = value


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_table(data: Path) -> Table:
    table = Table()
    for r in read_csv(data / "mbfc.csv"):
        table.see(r["source"], "mbfc", factual_reporting=clean(r["factual_reporting"]), bias=clean(r["bias"]),
                  credibility=credibility(r["mbfc_credibility_rating"]), country=clean(r["country"]))
    for r in read_csv(data / "golden_truth_dataset.csv"):
        label = r["reliability_label"].strip()
        table.see(r["domain"], "golden_truth", reliability=int(label) if label else None)
    for r in read_csv(data / "newsguard.csv"):
        table.see(r["domain"], "newsguard")
    perennial = json.loads((data / "wikipedia_perennial_sources.json").read_text("utf-8"))
    for domain in perennial:
        table.see(domain, "wikipedia_perennial")
    return table


def name_fits_domain(name: str, domain: str) -> bool:
    letters = re.sub(r"[^a-z0-9]", "", name.lower()).removeprefix("the")
    label = domain.split(".")[0].removeprefix("the")
    if not letters or not label:
        return False
    if letters == label:
        return True
    longer, shorter = (letters, label) if len(letters) > len(label) else (label, letters)
    return longer.startswith(shorter) and longer[len(shorter):] in NAME_SUFFIXES


def outlet_entry(name: str, domains: list[str], aliases: list[str], context: list[str]) -> dict[str, object]:
    # The display name is matched in text too, unless it is ambiguous (then it is a context alias) or
    # carries a disambiguating note in parentheses that no text would contain.
    matched = [] if name in context or "(" in name else [name]
    return {
        "name": name,
        "domains": domains,
        "aliases": list(dict.fromkeys([*matched, *aliases])),
        "context_aliases": list(dict.fromkeys(context)),
    }


def build(data: Path) -> dict[str, object]:
    table = load_table(data)
    hand = json.loads(NAMES_FILE.read_text("utf-8"))["outlets"]
    outlets = []
    covered: set[str] = set()
    for o in hand:
        domains = [norm_domain(d) for d in o["domains"]]
        covered.update(domains)
        outlets.append(outlet_entry(o["name"], domains, o.get("aliases", []), o.get("context_aliases", [])))
        for d in domains:
            table.sources.setdefault(d, set()).add("outlet_names")
            table.values.setdefault(d, {})
    kept = dropped = 0
    for r in read_csv(data / "labels_nela_gt+domain(2018).csv"):
        domain, name = norm_domain(r["domain"]), r["Source"].strip()
        if not domain or domain in covered or not name:
            continue
        if not name_fits_domain(name, domain):
            dropped += 1
            continue
        kept += 1
        covered.add(domain)
        table.see(domain, "nela_gt_2018")
        # Names not checked by hand ("Hot Air", "Live Action") match in text only in a reporting context.
        outlets.append(outlet_entry(name, [domain], [], [name]))
    print(f"NELA names: kept {kept}, dropped {dropped} that do not match their domain", file=sys.stderr)
    domains = {}
    for domain in sorted(table.sources):
        row = table.values.get(domain, {})
        mask = sum(1 << SOURCES.index(s) for s in table.sources[domain])
        domains[domain] = [row.get(f) for f in FIELDS] + [mask]
    return {
        "about": "Generated by tools/build_gazetteer.py from Idiap News-Media-Reliability (Apache-2.0, see "
                 "NOTICE-media-reliability.md) and outlet_names.json. Do not edit by hand.",
        "fields": [*FIELDS, "sources"],
        "sources": list(SOURCES),
        "domains": domains,
        "outlets": outlets,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/media-reliability"),
                        help="folder of the News-Media-Reliability files (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DATA_DIR / "outlets.json")
    args = parser.parse_args(argv)
    if not (args.data / "mbfc.csv").is_file():
        print(f"error: no mbfc.csv in {args.data}; point --data at the media-reliability folder",
              file=sys.stderr)
        return 2
    result = build(args.data)
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    # One domain or outlet a line keeps diffs readable at almost no cost in size.
    text = text.replace('],"', '],\n"').replace('},{"name"', '},\n{"name"')
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(result['domains'])} domains, {len(result['outlets'])} named outlets, "
          f"{len(text) // 1024} KB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
