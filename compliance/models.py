"""Compliance: parties, their KYC cases, documents and wallets; sanctions lists; screening
results; payouts.

Personal data (names, birth dates, document numbers, postal addresses, documents and their
file names) is held in `Personal*Field`s: encrypted in the row (compliance.crypto), plaintext
in Python. A row's ``__str__`` names it by id only, so the admin's messages, the audit log's
``target_repr`` and error reports never carry personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from compliance.fields import PersonalBytesField, PersonalTextField
from core.addresses import ADDRESS_LENGTH, validate_checksum_address
from core.fields import AmountField

USER = settings.AUTH_USER_MODEL


class Party(models.Model):
    """A person or legal entity the system trades for or pays out to."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual"
        ENTITY = "entity"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = PersonalTextField(help_text="Full legal name (encrypted).")
    birth_date = PersonalTextField(blank=True, help_text="YYYY-MM-DD (encrypted).")
    document_number = PersonalTextField(blank=True, help_text="Passport or ID number (encrypted).")
    postal_address = PersonalTextField(blank=True, help_text="Postal address (encrypted).")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    name_index = models.CharField(
        max_length=64, db_index=True, editable=False, help_text="Keyed blind index of the name."
    )
    relationship_ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When the relationship ended (starts the retention)."
    )
    legal_hold = models.BooleanField(
        default=False, help_text="Under legal hold: personal data is kept past its retention."
    )
    purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    screened_list = models.ForeignKey(
        "SanctionsList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The list version the name was last screened against.",
    )
    screened_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return f"Party #{self.pk}"


class KycCase(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft"
        SUBMITTED = "submitted"
        IN_REVIEW = "in_review"
        NEEDS_INFORMATION = "needs_information"
        APPROVED = "approved"
        REJECTED = "rejected"
        EXPIRED = "expired"

    class Risk(models.TextChoices):
        LOW = "low"
        MEDIUM = "medium"
        HIGH = "high"

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.DRAFT, editable=False
    )
    risk = models.CharField(max_length=8, choices=Risk.choices, default=Risk.MEDIUM)
    # Queue order: HIGH first (3), then MEDIUM, then LOW.
    risk_rank = models.PositiveSmallIntegerField(default=2, editable=False)
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    review_date = models.DateField(
        null=True, blank=True, help_text="An approval expires on this date."
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_edited_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    first_approver = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="High risk: the first of the two officers who approved.",
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_reason = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("due_date", "-risk_rank", "created_at")
        verbose_name = "KYC case"
        indexes = (models.Index(fields=("state", "due_date"), name="kyc_queue_idx"),)

    def __str__(self) -> str:
        return f"KYC case #{self.pk} ({self.state})"


class KycDecision(models.Model):
    """One move of a case: who, when, from which state to which, and why."""

    case = models.ForeignKey(KycCase, on_delete=models.CASCADE, related_name="decisions")
    from_state = models.CharField(max_length=20, choices=KycCase.State.choices)
    to_state = models.CharField(max_length=20, choices=KycCase.State.choices)
    first_approval = models.BooleanField(default=False)
    officer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"case #{self.case_id}: {self.from_state} -> {self.to_state}"


class KycDocument(models.Model):
    class Kind(models.TextChoices):
        PASSPORT = "passport"
        ID_CARD = "id_card"
        PROOF_OF_ADDRESS = "proof_of_address"
        COMPANY_REGISTRY = "company_registry"
        OTHER = "other"

    case = models.ForeignKey(KycCase, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    filename = PersonalTextField(blank=True, help_text="As uploaded (encrypted).")
    content = PersonalBytesField(help_text="The file (encrypted).")
    content_type = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("uploaded_at", "pk")

    def __str__(self) -> str:
        return f"Document #{self.pk} ({self.kind})"


class Wallet(models.Model):
    """An address of a party's, to which payouts may go."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="wallets")
    chain = models.ForeignKey("arbitrage.Chain", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=ADDRESS_LENGTH, validators=[validate_checksum_address])
    label = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("party_id", "pk")
        constraints = (
            models.UniqueConstraint(fields=("chain", "address"), name="wallet_unique_per_chain"),
        )

    def __str__(self) -> str:
        return f"Wallet #{self.pk} {self.address}"


class SanctionsList(models.Model):
    """One imported version of a sanctions list (the newest is the one in force)."""

    class Format(models.TextChoices):
        SDN_XML = "sdn_xml", "OFAC SDN XML"
        ADVANCED_XML = "advanced_xml", "OFAC SDN advanced XML"
        CSV = "csv", "OFAC SDN CSV"

    source = models.CharField(max_length=32, default="OFAC SDN")
    format = models.CharField(max_length=16, choices=Format.choices)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    published = models.CharField(max_length=32, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    name_count = models.PositiveIntegerField(default=0)
    address_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-pk",)
        verbose_name = "sanctions list version"

    def __str__(self) -> str:
        published = self.published or (f"{self.imported_at:%Y-%m-%d}" if self.imported_at else "")
        return f"{self.source} v{self.pk} ({published})"


class SanctionsEntry(models.Model):
    version = models.ForeignKey(SanctionsList, on_delete=models.CASCADE, related_name="entries")
    uid = models.CharField(max_length=32)
    name = models.CharField(max_length=512)
    kind = models.CharField(max_length=16, blank=True)
    programs = models.JSONField(default=list)

    class Meta:
        ordering = ("version_id", "uid")
        verbose_name_plural = "sanctions entries"
        constraints = (
            models.UniqueConstraint(fields=("version", "uid"), name="sanctions_entry_unique"),
        )

    def __str__(self) -> str:
        return f"{self.uid} {self.name}"


class SanctionsName(models.Model):
    """A listed name (the primary one and every alias), normalized for screening."""

    version = models.ForeignKey(SanctionsList, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=512)
    normalized = models.CharField(max_length=512)
    primary = models.BooleanField(default=False)

    class Meta:
        ordering = ("entry_id", "-primary", "pk")

    def __str__(self) -> str:
        return self.name


class SanctionsAddress(models.Model):
    """A listed digital-currency address; ``normalized`` is lower case for a 0x address."""

    version = models.ForeignKey(SanctionsList, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.CASCADE, related_name="addresses")
    chain = models.CharField(max_length=16)
    address = models.CharField(max_length=128)
    normalized = models.CharField(max_length=128)

    class Meta:
        ordering = ("entry_id", "pk")
        verbose_name_plural = "sanctions addresses"
        indexes = (models.Index(fields=("version", "normalized"), name="sanctions_address_idx"),)

    def __str__(self) -> str:
        return f"{self.chain} {self.address}"


class ScreeningResult(models.Model):
    """A hit of a screened subject against a listed entry, until an officer resolves it.

    Open and confirmed hits on an address stop every trade and payout through it
    (compliance.gate); a false positive lets them pass again.
    """

    class Subject(models.TextChoices):
        PARTY = "party"
        WALLET = "wallet"
        TOKEN = "token"  # noqa: S105 - a kind of subject, not a secret
        POOL = "pool"
        DEX = "dex"

    class Status(models.TextChoices):
        OPEN = "open"
        CONFIRMED = "confirmed"
        FALSE_POSITIVE = "false_positive"
        CLEARED = "cleared", "cleared (no longer listed)"

    subject_type = models.CharField(max_length=8, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField()
    address = models.CharField(
        max_length=128, blank=True, db_index=True, help_text="Normalized; empty for a name hit."
    )
    version = models.ForeignKey(SanctionsList, on_delete=models.PROTECT, related_name="+")
    entry_uid = models.CharField(max_length=32)
    matched = models.CharField(max_length=512, help_text="The listed name or address matched.")
    score = models.PositiveSmallIntegerField(default=100)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=("subject_type", "subject_id", "entry_uid", "matched"),
                name="screening_hit_unique",
            ),
        )
        indexes = (
            models.Index(
                fields=("address", "status"),
                name="screening_blocking_idx",
                condition=Q(status__in=("open", "confirmed")),
            ),
        )

    def __str__(self) -> str:
        return f"Hit #{self.pk} {self.subject_type} #{self.subject_id} ~ {self.entry_uid}"


class Payout(models.Model):
    """Tokens the executor contract holds, sent to a party's wallet (its `withdraw`)."""

    class State(models.TextChoices):
        REQUESTED = "requested"
        REFUSED = "refused"
        SUBMITTED = "submitted"
        CONFIRMED = "confirmed"
        FAILED = "failed"

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="payouts")
    token = models.ForeignKey("arbitrage.Token", on_delete=models.PROTECT, related_name="+")
    amount = AmountField()
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.REQUESTED, editable=False
    )
    reason = models.TextField(blank=True, editable=False)
    account = models.CharField(max_length=ADDRESS_LENGTH, blank=True, editable=False)
    nonce = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    tx_hash = models.CharField(max_length=66, null=True, blank=True, unique=True, editable=False)
    signed_tx = models.TextField(blank=True, editable=False)
    block_number = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Payout #{self.pk} ({self.state})"
