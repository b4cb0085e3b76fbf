"""The one django-environ `env` that every settings module reads through.

A malformed value fails loudly: django-environ already raises
``ImproperlyConfigured`` for a missing variable, and this subclass does the same
(naming the variable) when a value cannot be parsed, instead of letting a bare
``ValueError`` escape from deep inside the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


class StrictEnv(environ.Env):  # type: ignore[misc]
    def get_value(
        self,
        var: str,
        cast: Any = None,
        default: Any = environ.Env.NOTSET,
        parse_default: bool = False,
    ) -> Any:
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise ImproperlyConfigured(
                f"Environment variable {var} has a malformed value: {exc}"
            ) from exc


env = StrictEnv()

ENV_FILE = BASE_DIR / ".env"
if ENV_FILE.is_file():
    env.read_env(str(ENV_FILE))
