"""Screenshots of key pages at phone and desktop widths (``make screenshots``).

Usage: python scripts/screenshots.py BASE_URL OUTPUT_DIR [PATH ...]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
DEFAULT_PATHS = ["/", "/gdansk/", "/account/login", "/account/register", "/api/v1/docs"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def slug(path: str) -> str:
    return path.strip("/").replace("/", "_") or "front"


def main(base_url: str, output: str, paths: list[str]) -> None:
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (width, height) in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            for path in paths:
                page.goto(base_url.rstrip("/") + path)
                target = out / f"{slug(path)}-{name}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:] or DEFAULT_PATHS)
