"""Takes a screenshot of each URL given on the command line."""
import sys

from playwright.sync_api import sync_playwright


def main(urls):
    with sync_playwright() as p:
        browser = p.chromium.launch()
        page = browser.new_page()
        for i, url in enumerate(urls):
            page.goto(url)
            page.screenshot(path=f"/tmp/shot-{i}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:] or ["https://example.com"])
