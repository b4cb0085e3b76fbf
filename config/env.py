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


_TRUE = frozenset({"true", "1", "yes", "on", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "off", "n", "f", ""})


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

    def bool(self, var: str, default: Any = environ.Env.NOTSET) -> bool:
        """Only clear yes/no words count; anything else is an error, not a silent False."""
        raw = self.get_value(var, cast=str, default=default)
        if isinstance(raw, bool):
            return raw
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"Environment variable {var} must be a boolean (true/false/1/0/yes/no), got {raw!r}"
        )


env = StrictEnv()

ENV_FILE = BASE_DIR / ".env"
if ENV_FILE.is_file():
    env.read_env(str(ENV_FILE))
