"""Role-based access for the API: each view names the Django permissions every action needs.

Roles are groups holding Django permissions (see ``accounts/roles.py``), so the admin and the
API ask the same question (``user.has_perms``) and docs/permissions.md describes both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin


@dataclass(frozen=True)
class AnyOf:
    """Any one of these permissions is enough (e.g. the full audit log or its compliance part)."""

    perms: tuple[str, ...]


Requirement = tuple[str, ...] | AnyOf


def _requirement(view: APIView, request: Request) -> Requirement | None:
    table: Mapping[str, Requirement] = getattr(view, "required_permissions", {})
    action = getattr(view, "action", None) or (request.method or "").lower()
    return table.get(action)


def _serves(view: APIView, request: Request) -> bool:
    method = (request.method or "").lower()
    if isinstance(view, ViewSetMixin):
        return getattr(view, "action", None) is not None
    return hasattr(view, method)


class ActionPermission(BasePermission):
    """Allows an authenticated user who holds what the view's ``required_permissions`` lists
    for the current action (viewset action, or lower-case HTTP method for a plain view).

    An action the table does not name is refused: a new endpoint is closed until it is declared.
    """

    message = "Your role does not allow this action."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        if user is None or not user.is_authenticated:
            return False
        requirement = _requirement(view, request)
        if requirement is None:
            # A method the view does not serve at all: let DRF answer 405, not 403.
            return not _serves(view, request)
        if isinstance(requirement, AnyOf):
            return any(user.has_perm(perm) for perm in requirement.perms)
        return bool(user.has_perms(requirement))
