"""The compliance API's shapes. Personal fields are shown to compliance officers only (the
only role these endpoints serve); amounts are decimal strings of base units."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from arbitrage.models import Token
from compliance.models import (
    KycCase,
    KycDecision,
    KycDocument,
    Party,
    Payout,
    SanctionsList,
    ScreeningResult,
    Wallet,
)
from core.api.fields import AmountField


class PartySerializer(serializers.ModelSerializer[Party]):
    class Meta:
        model = Party
        fields = (
            "id",
            "kind",
            "name",
            "birth_date",
            "document_number",
            "postal_address",
            "country",
            "relationship_ended_at",
            "legal_hold",
            "purged_at",
            "screened_list",
            "screened_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("purged_at", "screened_list", "screened_at", "created_at", "updated_at")


class PartyWriteSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Party.Kind.choices, required=False)
    name = serializers.CharField(max_length=512, required=False)
    birth_date = serializers.DateField(required=False)
    document_number = serializers.CharField(max_length=128, required=False, allow_blank=True)
    postal_address = serializers.CharField(max_length=1024, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    relationship_ended_at = serializers.DateTimeField(required=False, allow_null=True)
    legal_hold = serializers.BooleanField(required=False)

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "birth_date" in data:
            data["birth_date"] = data["birth_date"].isoformat()
        return data


class WalletSerializer(serializers.ModelSerializer[Wallet]):
    class Meta:
        model = Wallet
        fields = ("id", "party", "chain", "address", "label", "created_at")
        read_only_fields = ("created_at",)


class DecisionSerializer(serializers.ModelSerializer[KycDecision]):
    officer = serializers.CharField(source="officer.username", default=None, read_only=True)

    class Meta:
        model = KycDecision
        fields = ("from_state", "to_state", "first_approval", "officer", "reason", "at")


class DocumentSerializer(serializers.ModelSerializer[KycDocument]):
    class Meta:
        model = KycDocument
        fields = (
            "id",
            "case",
            "kind",
            "filename",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "purged_at",
        )


class CaseSerializer(serializers.ModelSerializer[KycCase]):
    decisions = DecisionSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = KycCase
        fields = (
            "id",
            "party",
            "state",
            "risk",
            "assignee",
            "due_date",
            "review_date",
            "created_by",
            "last_edited_by",
            "submitted_by",
            "first_approver",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
            "updated_at",
            "decisions",
            "documents",
        )
        read_only_fields = fields


class CaseCreateSerializer(serializers.Serializer[Any]):
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    risk = serializers.ChoiceField(choices=KycCase.Risk.choices, default=KycCase.Risk.MEDIUM)
    due_date = serializers.DateField(required=False, allow_null=True)


class CaseUpdateSerializer(serializers.Serializer[Any]):
    risk = serializers.ChoiceField(choices=KycCase.Risk.choices, required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    review_date = serializers.DateField(required=False, allow_null=True)


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, allow_blank=True, default="")


class ApproveSerializer(ReasonSerializer):
    review_date = serializers.DateField(required=False, allow_null=True)


class DocumentUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=KycDocument.Kind.choices, default=KycDocument.Kind.OTHER)


class ResultSerializer(serializers.ModelSerializer[ScreeningResult]):
    class Meta:
        model = ScreeningResult
        fields = (
            "id",
            "subject_type",
            "subject_id",
            "address",
            "version",
            "entry_uid",
            "matched",
            "score",
            "status",
            "resolved_by",
            "resolved_at",
            "reason",
            "created_at",
        )
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=[ScreeningResult.Status.CONFIRMED, ScreeningResult.Status.FALSE_POSITIVE]
    )
    reason = serializers.CharField(max_length=2000)


class SanctionsListSerializer(serializers.ModelSerializer[SanctionsList]):
    class Meta:
        model = SanctionsList
        fields = (
            "id",
            "source",
            "format",
            "filename",
            "sha256",
            "published",
            "entry_count",
            "name_count",
            "address_count",
            "imported_at",
        )
        read_only_fields = fields


class ScreenSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=512, required=False)
    address = serializers.CharField(max_length=128, required=False)
    threshold = serializers.IntegerField(min_value=0, max_value=100, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("name" in attrs) == ("address" in attrs):
            raise serializers.ValidationError("give a name or an address (one of them)")
        return attrs


class HitSerializer(serializers.Serializer[Any]):
    uid = serializers.CharField()
    matched = serializers.CharField()
    score = serializers.IntegerField()
    list_version = serializers.IntegerField()


class ScreenAnswerSerializer(serializers.Serializer[Any]):
    list_version = serializers.IntegerField(allow_null=True)
    hits = HitSerializer(many=True)


class PayoutSerializer(serializers.ModelSerializer[Payout]):
    amount = AmountField()

    class Meta:
        model = Payout
        fields = (
            "id",
            "wallet",
            "token",
            "amount",
            "state",
            "reason",
            "account",
            "nonce",
            "tx_hash",
            "block_number",
            "requested_by",
            "created_at",
            "finished_at",
        )
        read_only_fields = fields


class PayoutCreateSerializer(serializers.Serializer[Any]):
    wallet = serializers.PrimaryKeyRelatedField(queryset=Wallet.objects.all())
    token = serializers.PrimaryKeyRelatedField(queryset=Token.objects.all())
    amount = AmountField()
