from django.urls import path
from rest_framework.routers import SimpleRouter

from compliance.api import views

router = SimpleRouter()
router.register("parties", views.PartyViewSet, basename="party")
router.register("wallets", views.WalletViewSet, basename="wallet")
router.register("cases", views.CaseViewSet, basename="kyccase")
router.register("documents", views.DocumentViewSet, basename="kycdocument")
router.register("screening-results", views.ResultViewSet, basename="screeningresult")
router.register("sanctions-lists", views.SanctionsListViewSet, basename="sanctionslist")
router.register("payouts", views.PayoutViewSet, basename="payout")

urlpatterns = [
    path("screen/", views.ScreenView.as_view(), name="compliance-screen"),
    *router.urls,
]
