"""Puts the client's IP in a context variable so that audit rows written deep in a service
know where the request came from (the request id travels the same way, core.middleware)."""

from __future__ import annotations

from collections.abc import Callable

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse

from accounts.audit import client_ip_var


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The same IP that django-axes locks out on (one notion of "the client" everywhere).
        token = client_ip_var.set(get_client_ip_address(request) or None)
        try:
            return self.get_response(request)
        finally:
            client_ip_var.reset(token)
