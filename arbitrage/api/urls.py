from rest_framework.routers import SimpleRouter

from arbitrage.api import views

router = SimpleRouter()
router.register("chains", views.ChainViewSet, basename="chain")
router.register("tokens", views.TokenViewSet, basename="token")
router.register("dexes", views.DexViewSet, basename="dex")
router.register("pools", views.PoolViewSet, basename="pool")
router.register("thresholds", views.ThresholdViewSet, basename="threshold")
router.register("schedules", views.ScheduleViewSet, basename="schedule")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("trades", views.TradeViewSet, basename="trade")

urlpatterns = router.urls
