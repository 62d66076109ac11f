"""`/docs` and `/redoc` as a browser sees them, with no network but loopback: everything they
load comes from the service, and they work under their Content-Security-Policy.

The browser part needs Debian's `chromium` (`.ci/run` installs it) and Playwright (a dev
dependency, which drives that Chromium; no browser is downloaded)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

from tests.system.conftest import Server, serve, wait_ready

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("UPSKILL_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png", "swagger-init.js")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSKILL_")}
    env.update(UPSKILL_ENV="test", UPSKILL_STORAGE="memory", UPSKILL_DATA_DIR=str(tmp_path_factory.mktemp("data")))
    with serve(env, tmp_path_factory.mktemp("logs")) as running:
        wait_ready(running)
        yield running


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_pages_load_nothing_from_elsewhere_and_send_a_strict_policy(server: Server, page: str) -> None:
    response = httpx.get(server.base_url + page, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert EXTERNAL_URL.search(response.text) is None
    assert re.search(r"<script(?![^>]*\bsrc=)", response.text) is None  # no inline script
    assert "<style" not in response.text
    assert "style=" not in response.text


def test_the_docs_policy_is_exactly_self(server: Server) -> None:
    assert httpx.get(server.base_url + "/docs", timeout=10).headers["content-security-policy"] == "default-src 'self'"


@pytest.mark.parametrize("name", ASSETS)
def test_the_assets_are_served_by_the_service(server: Server, name: str) -> None:
    response = httpx.get(f"{server.base_url}/docs/assets/{name}", timeout=10)
    assert response.status_code == 200
    assert len(response.content) > 100
    assert "max-age" in response.headers["cache-control"]


def test_only_the_listed_assets_are_served(server: Server) -> None:
    for name in ("docs.py", "..%2Fdocs.py", "__init__.py", "swagger-ui-bundle.js.map"):
        assert httpx.get(f"{server.base_url}/docs/assets/{name}", timeout=10).status_code == 404


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (apt-get install chromium; .ci/run does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (make install: it is a dev dependency)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            # every request but loopback goes to a proxy that is not there: no network but loopback
            args=["--no-sandbox", "--proxy-server=http://127.0.0.1:9", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """One page in the browser: what it tried to fetch outside loopback, and what the console said."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.outside: list[str] = []
        self.console: list[str] = []
        self.page: Page = browser.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.route("**/*", self._route)
        self.page.goto(url)

    def _route(self, route: object) -> None:
        from playwright.sync_api import Route

        assert isinstance(route, Route)
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m or "pageerror" in m]


def _operations(server: Server) -> int:
    document = httpx.get(server.base_url + "/openapi.json", timeout=10).json()
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return sum(1 for item in document["paths"].values() for method in item if method in methods)


def test_swagger_ui_renders_every_operation_and_the_password_flow_dialog(server: Server, browser: Browser) -> None:
    visit = Visit(browser, server.base_url + "/docs")
    page = visit.page
    page.wait_for_selector(".opblock", timeout=60_000)
    assert page.locator(".opblock").count() == _operations(server)
    assert page.locator(".info .title").inner_text().startswith("Upskill")

    page.click("button.authorize")
    dialog = page.locator(".modal-ux")
    dialog.wait_for(timeout=10_000)
    text = dialog.inner_text()
    assert "OAuth2 (OAuth2, password)" in text
    assert "/api/v1/auth/token" in text
    assert dialog.locator("input#oauth_username").count() == 1
    assert dialog.locator("input#oauth_password").count() == 1

    assert visit.outside == []
    # Swagger UI's stylesheet draws a few arrows as data: images, which the policy blocks (cosmetic)
    assert [v for v in visit.csp_violations() if "Loading the image 'data:" not in v] == []
    page.close()


def test_redoc_renders_under_its_policy(server: Server, browser: Browser) -> None:
    visit = Visit(browser, server.base_url + "/redoc")
    page = visit.page
    page.wait_for_selector("h1", timeout=60_000)
    assert page.locator("h1").first.inner_text().startswith("Upskill")
    assert page.locator("[role=menuitem], li[data-item-id]").count() > 10  # the side menu of operations
    assert visit.outside == []
    unexpected = [
        v
        for v in visit.csp_violations()
        if "Loading the image 'data:" not in v and "cdn.redoc.ly/redoc/logo-mini.svg" not in v  # blocked: fine
    ]
    assert unexpected == [], "new inline <style> hashes? see adapters/http/docs.py REDOC_STYLES"
    page.close()


def test_the_docs_folder_holds_no_copy_of_the_assets() -> None:
    """The vendored files come from the fastapi-offline package, not from our tree."""
    ours = Path(__file__).parents[2] / "adapters" / "http" / "static"
    assert sorted(p.name for p in ours.iterdir()) == ["swagger-init.js"]
