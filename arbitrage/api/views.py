"""Thin views: validate with a small serializer, call a service, answer with a read serializer.

Who may call what is declared per action in ``required_permissions`` (Django permissions held
by the role groups, see accounts/roles.py and docs/permissions.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from arbitrage.api import filters
from arbitrage.api.serializers import (
    CancelSerializer,
    ChainSerializer,
    ChainWriteSerializer,
    DexSerializer,
    DexWriteSerializer,
    ExecutionControlSerializer,
    OpportunitySerializer,
    PauseSerializer,
    PoolSerializer,
    PoolWriteSerializer,
    ScanningSerializer,
    ThresholdCreateSerializer,
    ThresholdSerializer,
    ThresholdSettingsSerializer,
    TokenSerializer,
    TokenWriteSerializer,
    TradeSerializer,
)
from arbitrage.models import (
    Chain,
    Dex,
    ExecutionControl,
    Opportunity,
    Pool,
    Threshold,
    Token,
    Trade,
)
from arbitrage.pipeline import decisions as trades
from arbitrage.services import control, market, thresholds
from core.api.errors import ErrorSerializer
from core.api.permissions import ActionPermission

ID = "[0-9]{1,18}"


def _read(perm: str) -> dict[str, tuple[str, ...]]:
    return {"list": (perm,), "retrieve": (perm,)}


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    permission_classes = (ActionPermission,)
    lookup_value_regex = ID


class _UpsertViewSet(_ReadViewSet):
    """Reads for everyone; `create` validates with `write_serializer_class` and calls the
    market service `upsert` (create or update by natural key), answering with the read form."""

    write_serializer_class: type[Serializer[Any]]
    upsert: Callable[..., Model]

    def create(self, request: Request) -> Response:
        data = self.write_serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        row = type(self).upsert(**data.validated_data, actor=request.user)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)


def _upsert_schema(write: type[Serializer[Any]], read: type[Serializer[Any]]) -> Any:
    return extend_schema_view(create=extend_schema(request=write, responses={201: read}))


# --- Market --------------------------------------------------------------------------------


@extend_schema(tags=["market"])
@_upsert_schema(ChainWriteSerializer, ChainSerializer)
class ChainViewSet(_UpsertViewSet):
    """Chains; admins create or update them (by EIP-155 chain id). The kill switch is per chain."""

    queryset = Chain.objects.all()
    serializer_class = ChainSerializer
    write_serializer_class = ChainWriteSerializer
    upsert = staticmethod(market.chain_upsert)
    required_permissions = {
        **_read("arbitrage.view_chain"),
        "create": ("arbitrage.add_chain", "arbitrage.change_chain"),
        "control": ("arbitrage.view_executioncontrol",),
        "pause": ("arbitrage.change_executioncontrol",),
        "resume": ("arbitrage.change_executioncontrol",),
        "scanning": ("arbitrage.change_executioncontrol",),
    }
    filterset_fields = ("active",)
    ordering_fields = ("id", "chain_id", "name")
    ordering = ("id",)

    def _control(self) -> ExecutionControl:
        chain = self.get_object()
        existing = ExecutionControl.objects.filter(chain=chain).first()
        # Reading never writes: a chain without a control row runs with the defaults.
        return existing or ExecutionControl(chain=chain)

    @extend_schema(request=None, responses=ExecutionControlSerializer)
    @action(detail=True, methods=["get"])
    def control(self, request: Request, pk: str) -> Response:
        """The chain's execution control: the kill switch and scanning."""
        return Response(ExecutionControlSerializer(self._control()).data)

    @extend_schema(request=PauseSerializer, responses=ExecutionControlSerializer)
    @action(detail=True, methods=["post"], url_path="control/pause")
    def pause(self, request: Request, pk: str) -> Response:
        """Kill switch on: nothing is signed or sent on this chain until resumed."""
        chain = self.get_object()
        data = PauseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = control.execution_pause(
            chain=chain, reason=data.validated_data["reason"], actor=request.user
        )
        return Response(ExecutionControlSerializer(result).data)

    @extend_schema(request=None, responses=ExecutionControlSerializer)
    @action(detail=True, methods=["post"], url_path="control/resume")
    def resume(self, request: Request, pk: str) -> Response:
        """Kill switch off: execution may resume on this chain."""
        result = control.execution_resume(chain=self.get_object(), actor=request.user)
        return Response(ExecutionControlSerializer(result).data)

    @extend_schema(request=ScanningSerializer, responses=ExecutionControlSerializer)
    @action(detail=True, methods=["post"], url_path="control/scanning")
    def scanning(self, request: Request, pk: str) -> Response:
        """Start or stop scanning this chain for opportunities."""
        chain = self.get_object()
        data = ScanningSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = control.scanning_set(
            chain=chain, enabled=data.validated_data["enabled"], actor=request.user
        )
        return Response(ExecutionControlSerializer(result).data)


@extend_schema(tags=["market"])
@_upsert_schema(TokenWriteSerializer, TokenSerializer)
class TokenViewSet(_UpsertViewSet):
    """Tokens; admins create or update them (by chain and address)."""

    queryset = Token.objects.all()
    serializer_class = TokenSerializer
    write_serializer_class = TokenWriteSerializer
    upsert = staticmethod(market.token_upsert)
    required_permissions = {
        **_read("arbitrage.view_token"),
        "create": ("arbitrage.add_token", "arbitrage.change_token"),
    }
    filterset_class = filters.TokenFilter
    ordering_fields = ("id", "symbol", "address")
    ordering = ("id",)


@extend_schema(tags=["market"])
@_upsert_schema(DexWriteSerializer, DexSerializer)
class DexViewSet(_UpsertViewSet):
    """DEXes; admins create or update them (by chain and factory address)."""

    queryset = Dex.objects.all()
    serializer_class = DexSerializer
    write_serializer_class = DexWriteSerializer
    upsert = staticmethod(market.dex_upsert)
    required_permissions = {
        **_read("arbitrage.view_dex"),
        "create": ("arbitrage.add_dex", "arbitrage.change_dex"),
    }
    filterset_class = filters.DexFilter
    ordering_fields = ("id", "name")
    ordering = ("id",)


@extend_schema(tags=["market"])
@_upsert_schema(PoolWriteSerializer, PoolSerializer)
class PoolViewSet(_UpsertViewSet):
    """Pools with their last synced reserves; admins register pools."""

    queryset = Pool.objects.all()
    serializer_class = PoolSerializer
    write_serializer_class = PoolWriteSerializer
    upsert = staticmethod(market.pool_upsert)
    required_permissions = {
        **_read("arbitrage.view_pool"),
        "create": ("arbitrage.add_pool", "arbitrage.change_pool"),
    }
    filterset_class = filters.PoolFilter
    ordering_fields = ("id", "address", "updated_at")
    ordering = ("id",)


# --- Thresholds ----------------------------------------------------------------------------


@extend_schema(tags=["thresholds"])
class ThresholdViewSet(_ReadViewSet, mixins.DestroyModelMixin):
    """Strategy thresholds per chain and start token; operators and admins change them."""

    queryset = Threshold.objects.all()
    serializer_class = ThresholdSerializer
    required_permissions = {
        **_read("arbitrage.view_threshold"),
        "create": ("arbitrage.add_threshold",),
        "partial_update": ("arbitrage.change_threshold",),
        "destroy": ("arbitrage.delete_threshold",),
    }
    filterset_class = filters.ThresholdFilter
    ordering_fields = ("id", "updated_at")
    ordering = ("id",)

    @extend_schema(request=ThresholdCreateSerializer, responses={201: ThresholdSerializer})
    def create(self, request: Request) -> Response:
        data = ThresholdCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        threshold = thresholds.threshold_create(**data.validated_data, actor=request.user)
        return Response(ThresholdSerializer(threshold).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ThresholdSettingsSerializer, responses=ThresholdSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        threshold = self.get_object()
        data = ThresholdSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        threshold = thresholds.threshold_update(
            threshold=threshold, **data.validated_data, actor=request.user
        )
        return Response(ThresholdSerializer(threshold).data)

    def perform_destroy(self, instance: Threshold) -> None:
        thresholds.threshold_delete(threshold=instance, actor=self.request.user)


# --- Opportunities and trades --------------------------------------------------------------

_DECISION_ERRORS = {
    409: OpenApiResponse(ErrorSerializer, description="Not in a state that allows this."),
    422: OpenApiResponse(ErrorSerializer, description="Refused by a risk limit."),
}


@extend_schema(tags=["opportunities"])
class OpportunityViewSet(_ReadViewSet):
    """Detected opportunities; operators approve, execute or cancel them."""

    queryset = Opportunity.objects.all()
    serializer_class = OpportunitySerializer
    required_permissions = {
        **_read("arbitrage.view_opportunity"),
        "approve": ("arbitrage.change_trade",),
        "execute": ("arbitrage.change_trade",),
        "cancel": ("arbitrage.change_trade",),
    }
    filterset_class = filters.OpportunityFilter
    ordering_fields = ("id", "detected_at", "block_number")
    ordering = ("-id",)

    @extend_schema(request=None, responses={200: TradeSerializer, **_DECISION_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Approve for execution (creates the trade; idempotent)."""
        opportunity = self.get_object()
        trade = trades.trade_approve(
            opportunity_id=opportunity.pk, mode=settings.ARBX_EXECUTION_MODE, actor=request.user
        )
        return Response(TradeSerializer(trade).data)

    @extend_schema(request=None, responses={202: TradeSerializer, **_DECISION_ERRORS})
    @action(detail=True, methods=["post"])
    def execute(self, request: Request, pk: str) -> Response:
        """Approve and queue the execution (in the configured mode: dry_run unless live)."""
        opportunity = self.get_object()
        trade = trades.trade_execute_request(
            opportunity_id=opportunity.pk, mode=settings.ARBX_EXECUTION_MODE, actor=request.user
        )
        return Response(TradeSerializer(trade).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=CancelSerializer, responses={200: TradeSerializer, **_DECISION_ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel before simulation; the trade ends rejected."""
        opportunity = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trade = trades.trade_cancel(
            opportunity_id=opportunity.pk,
            reason=data.validated_data["reason"],
            actor=request.user,
        )
        return Response(TradeSerializer(trade).data)


@extend_schema(tags=["trades"])
class TradeViewSet(_ReadViewSet):
    """Trades and their execution state."""

    queryset = Trade.objects.all()
    serializer_class = TradeSerializer
    required_permissions = _read("arbitrage.view_trade")
    filterset_class = filters.TradeFilter
    ordering_fields = ("id", "created_at")
    ordering = ("-id",)

    def get_queryset(self) -> QuerySet[Trade]:
        return Trade.objects.select_related("opportunity")
