"""Screenshots of the key pages at phone and desktop widths (``make screenshots``).

Serves the app (instance database with the demo data) on a free local port in this process,
signs in where a page needs an official, and drives Debian's Chromium (/usr/bin/chromium)
through Playwright; nothing is downloaded.

Usage: python scripts/screenshots.py OUTPUT_DIR [--base-url URL]
"""
from __future__ import annotations

import argparse
import socket
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
DEMO_PASSWORD = "demo-password"
#: (file name, path, who is signed in)
PAGES = [
    ("front", "/", None),
    ("municipality", "/gdansk/", None),
    ("register", "/account/register", None),
    ("api-docs", "/api/v1/docs", None),
    ("office", "/gdansk/office/", "admin.gdansk@example.org"),
    ("officials", "/gdansk/office/members", "admin.gdansk@example.org"),
    # The demo's past Gdańsk edition (the first one loaded) and its city-wide pool.
    ("results", "/gdansk/editions/1/results/", None),
    ("results-pool", "/gdansk/editions/1/results/pools/1", None),
    ("results-what-if", "/gdansk/office/editions/1/results/what-if", "admin.gdansk@example.org"),
    ("api-tokens", "/gdansk/office/api-tokens/", "admin.gdansk@example.org"),
    ("two-factor", "/account/two-factor", "admin.gdansk@example.org"),
]


def serve_app() -> str:
    from pb_service import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def sign_in(context, base_url: str, email: str) -> None:
    """Password, then the code from the demo official's fixed authenticator key."""
    import pyotp

    from pb_service.demo import demo_totp_secret

    page = context.new_page()
    page.goto(f"{base_url}/account/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_load_state()
    if page.url.endswith("/account/login/code"):
        page.fill("#code", pyotp.TOTP(demo_totp_secret(email)).now())
        page.click("#submit")
        page.wait_for_load_state()
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output")
    parser.add_argument("--base-url", help="an already running server (default: serve the app here)")
    args = parser.parse_args()
    base_url = args.base_url or serve_app()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Each account signs in once: a code from the app is good only once.
        states = {}
        for who in {who for _name, _path, who in PAGES if who}:
            context = browser.new_context(locale="pl-PL")
            sign_in(context, base_url, who)
            states[who] = context.storage_state()
            context.close()
        for width_name, (width, height) in WIDTHS.items():
            contexts = {}
            for name, path, who in PAGES:
                if who not in contexts:
                    contexts[who] = browser.new_context(
                        viewport={"width": width, "height": height}, locale="pl-PL", storage_state=states.get(who)
                    )
                page = contexts[who].new_page()
                page.goto(base_url + path)
                target = output / f"{name}-{width_name}.png"
                page.screenshot(path=str(target), full_page=True)
                page.close()
                print(target)
            for context in contexts.values():
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
