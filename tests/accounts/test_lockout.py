"""django-axes on the token endpoint and the admin login; DRF throttles."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.audit import AuditAction
from accounts.models import AuditEvent
from accounts.roles import Role
from tests.personas import PASSWORD, bearer, make_user

TOKEN = "/api/v1/auth/token/"

pytestmark = pytest.mark.django_db


def _login(username: str, password: str, ip: str = "10.0.0.1"):
    client = APIClient(REMOTE_ADDR=ip)
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


@pytest.fixture
def users():
    return make_user("vera", Role.VIEWER), make_user("otto", Role.OPERATOR)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_it_locks_the_token_endpoint_after_the_configured_failures(users):
    assert [_login("vera", "wrong").status_code for _ in range(2)] == [401, 401]
    third = _login("vera", "wrong")
    assert third.status_code == 429
    body = third.json()
    assert body["code"] == "locked_out"
    assert body["detail"]["failure_limit"] == 3
    # Even the right password is refused while locked out.
    assert _login("vera", PASSWORD).status_code == 429
    assert AuditEvent.objects.filter(action=AuditAction.AUTH_LOCKED_OUT).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_it_leaves_other_users_and_other_addresses_alone(users):
    for _ in range(3):
        _login("vera", "wrong")
    assert _login("vera", PASSWORD).status_code == 429
    assert _login("otto", PASSWORD).status_code == 200
    assert _login("vera", PASSWORD, ip="10.0.0.2").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=2)
def test_it_lets_an_admin_reset_a_lockout(users):
    vera, _ = users
    admin = make_user("ada", Role.ADMIN)
    for _ in range(2):
        _login("vera", "wrong")
    assert _login("vera", PASSWORD).status_code == 429
    response = bearer(admin).post(f"/api/v1/users/{vera.pk}/unlock/")
    assert response.status_code == 200
    assert response.json()["attempts_removed"] >= 1
    assert _login("vera", PASSWORD).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.AUTH_LOCKOUT_RESET)
    assert event.actor_id == admin.pk
    assert event.target_id == str(vera.pk)


@override_settings(AXES_FAILURE_LIMIT=2)
def test_it_locks_the_admin_login_with_a_json_answer(users):
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(2):
        client.post("/admin/login/", {"username": "vera", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "vera", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "locked_out"


def test_it_audits_logins_and_failed_logins(users):
    assert _login("vera", "wrong").status_code == 401
    assert _login("vera", PASSWORD).status_code == 200
    failed = AuditEvent.objects.get(action=AuditAction.AUTH_LOGIN_FAILED)
    assert failed.target_repr == "vera"
    assert failed.ip == "10.0.0.1"
    assert failed.request_id
    ok = AuditEvent.objects.get(action=AuditAction.AUTH_LOGIN_SUCCEEDED)
    assert ok.actor_username == "vera"
    assert ok.after == {"method": "jwt"}


def test_it_throttles_anonymous_clients_with_429(users, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "1000/min"},
    }
    codes = [_login("nobody", "x").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    last = _login("nobody", "x")
    assert last.json()["code"] == "throttled"
    assert "Retry-After" in last


def test_it_throttles_each_user_separately(users, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "2/min"},
    }
    vera, otto = users
    as_vera, as_otto = bearer(vera), bearer(otto)
    assert [as_vera.get("/api/v1/auth/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert as_otto.get("/api/v1/auth/me/").status_code == 200
