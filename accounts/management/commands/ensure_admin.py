"""Create or update the admin user from ARBX_ADMIN_USER / ARBX_ADMIN_PASSWORD (never from argv)."""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create the admin user, or reset its password, from the environment."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        username = os.environ.get("ARBX_ADMIN_USER", "admin")
        password = os.environ.get("ARBX_ADMIN_PASSWORD", "")
        if not password:
            raise CommandError("set ARBX_ADMIN_PASSWORD (the password is never taken from argv)")
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} admin user {username!r}."))
