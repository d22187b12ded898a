"""Take the screenshots in docs/screenshots/ from a real import of the corpus.

    make screenshots            # or: .venv/bin/python scripts/screenshots.py [CORPUS]

Imports every ICE list of the corpus ($TIDEWATCH_CORPUS, else ../shared/data)
into a throw-away data folder, serves it with gunicorn, and photographs the
home page, a county page and an agency page with Debian's chromium (never a
downloaded browser).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tidewatch.site import chromium
from tidewatch.site.corpus_site import default_corpus, load_corpus, serve

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
# (file name, path, what to wait for[, where to start]): Charleston County,
# SC, and its sheriff's office, both on ICE's lists. Pages longer than
# MAX_HEIGHT (a document with the text of every page) are cut there: the top
# is the point, or the element named by the fourth item (a page's section).
SHOTS = [
    ("home-en.png", "/en/", "svg[data-ready='true']"),
    ("home-es.png", "/es/", "svg[data-ready='true']"),
    ("county-en.png", "/en/county/45019/", "h1"),
    ("agency-en.png", "/en/agency/{agency}/", "h1"),
    # Sweetwater County, WY's MOA: a scan read by OCR.
    ("document-en.png", "/en/documents/{document}/", "h1"),
    ("document-es.png", "/es/documents/{document}/", "h1"),
    ("document-search-en.png", "/en/search/documents/?q=%22field+office%22", "h1"),
    # What it costs: Etowah County, AL (a jail agreement and two task forces).
    ("costs-en.png", "/en/county/01055/", "h1", "#costs"),
    ("costs-es.png", "/es/county/01055/", "h1", "#costs"),
    ("cost-methods-en.png", "/en/about/costs/", "h1"),
]
MOAS = ("WYOMING__SweetwaterCounty_JEM_MOA_030725.pdf",)
MAX_HEIGHT = 2400  # pixels; keeps every screenshot well under 1 MiB


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else default_corpus()
    browser_path = chromium.executable()
    if not browser_path:
        print("chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tidewatch-shots-") as folder:
        data_dir = Path(folder)
        print(f"importing {corpus} ...")
        load_corpus(corpus, data_dir, documents=MOAS)
        with serve(data_dir) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=browser_path, args=chromium.ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            agencies = page.request.get(
                f"{url}/api/agencies", params={"state": "SC", "limit": 1000}
            ).json()["results"]
            sheriff = "Charleston County Sheriff"
            agency = next(a["id"] for a in agencies if a["name"].startswith(sheriff))
            document = page.request.get(
                f"{url}/api/documents/search", params={"q": "Sweetwater"}
            ).json()["results"][0]["document_id"]
            for name, path, ready, *start in SHOTS:
                page.goto(url + path.format(agency=agency, document=document))
                page.wait_for_selector(ready)
                height = page.evaluate("document.documentElement.scrollHeight")
                top = 0
                if start:
                    box = page.locator(start[0]).bounding_box()
                    top = int(box["y"]) if box else 0
                clip = {
                    "x": 0,
                    "y": top,
                    "width": 1280,
                    "height": min(height - top, MAX_HEIGHT),
                }
                page.screenshot(path=OUT / name, full_page=True, clip=clip)
                print(f"wrote {(OUT / name).relative_to(REPO)}")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
