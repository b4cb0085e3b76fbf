"""Input and output shapes of the accounts API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.audit import AUDIT_COLUMNS
from accounts.models import AuditEvent, User
from accounts.roles import Role
from accounts.services import user_roles


class TokenObtainInputSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class RefreshInputSerializer(serializers.Serializer[Any]):
    refresh = serializers.CharField(max_length=4096)


class TokenPairSerializer(serializers.Serializer[Any]):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Spend at /api/v1/auth/token/refresh/ once.")


ROLE_CHOICES = [role.value for role in Role]


def role_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=ROLE_CHOICES)


class UserSerializer(serializers.ModelSerializer[User]):
    roles = serializers.SerializerMethodField()
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    class Meta:
        model = User
        fields: tuple[str, ...] = (
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "roles",
            "last_login",
            "date_joined",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=role_field()))
    def get_roles(self, obj: User) -> list[str]:
        return user_roles(user=obj)


class MeSerializer(UserSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = (*UserSerializer.Meta.fields, "permissions")
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_permissions(self, obj: User) -> list[str]:
        return sorted(obj.get_all_permissions())


class UserCreateSerializer(serializers.Serializer[Any]):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    email = serializers.EmailField(required=False, default="")
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")
    roles = serializers.ListField(child=role_field(), max_length=4, required=False, default=list)


class UserUpdateSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(required=False)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class RolesInputSerializer(serializers.Serializer[Any]):
    roles = serializers.ListField(child=role_field(), max_length=4)


class RoleSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


class UnlockSerializer(serializers.Serializer[Any]):
    attempts_removed = serializers.IntegerField()


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    class Meta:
        model = AuditEvent
        # The audit log's columns, the actor as its id.
        fields = ("id", *("actor" if c == "actor_id" else c for c in AUDIT_COLUMNS))
        read_only_fields = fields
