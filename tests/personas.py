"""Fixed personas for permission tests: one user per role, and the anonymous visitor.

ada is the admin, otto the operator, vera the viewer, cora the compliance officer.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.roles import Role, apply_roles

PASSWORD = "correct horse battery staple 42"
PERSONAS = {
    "ada": Role.ADMIN,
    "otto": Role.OPERATOR,
    "vera": Role.VIEWER,
    "cora": Role.COMPLIANCE_OFFICER,
}
ROLE_PERSONA = {role.value: name for name, role in PERSONAS.items()}
COLUMNS = ("anonymous", "viewer", "operator", "compliance_officer", "admin")


def _ensure_roles() -> None:
    # A transactional test's flush empties the groups; every migrate re-creates them.
    if not Group.objects.filter(name=Role.ADMIN.value).exists():
        from django.apps import apps

        apply_roles(apps)


def make_user(username: str, role: Role | None) -> User:
    _ensure_roles()
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=role is not None)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def bearer(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


@pytest.fixture(autouse=True)
def _fresh_throttles_and_roles():
    # Throttle counters live in the cache, which outlives a test's transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def personas(db) -> dict[str, User]:
    return {name: make_user(name, role) for name, role in PERSONAS.items()}


@pytest.fixture
def api_as(personas):
    """api_as("operator") is an APIClient with that role's JWT; api_as("anonymous") has none."""

    def make(column: str) -> APIClient:
        if column == "anonymous":
            return APIClient()
        return bearer(personas[ROLE_PERSONA[column]])

    return make
