"""Where compliance officers work in the admin: the KYC queue (ordered by due date, then risk),
claiming a case, deciding it with a reason, the document viewer, resolving screening hits.

Every write goes through the services (compliance.kyc, compliance.screening), which check the
state machine and four eyes and write the audit log; a refusal is shown as the admin's error
message, never as a server error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from accounts.admin_audit import ReadOnlyAdminMixin
from compliance import kyc, screening
from compliance.crypto import blind_index
from compliance.errors import ComplianceError
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

State = KycCase.State


class PartyForm(forms.ModelForm[Party]):
    birth_date = forms.DateField(required=False, help_text="YYYY-MM-DD (encrypted).")

    class Meta:
        model = Party
        fields = (
            "kind",
            "name",
            "birth_date",
            "document_number",
            "postal_address",
            "country",
            "relationship_ended_at",
            "legal_hold",
        )
        widgets = {
            "name": forms.TextInput(attrs={"size": 60}),
            "document_number": forms.TextInput(),
            "postal_address": forms.Textarea(attrs={"rows": 3}),
        }


class WalletInline(admin.TabularInline[Wallet, Party]):
    model = Wallet
    extra = 0
    fields = ("chain", "address", "label", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin[Party]):
    form = PartyForm
    list_display = ("id", "name", "kind", "country", "screened_list", "legal_hold", "purged_at")
    list_filter = ("kind", "legal_hold")
    search_fields = ("name_index",)
    search_help_text = "The exact name (any case, accents, punctuation or word order)."
    readonly_fields = ("screened_list", "screened_at", "purged_at", "created_at", "updated_at")
    inlines = (WalletInline,)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Party], search_term: str
    ) -> tuple[QuerySet[Party], bool]:
        if not search_term.strip():
            return queryset, False
        return queryset.filter(name_index=blind_index(search_term)), False

    def save_model(self, request: HttpRequest, obj: Party, form: Any, change: bool) -> None:
        data = dict(form.cleaned_data)
        if data.get("birth_date"):
            data["birth_date"] = data["birth_date"].isoformat()
        else:
            data["birth_date"] = ""
        if change:
            saved = kyc.party_update(party_id=obj.pk, actor=request.user, **data)
        else:
            name = data.pop("name")
            saved = kyc.party_create(actor=request.user, name=name, **data)
        obj.pk = saved.pk

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.birth_date:
            form.base_fields["birth_date"].initial = obj.birth_date
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # personal data leaves by the retention purge, which is audited


class DecisionInline(admin.TabularInline[KycDecision, KycCase]):
    model = KycDecision
    extra = 0
    fields = ("at", "officer", "from_state", "to_state", "first_approval", "reason")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DocumentInline(admin.TabularInline[KycDocument, KycCase]):
    model = KycDocument
    extra = 0
    fields = ("kind", "view", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="document")
    def view(self, obj: KycDocument) -> str:
        if obj.purged_at:
            return "purged"
        url = reverse("admin:compliance_kycdocument_view", args=(obj.pk,))
        return format_html('<a href="{}" target="_blank" rel="noopener">open #{}</a>', url, obj.pk)


class DecideForm(forms.Form):
    ACTIONS = (
        ("approve", "Approve"),
        ("request_information", "Ask for information"),
        ("reject", "Reject"),
        ("submit", "Submit to the queue"),
    )
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), required=False)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=KycDocument.Kind.choices)
    file = forms.FileField()


@admin.register(KycCase)
class KycCaseAdmin(admin.ModelAdmin[KycCase]):
    list_display = (
        "id",
        "party_name",
        "state",
        "risk",
        "due_date",
        "assignee",
        "review_date",
        "updated_at",
    )
    list_filter = ("state", "risk", "assignee")
    ordering = ("due_date", "-risk_rank", "created_at")
    fields = ("party", "risk", "assignee", "due_date", "review_date")
    readonly_fields = (
        "state",
        "created_by",
        "last_edited_by",
        "submitted_by",
        "first_approver",
        "decided_by",
        "decided_at",
        "decision_reason",
        "decide_link",
    )
    inlines = (DocumentInline, DecisionInline)
    actions = ("claim_cases",)
    change_form_template = "admin/compliance/kyccase/change_form.html"
    list_select_related = ("party", "assignee")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.fields, *self.readonly_fields) if obj else ("party", "risk", "due_date")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("party", *self.readonly_fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet[KycCase]:
        queryset = super().get_queryset(request)
        # The queue: what is still to be decided comes first unless a state is filtered.
        if (
            "state__exact" not in request.GET
            and request.resolver_match
            and (request.resolver_match.url_name == "compliance_kyccase_changelist")
        ):
            return queryset.filter(state__in=kyc.OPEN_STATES)
        return queryset

    @admin.display(description="party")
    def party_name(self, obj: KycCase) -> str:
        return f"#{obj.party_id} {obj.party.name}" if obj.party.purged_at is None else "purged"

    @admin.display(description="decide")
    def decide_link(self, obj: KycCase) -> str:
        url = reverse("admin:compliance_kyccase_decide", args=(obj.pk,))
        return format_html('<a class="button" href="{}">Decide with a reason</a>', url)

    def save_model(self, request: HttpRequest, obj: KycCase, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            if change:
                fields = {k: data[k] for k in kyc.CASE_FIELDS if k in form.changed_data}
                saved = kyc.case_update(case_id=obj.pk, actor=request.user, **fields)
            else:
                saved = kyc.case_open(
                    party_id=data["party"].pk,
                    actor=request.user,
                    risk=data["risk"],
                    due_date=data.get("due_date"),
                )
        except ComplianceError as exc:
            raise PermissionDenied(exc.message) from None
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Claim the selected cases (assign them to me, in review)")
    def claim_cases(self, request: HttpRequest, queryset: QuerySet[KycCase]) -> None:
        claimed = 0
        for case in queryset:
            try:
                kyc.case_claim(case_id=case.pk, actor=request.user)
                claimed += 1
            except ComplianceError as exc:
                self.message_user(request, f"{case}: {exc.message}", messages.WARNING)
        if claimed:
            self.message_user(request, f"Claimed {claimed} case(s).", messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="compliance_kyccase_decide"),
            path("<int:pk>/upload/", view(self.upload_view), name="compliance_kyccase_upload"),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = get_object_or_404(KycCase.objects.select_related("party"), pk=pk)
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        form = DecideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
            try:
                self._decide(case.pk, action, reason, request)
            except ComplianceError as exc:
                form.add_error(None, exc.message)
            else:
                case.refresh_from_db()
                done = action.replace("_", " ")
                if action == "approve" and case.state == State.IN_REVIEW:
                    done = "first approval (high risk: a second officer must approve too)"
                self.message_user(request, f"{case}: {done} recorded.")
                return HttpResponseRedirect(
                    reverse("admin:compliance_kyccase_change", args=(case.pk,))
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Decide {case}",
            "case": case,
            "form": form,
            "documents": case.documents.all(),
            "decisions": case.decisions.select_related("officer"),
            "opts": self.model._meta,
            "hits": ScreeningResult.objects.filter(
                subject_type=ScreeningResult.Subject.PARTY,
                subject_id=case.party_id,
                status__in=screening.BLOCKING,
            ),
        }
        return TemplateResponse(request, "admin/compliance/kyccase/decide.html", context)

    @staticmethod
    def _decide(case_id: int, action: str, reason: str, request: HttpRequest) -> None:
        actor = request.user
        if action == "approve":
            kyc.case_approve(case_id=case_id, actor=actor, reason=reason)
        elif action == "reject":
            kyc.case_reject(case_id=case_id, actor=actor, reason=reason)
        elif action == "request_information":
            kyc.case_request_information(case_id=case_id, actor=actor, reason=reason)
        else:
            kyc.case_submit(case_id=case_id, actor=actor, reason=reason)

    def upload_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = get_object_or_404(KycCase, pk=pk)
        if not request.user.has_perm("compliance.add_kycdocument"):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                kyc.document_add(
                    case_id=case.pk,
                    actor=request.user,
                    content=upload.read(),
                    filename=upload.name or "",
                    kind=form.cleaned_data["kind"],
                )
            except ComplianceError as exc:
                form.add_error("file", exc.message)
            else:
                self.message_user(request, "Document added.")
                return HttpResponseRedirect(
                    reverse("admin:compliance_kyccase_change", args=(case.pk,))
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Add a document to {case}",
            "case": case,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/compliance/kyccase/upload.html", context)


@admin.register(KycDocument)
class KycDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[KycDocument]):
    list_display = ("id", "case", "kind", "content_type", "size", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "content_type")
    exclude = ("content", "filename")
    readonly_fields = ("viewer",)

    @admin.display(description="document")
    def viewer(self, obj: KycDocument) -> str:
        if obj.purged_at:
            return "purged"
        url = reverse("admin:compliance_kycdocument_view", args=(obj.pk,))
        if obj.content_type.startswith("image/"):
            return format_html('<img src="{}" style="max-width: 720px" alt="document">', url)
        return format_html(
            '<iframe src="{}" title="document" style="width: 100%; height: 720px"></iframe>', url
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/view/", view(self.view_content), name="compliance_kycdocument_view"),
            *super().get_urls(),
        ]

    def view_content(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("compliance.view_kycdocument"):
            raise PermissionDenied
        document = kyc.document_read(document_id=pk, actor=request.user)
        return kyc.document_response(document)


class ResolveForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (ScreeningResult.Status.CONFIRMED, "Confirmed: a true match"),
            (ScreeningResult.Status.FALSE_POSITIVE, "False positive"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ScreeningResult]):
    list_display = (
        "id",
        "subject_type",
        "subject_id",
        "matched",
        "entry_uid",
        "score",
        "status",
        "version",
        "created_at",
        "resolve_link",
    )
    list_filter = ("status", "subject_type")
    search_fields = ("address", "entry_uid")

    @admin.display(description="resolve")
    def resolve_link(self, obj: ScreeningResult) -> str:
        if obj.status not in screening.BLOCKING:
            return "-"
        url = reverse("admin:compliance_screeningresult_resolve", args=(obj.pk,))
        return format_html('<a href="{}">resolve</a>', url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/resolve/",
                view(self.resolve_view),
                name="compliance_screeningresult_resolve",
            ),
            *super().get_urls(),
        ]

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("compliance.change_screeningresult"):
            raise PermissionDenied
        result = get_object_or_404(ScreeningResult, pk=pk)
        form = ResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                screening.result_resolve(
                    result_id=result.pk,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ComplianceError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, f"{result} resolved.")
                return HttpResponseRedirect(reverse("admin:compliance_screeningresult_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Resolve {result}",
            "result": result,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/compliance/screeningresult/resolve.html", context)


@admin.register(SanctionsList)
class SanctionsListAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[SanctionsList]):
    list_display = (
        "id",
        "source",
        "format",
        "published",
        "entry_count",
        "name_count",
        "address_count",
        "imported_at",
    )


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Payout]):
    list_display = ("id", "wallet", "token", "amount", "state", "reason", "tx_hash", "created_at")
    list_filter = ("state",)


@admin.register(Wallet)
class WalletAdmin(admin.ModelAdmin[Wallet]):
    list_display = ("id", "party", "chain", "address", "label", "created_at")
    search_fields = ("address",)
    fields = ("party", "chain", "address", "label")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj else ()

    def save_model(self, request: HttpRequest, obj: Wallet, form: Any, change: bool) -> None:
        if change:
            return  # a wallet's address never changes: add another one
        data = form.cleaned_data
        saved = kyc.wallet_add(
            party_id=data["party"].pk,
            chain=data["chain"],
            address=data["address"],
            label=data.get("label", ""),
            actor=request.user,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
