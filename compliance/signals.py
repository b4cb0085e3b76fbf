"""Tokens, pools and DEXes are screened as they arrive, in the transaction that stores them
(the sync's discovery, the snapshot loader, the admin and the API all save through the ORM),
so none of them can be traded unscreened; a new list version rescreens them all."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_save


def _screen_created(sender: type[Model], instance: Model, created: bool, **_: Any) -> None:
    if created:
        from compliance.screening import screen_new

        screen_new(sender, [instance])


def connect() -> None:
    from arbitrage.models import Dex, Pool, Token

    for model in (Token, Pool, Dex):
        post_save.connect(
            _screen_created, sender=model, dispatch_uid=f"compliance-screen-{model.__name__}"
        )
