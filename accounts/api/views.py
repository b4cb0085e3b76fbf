"""The accounts API: JWT login, refresh and logout; users and roles; the audit log."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, cast

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.filters import AuditEventFilter, UserFilter
from accounts.api.serializers import (
    AuditEventSerializer,
    MeSerializer,
    RefreshInputSerializer,
    RoleSerializer,
    RolesInputSerializer,
    TokenObtainInputSerializer,
    TokenPairSerializer,
    UnlockSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from accounts.audit import AUDIT_COLUMNS, AuditAction, AuditCategory, audit_record
from accounts.lockout import LOCKOUT_STATUS, lockout_body
from accounts.models import AuditEvent, User
from accounts.roles import ROLE_PERMISSIONS, Role
from accounts.services import (
    user_create,
    user_lockout_reset,
    user_roles_set,
    user_update,
)
from accounts.tokens import token_logout, token_pair_for, token_refresh
from core.api.errors import ErrorSerializer
from core.api.permissions import ActionPermission, AnyOf

AUTH_TAG = ["auth"]


class _TokenEndpoint(APIView):
    """Open to anyone (the body carries the credential); a refused credential is a 401."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenObtainView(_TokenEndpoint):
    """Log in with a username and password: a JWT pair. django-axes watches every attempt."""

    @extend_schema(
        tags=AUTH_TAG,
        request=TokenObtainInputSerializer,
        responses={200: TokenPairSerializer, 429: ErrorSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = {"username": data.validated_data["username"]}
        # The DRF request goes to authenticate(): axes reads the client's address from it and
        # flags it when the username is locked out from there.
        user = authenticate(
            request=request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return Response(lockout_body(request, credentials), status=LOCKOUT_STATUS)
        if user is None or not user.is_active:
            raise AuthenticationFailed(
                "No active account found with the given credentials.", code="no_active_account"
            )
        with transaction.atomic():
            pair = token_pair_for(user=user)
            update_last_login(None, user)  # type: ignore[arg-type]
            audit_record(
                action=AuditAction.AUTH_LOGIN_SUCCEEDED,
                actor=user,
                target=user,
                after={"method": "jwt"},
                request=request,
            )
        return Response(pair)


class TokenRefreshView(_TokenEndpoint):
    """Spend a refresh token for a new pair; the old refresh token is blacklisted."""

    @extend_schema(
        tags=AUTH_TAG, request=RefreshInputSerializer, responses=TokenPairSerializer, auth=[]
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(token_refresh(refresh=data.validated_data["refresh"]))


class LogoutView(_TokenEndpoint):
    """Log out: the refresh token is blacklisted (access tokens expire within minutes)."""

    @extend_schema(
        tags=AUTH_TAG,
        request=RefreshInputSerializer,
        responses={204: OpenApiResponse(description="Logged out.")},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token_logout(refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Who am I: the authenticated user, their roles and permissions."""

    permission_classes = (ActionPermission,)
    required_permissions = {"get": ()}

    @extend_schema(tags=AUTH_TAG, responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(cast(User, request.user)).data)


class NotAgainstSelf(BasePermission):
    """Object-level: an admin cannot deactivate themselves or take away their own admin role
    (the last admin locking everyone out of user management)."""

    message = "You cannot deactivate yourself or remove your own admin role."

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if obj.pk != request.user.pk or request.user.is_superuser:
            return True
        data = request.data if isinstance(request.data, dict) else {}
        if view.action == "partial_update":
            return data.get("is_active", True) is not False
        if view.action == "roles":
            roles = data.get("roles")
            return not isinstance(roles, list) or Role.ADMIN.value in roles
        return True


@extend_schema(tags=["users"])
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[User],
):
    """Users and their roles (admins only)."""

    queryset = User.objects.prefetch_related("groups").order_by("id")
    serializer_class = UserSerializer
    permission_classes = (ActionPermission, NotAgainstSelf)
    required_permissions = {
        "list": ("accounts.view_user",),
        "retrieve": ("accounts.view_user",),
        "create": ("accounts.add_user",),
        "partial_update": ("accounts.change_user",),
        "roles": ("accounts.change_user",),
        "unlock": ("accounts.change_user",),
    }
    filterset_class = UserFilter
    ordering_fields = ("id", "username", "date_joined")
    ordering = ("id",)
    lookup_value_regex = "[0-9]{1,18}"

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request: Request) -> Response:
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        roles = [Role(name) for name in values.pop("roles")]
        user = user_create(**values, roles=roles, actor=request.user)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        user = self.get_object()
        data = UserUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_update(user=user, **data.validated_data, actor=request.user)
        return Response(UserSerializer(user).data)

    @extend_schema(request=RolesInputSerializer, responses=UserSerializer)
    @action(detail=True, methods=["put"])
    def roles(self, request: Request, pk: str) -> Response:
        """Replace the user's roles."""
        user = self.get_object()
        data = RolesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        roles = [Role(name) for name in data.validated_data["roles"]]
        user = user_roles_set(user=user, roles=roles, actor=request.user)
        return Response(UserSerializer(user).data)

    @extend_schema(request=None, responses=UnlockSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str) -> Response:
        """Lift the login lockout of this user (django-axes)."""
        user = self.get_object()
        removed = user_lockout_reset(user=user, actor=request.user)
        return Response({"attempts_removed": removed})


class RoleListView(APIView):
    """The roles and the permissions each holds (admins only)."""

    permission_classes = (ActionPermission,)
    required_permissions = {"get": ("auth.view_group",)}

    @extend_schema(tags=["users"], responses=RoleSerializer(many=True))
    def get(self, request: Request) -> Response:
        from django.contrib.auth.models import Group

        groups = {g.name: g for g in Group.objects.prefetch_related("permissions__content_type")}
        body = []
        for role in ROLE_PERMISSIONS:
            group = groups.get(role.value)
            perms = (
                sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all())
                if group
                else []
            )
            body.append({"name": role.value, "permissions": perms})
        return Response(body)


class IgnoreClientContentNegotiation(BaseContentNegotiation):
    """The CSV export answers CSV whatever the Accept header says (errors stay JSON)."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(
        self, request: Request, renderers: Any, format_suffix: str | None = None
    ) -> Any:
        return (renderers[0], renderers[0].media_type)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = "" if value is None else str(value)
    # A cell a spreadsheet would run as a formula (a failed login's username is anyone's text).
    return f"'{text}" if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = AUDIT_COLUMNS


@extend_schema(tags=["audit"])
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet[AuditEvent]):
    """The audit log: admins see every event, compliance officers the compliance events."""

    serializer_class = AuditEventSerializer
    permission_classes = (ActionPermission,)
    required_permissions = dict.fromkeys(
        ("list", "retrieve", "export"),
        AnyOf(("accounts.view_auditevent", "accounts.view_compliance_auditevent")),
    )
    filterset_class = AuditEventFilter
    ordering_fields = ("sequence", "created_at")
    ordering = ("-sequence",)
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[AuditEvent]:
        queryset = AuditEvent.objects.all()
        if self.request.user.has_perm("accounts.view_auditevent"):
            return queryset
        return queryset.filter(category=AuditCategory.COMPLIANCE)

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")},
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        content_negotiation_class=IgnoreClientContentNegotiation,
    )
    def export(self, request: Request) -> StreamingHttpResponse:
        """The filtered audit log as CSV (same filters as the list)."""
        queryset = self.filter_queryset(self.get_queryset())
        writer = csv.writer(_Echo())

        def rows() -> Iterator[str]:
            yield writer.writerow(CSV_COLUMNS)
            for event in queryset.iterator(chunk_size=1000):
                values = [getattr(event, column) for column in CSV_COLUMNS]
                yield writer.writerow([_cell(value) for value in values])

        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        return response
