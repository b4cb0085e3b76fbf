"""Users. Roles are groups (admin, operator, viewer, compliance officer)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The product's user; a custom model from the first migration so it can grow safely."""
