"""Filters of the arbitrage API (django-filter); ids are bounded so that an absurd value is a
400, never a database error."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from arbitrage.models import Dex, Opportunity, Pool, Threshold, Token, Trade
from core.api.filters import IdFilter, UtcDateTimeFilter


class TokenFilter(filters.FilterSet):  # type: ignore[misc]
    chain = IdFilter(field_name="chain_id")
    symbol = filters.CharFilter(lookup_expr="iexact", max_length=64)
    address = filters.CharFilter(lookup_expr="iexact", max_length=42)
    is_blocked = filters.BooleanFilter()

    class Meta:
        model = Token
        fields = ("chain", "symbol", "address", "is_blocked")


class DexFilter(filters.FilterSet):  # type: ignore[misc]
    chain = IdFilter(field_name="chain_id")
    active = filters.BooleanFilter()

    class Meta:
        model = Dex
        fields = ("chain", "active")


class PoolFilter(filters.FilterSet):  # type: ignore[misc]
    chain = IdFilter(field_name="chain_id")
    dex = IdFilter(field_name="dex_id")
    token = IdFilter(method="filter_token", label="Pools that hold this token (id).")
    address = filters.CharFilter(lookup_expr="iexact", max_length=42)
    active = filters.BooleanFilter()

    class Meta:
        model = Pool
        fields = ("chain", "dex", "token", "address", "active")

    def filter_token(self, queryset: QuerySet[Pool], name: str, value: int) -> QuerySet[Pool]:
        return queryset.filter(Q(token0_id=value) | Q(token1_id=value))


class ThresholdFilter(filters.FilterSet):  # type: ignore[misc]
    chain = IdFilter(field_name="chain_id")
    enabled = filters.BooleanFilter()

    class Meta:
        model = Threshold
        fields = ("chain", "enabled")


class OpportunityFilter(filters.FilterSet):  # type: ignore[misc]
    chain = IdFilter(field_name="chain_id")
    status = filters.ChoiceFilter(choices=Opportunity.Status.choices)
    start_token = IdFilter(field_name="start_token_id")
    detected_after = UtcDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_before = UtcDateTimeFilter(field_name="detected_at", lookup_expr="lt")

    class Meta:
        model = Opportunity
        fields = ("chain", "status", "start_token", "detected_after", "detected_before")


class TradeFilter(filters.FilterSet):  # type: ignore[misc]
    state = filters.ChoiceFilter(choices=Trade.State.choices)
    mode = filters.ChoiceFilter(choices=Trade.Mode.choices)
    opportunity = IdFilter(field_name="opportunity_id")
    chain = IdFilter(field_name="opportunity__chain_id")

    class Meta:
        model = Trade
        fields = ("state", "mode", "opportunity", "chain")
