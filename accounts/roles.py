"""The four roles and the Django permissions each holds.

A role is a group of the same name. This table is the one place that says what a role may
do; the migration that creates the groups and every ``migrate`` afterwards (post_migrate)
apply it, so a later app (compliance) adds its permissions here and they reach the groups.
docs/permissions.md shows the resulting matrix, and tests/api/test_permission_matrix.py checks it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"
    COMPLIANCE_OFFICER = "compliance_officer"


READ_MARKET = (
    "arbitrage.view_chain",
    "arbitrage.view_token",
    "arbitrage.view_dex",
    "arbitrage.view_pool",
    "arbitrage.view_reservesnapshot",
    "arbitrage.view_threshold",
    "arbitrage.view_executioncontrol",
    "arbitrage.view_opportunity",
    "arbitrage.view_trade",
)

# The compliance officer's work: parties, cases and their decisions, documents, wallets, the
# screening hits, the sanctions lists; and reading payouts.
COMPLIANCE_WORK = (
    *(
        f"compliance.{verb}_{model}"
        for model in ("party", "kyccase", "kycdocument", "wallet", "screeningresult")
        for verb in ("view", "add", "change")
    ),
    "compliance.view_kycdecision",
    "compliance.view_sanctionslist",
    "compliance.add_sanctionslist",
    "compliance.view_sanctionsentry",
    "compliance.view_sanctionsname",
    "compliance.view_sanctionsaddress",
    "compliance.view_payout",
)

# "app_label.*" means every permission of that app (resolved when the roles are applied).
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.VIEWER: READ_MARKET,
    Role.OPERATOR: (
        *READ_MARKET,
        "arbitrage.add_threshold",
        "arbitrage.change_threshold",
        "arbitrage.delete_threshold",
        # The kill switch and scanning.
        "arbitrage.change_executioncontrol",
        # Trade decisions: approve, execute, cancel (only through the services).
        "arbitrage.change_trade",
        # Payouts to parties' wallets (the compliance gate decides whether they pass).
        "compliance.view_payout",
        "compliance.add_payout",
        "compliance.view_wallet",
    ),
    Role.COMPLIANCE_OFFICER: (
        *READ_MARKET,
        "accounts.view_compliance_auditevent",
        *COMPLIANCE_WORK,
    ),
    Role.ADMIN: (
        "arbitrage.*",
        "accounts.*",
        "auth.view_group",
        "axes.*",
        "django_celery_beat.*",
        "token_blacklist.view_outstandingtoken",
        "token_blacklist.view_blacklistedtoken",
    ),
}


def apply_roles(apps: Any) -> None:
    """Create the role groups and set their permissions exactly (idempotent).

    ``apps`` is a migration's app registry or ``django.apps.apps``; permissions of apps that
    are not installed yet are skipped (they are added by the ``migrate`` that installs them).
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    every = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, patterns in ROLE_PERMISSIONS.items():
        wanted: set[int] = set()
        for pattern in patterns:
            if pattern.endswith(".*"):
                prefix = pattern[:-1]
                wanted.update(pk for name, pk in every.items() if name.startswith(prefix))
            elif pattern in every:
                wanted.add(every[pattern])
        group, _ = group_model.objects.get_or_create(name=role.value)
        group.permissions.set(wanted)
