from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views
from analytics import views as dashboard_views
from analytics.dash_apps import register_all

register_all()  # every Dash app known to this process before its first callback

# DRF views answer 401/403 themselves (session or token) and are exempt from the login
# redirect; the Swagger UI is a page for people, so it redirects to the login like any page.
urlpatterns = [
    path("", account_views.home, name="home"),
    path("health/", account_views.health, name="health"),
    # Browsers ask for /favicon.ico on pages without an icon link (a JSON error, say).
    path("favicon.ico", login_not_required(RedirectView.as_view(url="/static/favicon.svg"))),
    path("dashboard/", dashboard_views.overview, name="dashboard-overview"),
    *(
        path(f"dashboard/{slug}/", dashboard_views.page, {"slug": slug}, name=f"dashboard-{slug}")
        for slug in ("customers", "stores", "products", "orders", "geo", "trends")
    ),
    path("dashboard/stores/<str:store_id>/", dashboard_views.store_page, name="dashboard-store"),
    path("dashboard/products/<str:sku>/", dashboard_views.product_page, name="dashboard-product"),
    # The Dash apps' iframes and callbacks; behind the login like every page. Callbacks first
    # through our cache (both addresses: with and without a page's initial arguments).
    *(
        path(
            f"django_plotly_dash/app/<slug:ident>/{initial}_dash-update-component",
            login_required(dashboard_views.dash_update),
        )
        for initial in ("", "initial/<slug:cache_id>/")
    ),
    path("django_plotly_dash/", include("django_plotly_dash.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api/", include("analytics.api.urls")),  # analyses first: /api/customers/top/ ...
    path("api/", include("config.api_router")),  # then the entities: /api/customers/<id>/
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
