"""Browser pages beside the admin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from arbitrage import selectors


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "arbitrage/dashboard.html", selectors.dashboard_summary())
