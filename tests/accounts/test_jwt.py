"""JWT: what is refused (401) and the race-free refresh rotation."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.roles import Role
from accounts.tokens import token_pair_for
from tests.personas import PASSWORD, make_user

ME = "/api/v1/auth/me/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _me(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(ME).status_code


@pytest.fixture
def vera(db) -> User:
    return make_user("vera", Role.VIEWER)


def test_it_logs_in_and_the_access_token_works(vera):
    response = APIClient().post(TOKEN, {"username": "vera", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert _me(response.json()["access"]) == 200


def test_it_issues_access_tokens_of_at_most_fifteen_minutes(vera):
    assert timedelta(minutes=15) >= api_settings.ACCESS_TOKEN_LIFETIME
    token = AccessToken(token_pair_for(user=vera)["access"])
    assert token["exp"] - token["iat"] <= 15 * 60


def test_it_refuses_wrong_credentials_in_the_error_shape(vera):
    response = APIClient().post(TOKEN, {"username": "vera", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"
    assert set(response.json()) == {"code", "message", "detail"}


def test_it_refuses_alg_none(vera):
    claims = dict(AccessToken.for_user(vera).payload)
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert _me(unsigned) == 401


def test_it_refuses_an_algorithm_outside_the_allowlist(vera):
    import jwt

    claims = dict(AccessToken.for_user(vera).payload)
    other = jwt.encode(claims, settings.SECRET_KEY, algorithm="HS512")
    assert settings.JWT_ALGORITHM == "HS256"
    assert _me(other) == 401


def test_it_refuses_a_tampered_signature(vera):
    access = str(AccessToken.for_user(vera))
    head, body, signature = access.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert _me(f"{head}.{body}.{flipped}") == 401
    # And a changed payload under the original signature.
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["user_id"] = "999999"
    assert _me(f"{head}.{_b64(claims)}.{signature}") == 401


def test_it_refuses_an_expired_token(vera):
    token = AccessToken.for_user(vera)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}").get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_refuses_a_refresh_token_used_as_an_access_token(vera):
    assert _me(token_pair_for(user=vera)["refresh"]) == 401


def test_it_rotates_the_refresh_token_and_refuses_the_old_one(vera):
    client = APIClient()
    first = token_pair_for(user=vera)["refresh"]
    rotated = client.post(REFRESH, {"refresh": first}, format="json")
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first
    again = client.post(REFRESH, {"refresh": first}, format="json")
    assert again.status_code == 401
    assert (
        client.post(REFRESH, {"refresh": rotated.json()["refresh"]}, format="json").status_code
        == 200
    )


def test_it_refuses_an_access_token_at_the_refresh_endpoint(vera):
    access = token_pair_for(user=vera)["access"]
    assert APIClient().post(REFRESH, {"refresh": access}, format="json").status_code == 401


def test_it_blacklists_the_refresh_token_on_logout(vera):
    refresh = token_pair_for(user=vera)["refresh"]
    client = APIClient()
    assert client.post(LOGOUT, {"refresh": refresh}, format="json").status_code == 204
    assert client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401
    assert client.post(LOGOUT, {"refresh": refresh}, format="json").status_code == 401


def test_it_refuses_tokens_after_a_password_change(vera):
    pair = token_pair_for(user=vera)
    vera.set_password("a brand new passphrase 12")
    vera.save()
    assert _me(pair["access"]) == 401
    response = APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "password_changed"


def test_it_refuses_tokens_after_deactivation(vera):
    pair = token_pair_for(user=vera)
    vera.is_active = False
    vera.save()
    assert _me(pair["access"]) == 401
    assert APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    login = APIClient().post(TOKEN, {"username": "vera", "password": PASSWORD}, format="json")
    assert login.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_twenty_parallel_refreshes_succeed():
    user = make_user("vera", Role.VIEWER)
    refresh = token_pair_for(user=user)["refresh"]
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def refresh_once() -> None:
        try:
            barrier.wait(timeout=30)
            code = APIClient().post(REFRESH, {"refresh": refresh}, format="json").status_code
            with lock:
                statuses.append(code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh_once) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [401] * 19
