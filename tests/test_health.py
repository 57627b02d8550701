from unittest import mock

from django.db import OperationalError


def test_health_check_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_health_check_answers_503_when_the_database_does_not(client, db):
    with mock.patch("portal.views.connection.cursor", side_effect=OperationalError("nere")):
        response = client.get("/healthz")
    assert response.status_code == 503
