"""django-axes: lock out repeated login failures per username and IP.

It guards the admin login and the API's token endpoint (which passes the request to
``authenticate``); a lockout answers 429 with the API's JSON error shape, and an admin
lifts it (admin: Access attempts, or POST /api/v1/users/{id}/unlock/).
"""

from __future__ import annotations

from datetime import timedelta

from config.env import env

AXES_FAILURE_LIMIT: int = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Behind a proxy: how many proxies append to X-Forwarded-For (0 = use REMOTE_ADDR only).
AXES_IPWARE_PROXY_COUNT: int | None = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
