"""More than one server: with REDIS_URL the caches are shared in Redis, and an edit saved on
one server shows on every server at once. Against the Redis at 127.0.0.1:6379."""

import logging
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import Client

from guidance import rendering
from guidance.models import Contact, Section
from portal import cache as portal_cache
from portal.cache import RedisCache

from .conftest import another_server, free_port
from .test_offline import database_down

pytestmark = pytest.mark.django_db

SECTION_TEXT = "Ring polisen på 112 om du är i fara."


@pytest.fixture
def under(db):
    section = Section.objects.filter(phase="under").first()
    section.body = SECTION_TEXT
    section.save()
    return section


def rendering_fails():
    """Guards a server that must serve from the shared cache, not make the page itself."""
    return mock.patch("guidance.views.rendered_sections", side_effect=AssertionError("ritad"))


def test_a_page_one_server_made_is_served_by_the_other_from_redis(redis_caches, settings, under):
    assert SECTION_TEXT in Client().get("/under/").text
    another_server(settings)
    assert isinstance(caches["default"], RedisCache)
    with rendering_fails():
        response = Client().get("/under/")
    assert response.status_code == 200 and SECTION_TEXT in response.text


def test_an_edit_saved_on_one_server_shows_on_the_other_at_once(redis_caches, settings, under):
    server_a, server_b = Client(), Client()
    assert SECTION_TEXT in server_a.get("/under/").text
    assert SECTION_TEXT in server_b.get("/under/").text

    under.body = "Ring 112. Gå till ett rum som går att låsa."
    under.save()  # as the admin on server A saves it
    another_server(settings)

    for server in (server_b, server_a):
        page = server.get("/under/").text
        assert "Gå till ett rum som går att låsa" in page and SECTION_TEXT not in page


def test_a_changed_number_shows_in_the_other_servers_pdf_at_once(redis_caches, settings):
    contact = Contact.objects.exclude(phone="").first()
    before = Client().get("/checklista.pdf").content
    contact.phone = "010-123 45 67"
    contact.save()
    another_server(settings)
    after = Client().get("/checklista.pdf").content
    assert after != before
    another_server(settings)
    with mock.patch("guidance.views.render_pdf", side_effect=AssertionError("ritad")):
        assert Client().get("/checklista.pdf").content == after  # the shared copy


def test_the_copy_one_server_kept_is_served_by_the_other_while_the_database_is_down(
    redis_caches, settings, under
):
    good = Client().get("/under/").content
    another_server(settings)
    caches["default"].clear()  # not from the page cache: from the kept copy
    with database_down():
        response = Client(raise_request_exception=False).get("/under/")
    assert response.status_code == 200 and response.content == good


def test_what_other_code_cached_is_not_served_after_a_deploy(redis_caches, settings, under):
    Client().get("/under/")
    another_server(settings)
    with (
        mock.patch.object(portal_cache, "code_version", return_value="ny-kod"),
        mock.patch("guidance.views.rendered_sections", wraps=rendering.rendered_sections) as made,
    ):
        assert SECTION_TEXT in Client().get("/under/").text
    assert made.called


def test_clearing_one_cache_leaves_the_others_keys(redis_caches):
    for alias in ("default", "pdf", "kept"):
        caches[alias].set("nyckel", alias)
    caches["pdf"].clear()
    assert caches["pdf"].get("nyckel") is None
    assert caches["default"].get("nyckel") == "default"
    assert caches["kept"].get("nyckel") == "kept"


def test_the_caches_keep_their_keys_apart_under_their_own_prefixes(redis_caches):
    for alias in ("default", "pdf", "kept"):
        caches[alias].set("samma", alias)
    assert [caches[alias].get("samma") for alias in ("default", "pdf", "kept")] == [
        "default",
        "pdf",
        "kept",
    ]
    prefixes = {key.split(b":")[0] for key in redis_caches.scan_iter(match=b"test-*")}
    assert len(prefixes) == 3


def test_with_redis_down_the_guidance_and_the_pdfs_are_still_served(settings, under, caplog):
    from portal.settings import redis_caches

    settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0", "nere")
    client = Client()
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        assert SECTION_TEXT in client.get("/under/").text
        response = client.get("/checklista.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "Cachen i Redis svarar inte (ConnectionError)" in caplog.text
    assert "127.0.0.1" not in caplog.text
