"""Users and the audit log. Roles are groups (see ``accounts/roles.py``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """The product's user; a custom model from the first migration so it can grow safely."""


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained audit log (written by ``accounts.audit``).

    ``prev_hash`` is the previous row's ``hash`` and ``hash`` covers this row's content and
    ``prev_hash``, so changing or removing a row breaks the chain (``verify_audit_log``). On
    PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    category = models.CharField(max_length=32, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    # No database constraint and no cascade: an audit row outlives the user it names and is
    # never touched by a delete elsewhere (the trigger would refuse it anyway).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    target_type = models.CharField(max_length=100, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ("-sequence",)
        default_permissions = ("view",)
        permissions = (("view_compliance_auditevent", "Can view compliance audit events"),)
        indexes = (models.Index(fields=("target_type", "target_id"), name="audit_target_idx"),)

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor_username or 'system'}"
