from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.scope import scope_for

# Roles whose landing page is the Overview (a regional manager's is scoped to their states).
OVERVIEW_ROLES = {User.Role.EXECUTIVE, User.Role.ANALYST, User.Role.REGIONAL_MANAGER}


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's landing page: the Overview for the roles above, a store manager's
    own store page (the Stores page when they run several); otherwise who they are and which
    stores they see."""
    if request.user.role in OVERVIEW_ROLES:
        return redirect("dashboard-overview")
    scope = scope_for(request.user)
    stores = scope.stores().order_by("state_abbr", "city", "id")
    if request.user.role == User.Role.STORE_MANAGER and stores:
        ids = [s.pk for s in stores[:2]]
        return (
            redirect("dashboard-store", ids[0]) if len(ids) == 1 else redirect("dashboard-stores")
        )
    return render(request, "home.html", {"scope": scope, "stores": stores})


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for the load balancer; reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
