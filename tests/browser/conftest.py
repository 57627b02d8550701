"""The portal in a real browser: Debian's Chromium driven by Playwright, against the portal
served by runserver on loopback with a database of its own (SQLite, or PostgreSQL when
DATABASE_URL names it)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from .support import OFFICER, ROOT, SETUP_ACCOUNTS, VIEWPORTS, log_in, totp_code

CHROMIUM = shutil.which("chromium")
NO_CHROMIUM = "needs Debian's chromium for the browser tests (apt-get install chromium)"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM is None:
        here = os.path.dirname(__file__)
        for item in items:
            if str(item.path).startswith(here):
                item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(suffix):
    """A fresh PostgreSQL database beside the suite's, when the suite runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    base, _, name = url.rpartition("/")
    browser_db = f"{name}_{suffix}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{browser_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{browser_db}"')
    return f"{base}/{browser_db}"


@contextmanager
def running_portal(var, database, setup, **settings):
    """The portal on loopback, migrated and set up by the setup commands, with a database of
    its own (named with the suffix on PostgreSQL) and settings from the environment: its
    address, and a way to run code in its environment."""
    prefixes = ("DJANGO_", "PORTAL_", "DATABASE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(DJANGO_DEBUG="1", PORTAL_VAR_DIR=str(var), **settings)
    if database_url := _database_url(database):
        env["DATABASE_URL"] = database_url
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--no-input"], *setup):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.1)

    def shell(code):
        done = subprocess.run([*manage, "shell", "-c", code], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)  # fmt: skip
        return done.stdout.strip().splitlines()[-1]  # after the shell's own notes

    try:
        yield SimpleNamespace(base=base, shell=shell)
    finally:
        server.terminate()
        server.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The portal on loopback: its address, and a way to run code in its environment."""
    var = tmp_path_factory.mktemp("browser-var")
    with running_portal(var, "browser", [["shell", "-c", SETUP_ACCOUNTS]]) as portal:
        yield portal


@pytest.fixture(scope="session")
def portal(server):
    return server.base


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--disable-background-networking", "--disable-component-update",
            ],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (no cookies, no service worker), each recording the
    Content Security Policy violations it meets."""
    contexts = []

    def make(device="dator", **options):
        context = browser.new_context(locale="sv-SE", **{**VIEWPORTS[device], **options})
        contexts.append(context)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda m: (
                page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def officer_state(browser, portal, tmp_path_factory):
    """The security officer's logged-in browser state, second factor included: she logs in,
    enrols an authenticator app with the key the page shows, and keeps her recovery codes.
    Made once, because an app's code may be used only once."""
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    log_in(page, portal, OFFICER[0])
    page.goto(portal + "/admin/")
    page.wait_for_url("**/konto/tvastegs/aktivera/**")
    secret = page.locator(".otp-qr code").inner_text()
    page.get_by_label("Kod").fill(totp_code(secret))
    page.get_by_role("button", name="Aktivera").click()
    page.get_by_text("reservkoder", exact=False).first.wait_for()
    state = tmp_path_factory.mktemp("officer") / "state.json"
    context.storage_state(path=state)
    context.close()
    return state


@pytest.fixture
def officer_page(new_page, officer_state, portal):
    page = new_page(storage_state=officer_state)
    page.goto(portal + "/admin/")
    assert page.url.endswith("/admin/"), "the officer's verified session was not kept"
    return page
