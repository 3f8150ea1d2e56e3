"""Screenshot of a corpus report (docs/corpus-report.png) in Debian's Chromium through Playwright.

    unspun corpus CRAWL --out run/ && unspun report run/
    .venv/bin/python tools/report_screenshot.py run/report.html docs/corpus-report.png [--height 1500]

The top of the page (the overview, the hate rates per site and the first outlets) at 1100 pixels wide.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--height", type=int, default=1500, help="pixels from the top of the page")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": args.height})
        page.goto(args.report.resolve().as_uri())
        page.screenshot(path=str(args.png), clip={"x": 0, "y": 0, "width": 1100, "height": args.height})
        browser.close()
    print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
