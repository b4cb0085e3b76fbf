from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _apply_roles(sender: Any, **kwargs: Any) -> None:
    # Each migrate (and each test-database flush) re-applies the role table, so permissions
    # of apps added later reach the roles without a hand-written data migration.
    from django.apps import apps

    from accounts.roles import apply_roles

    apply_roles(apps)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401 - connects the audit receivers

        post_migrate.connect(_apply_roles, dispatch_uid="accounts.apply_roles")
