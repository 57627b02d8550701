"""The pieces that let a phone keep the emergency pages: the web app manifest, the service
worker and the page shown for what needs the network. (In a browser: tests/browser.)"""

import json
import re
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.http import HttpResponse
from django.test import Client

from guidance.middleware import PublicPageCacheMiddleware
from guidance.models import Section

pytestmark = pytest.mark.django_db


def kept_pages(script):
    return json.loads(re.search(r"const PAGES = (\[.*?\]);", script).group(1))


def test_the_service_worker_keeps_the_emergency_pages_and_nothing_personal(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    script = response.text
    assert kept_pages(script) == ["/under/", "/kontakt/", "/checklista/", "/ingen-anslutning/"]
    # Fetched without the session cookie: the copy kept is the one anyone sees.
    assert 'credentials: "omit"' in script


def test_the_service_worker_is_renewed_when_the_guidance_changes(client):
    before = client.get("/sw.js").text
    section = Section.objects.filter(phase="under").first()
    section.body += "\n\nEn ny rad."
    section.save()
    assert client.get("/sw.js").text != before


def test_the_manifest_names_the_portal_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Personsäkerhetsportalen – Region Sörmland"
    assert manifest["lang"] == "sv" and manifest["start_url"] == "/"
    assert [s["url"] for s in manifest["shortcuts"]] == ["/under/", "/kontakt/", "/checklista/"]
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_every_page_links_the_manifest_and_registers_the_worker_from_a_file(client):
    html = client.get("/fore/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert re.search(r'<script src="/static/js/offline.js" data-worker="/sw.js" defer>', html)


def test_the_offline_page_points_to_the_kept_pages_and_112(client):
    html = client.get("/ingen-anslutning/").text
    for href in ['href="/under/"', 'href="/kontakt/"', 'href="/checklista/"', 'href="tel:112"']:
        assert href in html


# While the database is down


EMERGENCY = [
    "/", "/fore/", "/under/", "/efter/", "/checklista/", "/kontakt/", "/ingen-anslutning/",
    "/handlingsplan.pdf", "/checklista.pdf", "/sw.js",
]  # fmt: skip


@contextmanager
def database_down():
    """Every query fails, as when PostgreSQL has stopped."""
    refused = OperationalError("connection to server at 127.0.0.1 failed: Connection refused")
    with (
        mock.patch.object(CursorWrapper, "execute", side_effect=refused),
        mock.patch.object(CursorWrapper, "executemany", side_effect=refused),
    ):
        yield


def test_the_emergency_pages_pdfs_and_worker_keep_serving_while_the_database_is_down(official):
    visitor = Client(raise_request_exception=False)
    member = Client(raise_request_exception=False)
    member.force_login(official)
    good = {}
    for path in EMERGENCY:
        response = visitor.get(path)
        assert response.status_code == 200, path
        good[path] = (response.content, response["Content-Type"])
    caches["default"].clear()  # the page cache too: a restarted process has none

    with database_down():
        for path in EMERGENCY:
            for client in (visitor, member):
                response = client.get(path)
                assert response.status_code == 200, path
                assert (response.content, response["Content-Type"]) == good[path], path
        # The copy is the one anyone sees: nothing of the logged-in official's.
        assert official.full_name not in member.get("/under/").text
        assert "Logga ut" not in member.get("/under/").text


def test_without_a_database_the_private_pages_still_fail_plainly(official):
    client = Client(raise_request_exception=False)
    client.force_login(official)
    with database_down():
        assert client.get("/mina-sidor/").status_code == 500


def test_the_kept_copy_is_the_last_one_served_whichever_server_served_it(rf):
    """Two servers (or two processes of one) keep copies in one cache: an edit undone on one
    after the other kept the edited page leaves the first version kept, not the edit."""
    served = {"A": b"%PDF-1.7 nummer 1", "B": b"%PDF-1.7 nummer 2"}
    server_a = PublicPageCacheMiddleware(lambda request: HttpResponse(served["A"]))
    server_b = PublicPageCacheMiddleware(lambda request: HttpResponse(served["B"]))
    for server in (server_a, server_b, server_a):
        server(rf.get("/checklista.pdf"))
    assert server_b.last_good("/checklista.pdf").content == served["A"]
