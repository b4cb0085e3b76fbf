"""Thin views: validate with a small serializer, call a service, answer with a read serializer.

Who may call what is declared per action in ``required_permissions`` (Django permissions held
by the role groups, see accounts/roles.py and docs/permissions.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django_celery_beat.models import PeriodicTask
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from accounts.api.serializers import AuditEventSerializer
from accounts.models import AuditEvent
from arbitrage.api import filters
from arbitrage.api.serializers import (
    CancelSerializer,
    ChainSerializer,
    ChainSettingsSerializer,
    ChainWriteSerializer,
    ControlSettingsSerializer,
    DexSerializer,
    DexWriteSerializer,
    ExecutionControlSerializer,
    OpportunitySerializer,
    PauseSerializer,
    PoolSerializer,
    PoolSettingsSerializer,
    PoolWriteSerializer,
    ScanningSerializer,
    ScheduleSerializer,
    ScheduleSettingsSerializer,
    ThresholdCreateSerializer,
    ThresholdSerializer,
    ThresholdSettingsSerializer,
    TokenSerializer,
    TokenSettingsSerializer,
    TokenWriteSerializer,
    TradeSerializer,
)
from arbitrage.errors import ArbitrageError, ArbitrageErrorCode
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
from arbitrage.services import control, market, schedules, thresholds
from core.api.errors import ErrorSerializer
from core.api.permissions import ActionPermission

ID = "[0-9]{1,18}"


def _read(perm: str) -> dict[str, tuple[str, ...]]:
    return {"list": (perm,), "retrieve": (perm,)}


# --- Optimistic locking: the version a change is made from, and the ETag of an answer -------

_SETTINGS_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A setting is not valid."),
    409: OpenApiResponse(
        ErrorSerializer, description="Changed since it was read (a stale version): read again."
    ),
    428: OpenApiResponse(
        ErrorSerializer, description="No version given (body `version` or If-Match): read first."
    ),
}


def expected_version(request: Request, body: dict[str, Any]) -> int | None:
    """The version a change was made from: the body's `version`, else an If-Match header
    (`"3"`, as the ETag gave it). None when the client gave neither."""
    version = body.pop("version", None)
    if version is not None:
        return int(version)
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tag = header.removeprefix("W/").strip('"')
    if not tag.isdigit() or len(tag) > 18:
        raise ValidationError({"If-Match": 'must be an ETag this API gave, e.g. "3"'})
    return int(tag)


def settings_from(
    request: Request, serializer_class: type[Serializer[Any]], *, required: bool = True
) -> tuple[dict[str, Any], int | None]:
    """The request's validated settings and the version they were made from. A change of
    settings must say which version it was made from (428 otherwise: never a blind overwrite);
    the kill switch's actions (`required=False`) may be pressed without reading first."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    version = expected_version(request, values)
    if version is None and required:
        raise ArbitrageError(
            ArbitrageErrorCode.VERSION_REQUIRED,
            "Say which version this change was made from: the body's `version` or an If-Match"
            " header with the ETag the GET answered.",
        )
    return values, version


def with_etag(response: Response, row: Model | None) -> Response:
    """The row's version as the answer's ETag (what If-Match takes back)."""
    version = getattr(row, "version", None)
    if version is not None:
        response["ETag"] = f'"{version}"'
    return response


def history_of(row: Model) -> QuerySet[AuditEvent]:
    """The audit rows of one object, oldest first: its versions' changes, who, when."""
    return AuditEvent.objects.filter(
        target_type=row._meta.label_lower, target_id=str(row.pk)
    ).order_by("sequence")


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    permission_classes = (ActionPermission,)
    lookup_value_regex = ID

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row = self.get_object()
        return with_etag(Response(self.get_serializer(row).data), row)


class _HistoryMixin:
    """GET .../{id}/history/: the object's audit rows (its changes, before and after), for
    those who may change it."""

    @extend_schema(request=None, responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str) -> Response:
        row = self.get_object()  # type: ignore[attr-defined]
        return Response(AuditEventSerializer(history_of(row), many=True).data)


class _SettingsMixin:
    """PATCH .../{id}/: change some run-time settings of the row through `update` (a service
    taking the row, `version` and `actor`), answering with the read form and the ETag."""

    settings_serializer_class: type[Serializer[Any]]
    settings_update: Callable[..., Model]
    update_argument: str

    def partial_update(self, request: Request, pk: str) -> Response:
        row = self.get_object()  # type: ignore[attr-defined]
        values, version = settings_from(request, self.settings_serializer_class)
        updated = type(self).settings_update(
            **{self.update_argument: row}, version=version, actor=request.user, **values
        )
        return with_etag(Response(self.get_serializer(updated).data), updated)  # type: ignore[attr-defined]


def _settings_schema(write: type[Serializer[Any]], read: type[Serializer[Any]]) -> Any:
    return extend_schema_view(
        partial_update=extend_schema(
            request=write,
            responses={200: read, **_SETTINGS_ERRORS},
            parameters=[IF_MATCH],
        )
    )


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag read (e.g. "3"): the change is refused with 409 if it is stale.',
)


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
@_settings_schema(ChainSettingsSerializer, ChainSerializer)
class ChainViewSet(_HistoryMixin, _SettingsMixin, _UpsertViewSet):
    """Chains; admins create or update them (by EIP-155 chain id) and change their RPC endpoints
    (versioned: PATCH with the version read). The kill switch is per chain."""

    queryset = Chain.objects.all()
    serializer_class = ChainSerializer
    write_serializer_class = ChainWriteSerializer
    upsert = staticmethod(market.chain_upsert)
    settings_serializer_class = ChainSettingsSerializer
    settings_update = staticmethod(market.chain_update)
    update_argument = "chain"
    required_permissions = {
        **_read("arbitrage.view_chain"),
        "create": ("arbitrage.add_chain", "arbitrage.change_chain"),
        "partial_update": ("arbitrage.change_chain",),
        # A history names who changed what: for those who may change it.
        "history": ("arbitrage.change_chain",),
        "control": ("arbitrage.view_executioncontrol",),
        "control_update": ("arbitrage.change_executioncontrol",),
        "control_history": ("arbitrage.change_executioncontrol",),
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
        """The chain's execution control: the kill switch, scanning and the limits (ETag: its
        version)."""
        row = self._control()
        return with_etag(Response(ExecutionControlSerializer(row).data), row)

    @extend_schema(
        request=ControlSettingsSerializer,
        responses={200: ExecutionControlSerializer, **_SETTINGS_ERRORS},
        parameters=[IF_MATCH],
    )
    @control.mapping.patch
    def control_update(self, request: Request, pk: str) -> Response:
        """Change the kill switch, scanning or the limits, from the version read."""
        chain = self.get_object()
        values, version = settings_from(request, ControlSettingsSerializer)
        row = control.control_update(chain=chain, version=version, actor=request.user, **values)
        return with_etag(Response(ExecutionControlSerializer(row).data), row)

    @extend_schema(request=None, responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="control/history", pagination_class=None)
    def control_history(self, request: Request, pk: str) -> Response:
        """The audit rows of the chain's execution control: every change, before and after."""
        row = ExecutionControl.objects.filter(chain=self.get_object()).first()
        events = history_of(row) if row is not None else AuditEvent.objects.none()
        return Response(AuditEventSerializer(events, many=True).data)

    @extend_schema(
        request=PauseSerializer,
        responses={200: ExecutionControlSerializer, 409: _SETTINGS_ERRORS[409]},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="control/pause")
    def pause(self, request: Request, pk: str) -> Response:
        """Kill switch on: nothing is signed or sent on this chain until resumed."""
        chain = self.get_object()
        values, version = settings_from(request, PauseSerializer, required=False)
        result = control.execution_pause(
            chain=chain,
            reason=values["reason"],
            version=version,
            actor=request.user,
        )
        return with_etag(Response(ExecutionControlSerializer(result).data), result)

    @extend_schema(
        request=None,
        responses={200: ExecutionControlSerializer, 409: _SETTINGS_ERRORS[409]},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="control/resume")
    def resume(self, request: Request, pk: str) -> Response:
        """Kill switch off: execution may resume on this chain."""
        result = control.execution_resume(
            chain=self.get_object(), version=expected_version(request, {}), actor=request.user
        )
        return with_etag(Response(ExecutionControlSerializer(result).data), result)

    @extend_schema(
        request=ScanningSerializer,
        responses={200: ExecutionControlSerializer, 409: _SETTINGS_ERRORS[409]},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="control/scanning")
    def scanning(self, request: Request, pk: str) -> Response:
        """Start or stop scanning this chain for opportunities."""
        chain = self.get_object()
        values, version = settings_from(request, ScanningSerializer, required=False)
        result = control.scanning_set(
            chain=chain,
            enabled=values["enabled"],
            version=version,
            actor=request.user,
        )
        return with_etag(Response(ExecutionControlSerializer(result).data), result)


@extend_schema(tags=["market"])
@_upsert_schema(TokenWriteSerializer, TokenSerializer)
@_settings_schema(TokenSettingsSerializer, TokenSerializer)
class TokenViewSet(_HistoryMixin, _SettingsMixin, _UpsertViewSet):
    """Tokens; admins create or update them (by chain and address), and block or unblock them
    (versioned: PATCH with the version read)."""

    queryset = Token.objects.all()
    serializer_class = TokenSerializer
    write_serializer_class = TokenWriteSerializer
    upsert = staticmethod(market.token_upsert)
    settings_serializer_class = TokenSettingsSerializer
    settings_update = staticmethod(market.token_update)
    update_argument = "token"
    required_permissions = {
        **_read("arbitrage.view_token"),
        "create": ("arbitrage.add_token", "arbitrage.change_token"),
        "partial_update": ("arbitrage.change_token",),
        "history": ("arbitrage.change_token",),
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
@_settings_schema(PoolSettingsSerializer, PoolSerializer)
class PoolViewSet(_HistoryMixin, _SettingsMixin, _UpsertViewSet):
    """Pools with their last synced reserves; admins register pools, and activate or
    deactivate them (versioned: PATCH with the version read)."""

    queryset = Pool.objects.all()
    serializer_class = PoolSerializer
    write_serializer_class = PoolWriteSerializer
    upsert = staticmethod(market.pool_upsert)
    settings_serializer_class = PoolSettingsSerializer
    settings_update = staticmethod(market.pool_update)
    update_argument = "pool"
    required_permissions = {
        **_read("arbitrage.view_pool"),
        "create": ("arbitrage.add_pool", "arbitrage.change_pool"),
        "partial_update": ("arbitrage.change_pool",),
        "history": ("arbitrage.change_pool",),
    }
    filterset_class = filters.PoolFilter
    ordering_fields = ("id", "address", "updated_at")
    ordering = ("id",)


# --- Thresholds ----------------------------------------------------------------------------


@extend_schema(tags=["thresholds"])
class ThresholdViewSet(_HistoryMixin, _ReadViewSet, mixins.DestroyModelMixin):
    """Strategy thresholds per chain and start token; operators and admins change them."""

    queryset = Threshold.objects.all()
    serializer_class = ThresholdSerializer
    required_permissions = {
        **_read("arbitrage.view_threshold"),
        "create": ("arbitrage.add_threshold",),
        "partial_update": ("arbitrage.change_threshold",),
        "history": ("arbitrage.change_threshold",),
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

    @extend_schema(
        request=ThresholdSettingsSerializer,
        responses={200: ThresholdSerializer, **_SETTINGS_ERRORS},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change some settings, from the version read (body `version` or If-Match)."""
        threshold = self.get_object()
        values, version = settings_from(request, ThresholdSettingsSerializer)
        threshold = thresholds.threshold_update(
            threshold=threshold, version=version, **values, actor=request.user
        )
        return with_etag(Response(ThresholdSerializer(threshold).data), threshold)

    def perform_destroy(self, instance: Threshold) -> None:
        thresholds.threshold_delete(threshold=instance, actor=self.request.user)


# --- Schedules -----------------------------------------------------------------------------


@extend_schema(tags=["schedules"])
class ScheduleViewSet(_HistoryMixin, _ReadViewSet):
    """Celery beat's periodic tasks (sync, confirm, reconcile per chain); admins change how
    often each runs or switch it off, from the version read. Beat reloads them by itself."""

    queryset = PeriodicTask.objects.select_related("interval").all()
    serializer_class = ScheduleSerializer
    required_permissions = {
        "list": ("django_celery_beat.view_periodictask",),
        "retrieve": ("django_celery_beat.view_periodictask",),
        "partial_update": ("django_celery_beat.change_periodictask",),
        "history": ("django_celery_beat.change_periodictask",),
    }
    ordering_fields = ("id", "name")
    ordering = ("id",)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        response = Response(ScheduleSerializer(task).data)
        response["ETag"] = f'"{schedules.schedule_version(task)}"'
        return response

    @extend_schema(
        request=ScheduleSettingsSerializer,
        responses={200: ScheduleSerializer, **_SETTINGS_ERRORS},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        values, version = settings_from(request, ScheduleSettingsSerializer)
        task = schedules.schedule_update(task=task, version=version, actor=request.user, **values)
        response = Response(ScheduleSerializer(task).data)
        response["ETag"] = f'"{schedules.schedule_version(task)}"'
        return response


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

    @extend_schema(
        request=None,
        responses={
            202: TradeSerializer,
            **_DECISION_ERRORS,
            503: OpenApiResponse(
                ErrorSerializer,
                description="Approved, but the queue is unavailable: the reconciler executes"
                " the trade later (or asking again queues it). Retry-After says when to ask.",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def execute(self, request: Request, pk: str) -> Response:
        """Approve and queue the execution (in the configured mode: dry_run unless live). With
        the broker down the trade stays approved and the answer is 503 (see
        docs/resilience.md)."""
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
