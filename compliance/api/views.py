"""The compliance API under /api/v1/compliance/: the compliance officer's work (parties, the KYC
queue, documents, screening, sanctions lists) and payouts. Every write goes through the
services (compliance.kyc, .screening, .payouts), which audit it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import kyc, payouts, screening
from compliance.api import serializers as s
from compliance.models import (
    KycCase,
    KycDocument,
    Party,
    Payout,
    SanctionsList,
    ScreeningResult,
    Wallet,
)
from core.api.errors import ErrorSerializer
from core.api.permissions import ActionPermission
from core.handoff import Message, send

ID = "[0-9]{1,18}"
CONFLICT = {
    409: OpenApiResponse(ErrorSerializer, description="Not in a state that allows this."),
}


def _read(model: str) -> dict[str, tuple[str, ...]]:
    return {"list": (f"compliance.view_{model}",), "retrieve": (f"compliance.view_{model}",)}


class _Base(viewsets.GenericViewSet[Any]):
    permission_classes = (ActionPermission,)
    lookup_value_regex = ID


@extend_schema(tags=["compliance"])
@extend_schema_view(
    create=extend_schema(request=s.PartyWriteSerializer, responses={201: s.PartySerializer}),
    partial_update=extend_schema(
        request=s.PartyWriteSerializer, responses={200: s.PartySerializer, **CONFLICT}
    ),
)
class PartyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """People and legal entities, with their personal data (encrypted at rest). `?name=` finds
    the exact name (any case, accents, punctuation or word order) through the blind index."""

    queryset = Party.objects.all()
    serializer_class = s.PartySerializer
    required_permissions = {
        **_read("party"),
        "create": ("compliance.add_party",),
        "partial_update": ("compliance.change_party",),
    }
    ordering = ("-created_at",)

    def get_queryset(self) -> QuerySet[Party]:
        queryset = super().get_queryset()
        name = self.request.query_params.get("name")
        if name and self.action == "list":
            from compliance.crypto import blind_index

            queryset = queryset.filter(name_index=blind_index(name))
        return queryset

    def create(self, request: Request) -> Response:
        data = s.PartyWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.to_service()
        name = fields.pop("name", "")
        party = kyc.party_create(actor=request.user, name=name, **fields)
        return Response(s.PartySerializer(party).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        party = self.get_object()
        data = s.PartyWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        party = kyc.party_update(party_id=party.pk, actor=request.user, **data.to_service())
        return Response(s.PartySerializer(party).data)


@extend_schema(tags=["compliance"])
@extend_schema_view(create=extend_schema(responses={201: s.WalletSerializer}))
class WalletViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Parties' wallets (payouts go only to these), screened by address as they are added."""

    queryset = Wallet.objects.all()
    serializer_class = s.WalletSerializer
    required_permissions = {**_read("wallet"), "create": ("compliance.add_wallet",)}
    filterset_fields = ("party", "chain")
    ordering = ("pk",)

    def create(self, request: Request) -> Response:
        data = s.WalletSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        wallet = kyc.wallet_add(
            party_id=v["party"].pk,
            chain=v["chain"],
            address=v["address"],
            label=v.get("label", ""),
            actor=request.user,
        )
        return Response(s.WalletSerializer(wallet).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["compliance"])
@extend_schema_view(
    create=extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseSerializer}),
    partial_update=extend_schema(
        request=s.CaseUpdateSerializer, responses={200: s.CaseSerializer, **CONFLICT}
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """The KYC queue: cases ordered by due date, then risk (high first). `?state=` filters
    (`?open=true`: the cases still to be decided)."""

    queryset = (
        KycCase.objects.all()
        .select_related("party")
        .prefetch_related("decisions__officer", "documents")
    )
    serializer_class = s.CaseSerializer
    change = ("compliance.change_kyccase",)
    required_permissions = {
        **_read("kyccase"),
        "create": ("compliance.add_kyccase",),
        "partial_update": change,
        "submit": change,
        "claim": change,
        "request_information": change,
        "approve": change,
        "reject": change,
        "documents": ("compliance.add_kycdocument",),
    }
    filterset_fields = ("state", "risk", "assignee", "party")
    ordering = ("due_date", "-risk_rank", "created_at")

    def get_queryset(self) -> QuerySet[KycCase]:
        queryset = super().get_queryset()
        if self.request.query_params.get("open") in ("1", "true"):
            queryset = queryset.filter(state__in=kyc.OPEN_STATES)
        return queryset

    def create(self, request: Request) -> Response:
        data = s.CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = kyc.case_open(
            party_id=v["party"].pk, actor=request.user, risk=v["risk"], due_date=v.get("due_date")
        )
        return Response(s.CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = s.CaseUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        case = kyc.case_update(
            case_id=self.get_object().pk, actor=request.user, **data.validated_data
        )
        return Response(s.CaseSerializer(case).data)

    def _answer(self, case: KycCase) -> Response:
        return Response(s.CaseSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.CaseSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """draft or needs information -> submitted (into the queue)."""
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            kyc.case_submit(
                case_id=self.get_object().pk,
                actor=request.user,
                reason=data.validated_data["reason"],
            )
        )

    @extend_schema(request=None, responses={200: s.CaseSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """Take a submitted case: assigned to you, in review."""
        return self._answer(kyc.case_claim(case_id=self.get_object().pk, actor=request.user))

    @extend_schema(request=s.ReasonSerializer, responses={200: s.CaseSerializer, **CONFLICT})
    @action(detail=True, methods=["post"], url_path="request-information")
    def request_information(self, request: Request, pk: str) -> Response:
        """in review -> needs information, with what is missing."""
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            kyc.case_request_information(
                case_id=self.get_object().pk,
                actor=request.user,
                reason=data.validated_data["reason"],
            )
        )

    @extend_schema(request=s.ApproveSerializer, responses={200: s.CaseSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Approve with a reason (high risk: two officers, four eyes)."""
        data = s.ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            kyc.case_approve(
                case_id=self.get_object().pk,
                actor=request.user,
                reason=data.validated_data["reason"],
                review_date=data.validated_data.get("review_date"),
            )
        )

    @extend_schema(request=s.ReasonSerializer, responses={200: s.CaseSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        """Reject with a reason."""
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            kyc.case_reject(
                case_id=self.get_object().pk,
                actor=request.user,
                reason=data.validated_data["reason"],
            )
        )

    @extend_schema(
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer, **CONFLICT},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=(MultiPartParser, FormParser),
        url_path="documents",
    )
    def documents(self, request: Request, pk: str) -> Response:
        """Upload a document (PDF, PNG or JPEG, recognised from its bytes; size-limited)."""
        data = s.DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        document = kyc.document_add(
            case_id=self.get_object().pk,
            actor=request.user,
            content=upload.read(),
            filename=upload.name or "",
            kind=data.validated_data["kind"],
        )
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["compliance"])
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Documents' metadata; `content/` gives the file itself (each reading is audited)."""

    queryset = KycDocument.objects.all()
    serializer_class = s.DocumentSerializer
    required_permissions = {**_read("kycdocument"), "content": ("compliance.view_kycdocument",)}
    filterset_fields = ("case", "kind")
    ordering = ("pk",)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
        }
    )
    @action(detail=True, methods=["get"])
    def content(self, request: Request, pk: str) -> HttpResponse:
        document = kyc.document_read(document_id=self.get_object().pk, actor=request.user)
        return kyc.document_response(document)


@extend_schema(tags=["compliance"])
class ResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Screening hits; open and confirmed ones stop trades and payouts through their address."""

    queryset = ScreeningResult.objects.all()
    serializer_class = s.ResultSerializer
    required_permissions = {
        **_read("screeningresult"),
        "resolve": ("compliance.change_screeningresult",),
    }
    filterset_fields = ("status", "subject_type", "subject_id", "entry_uid")
    ordering = ("-created_at", "-pk")

    @extend_schema(request=s.ResolveSerializer, responses={200: s.ResultSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        """Confirmed or false positive, with a reason."""
        data = s.ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = screening.result_resolve(
            result_id=self.get_object().pk,
            status=data.validated_data["status"],
            reason=data.validated_data["reason"],
            actor=request.user,
        )
        return Response(s.ResultSerializer(result).data)


@extend_schema(tags=["compliance"])
class SanctionsListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Imported list versions (the newest is in force); `manage.py import_sanctions` adds one."""

    queryset = SanctionsList.objects.all()
    serializer_class = s.SanctionsListSerializer
    required_permissions = _read("sanctionslist")
    ordering = ("-pk",)


@extend_schema(tags=["compliance"])
class ScreenView(APIView):
    """Screen a name or an address against the list in force (nothing is stored)."""

    permission_classes = (ActionPermission,)
    required_permissions = {"post": ("compliance.view_screeningresult",)}

    @extend_schema(request=s.ScreenSerializer, responses=s.ScreenAnswerSerializer)
    def post(self, request: Request) -> Response:
        data = s.ScreenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        version = screening.current_list()
        if "name" in v:
            hits = screening.screen_name(v["name"], version=version, threshold=v.get("threshold"))
        else:
            hits = screening.screen_address(v["address"], version=version)
        return Response(
            {"list_version": version.pk if version else None, "hits": [h.as_json() for h in hits]}
        )


@extend_schema(tags=["compliance"])
@extend_schema_view(
    create=extend_schema(
        request=s.PayoutCreateSerializer,
        responses={
            201: s.PayoutSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Refused by the compliance gate."),
        },
    )
)
class PayoutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Payouts to parties' wallets. A request the compliance gate refuses is kept as refused
    (with its reason) and answered 403; an accepted one is sent by the execute queue."""

    queryset = Payout.objects.all()
    serializer_class = s.PayoutSerializer
    required_permissions = {**_read("payout"), "create": ("compliance.add_payout",)}
    filterset_fields = ("state", "wallet")
    ordering = ("-created_at",)

    def create(self, request: Request) -> Response:
        data = s.PayoutCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        payout = payouts.payout_request(
            wallet_id=v["wallet"].pk, token=v["token"], amount=v["amount"], actor=request.user
        )
        if payout.state == Payout.State.REFUSED:
            return Response(
                {
                    "code": "payout_refused",
                    "message": payout.reason,
                    "detail": {"payout": payout.pk, "state": payout.state},
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        # Queued after the commit through the bounded hand-off: a broker outage keeps the
        # message in this process's outbox (sent when the broker answers), never a 500.
        message = Message("compliance.tasks.send_payout", (payout.pk,), "default")
        transaction.on_commit(lambda: send(message, wait=True))
        return Response(s.PayoutSerializer(payout).data, status=status.HTTP_201_CREATED)
