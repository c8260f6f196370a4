from django.urls import path

from analytics.api.views import view_for
from analytics.registry import all_analyses

urlpatterns = [
    path(a.path, view_for(a).as_view(), name=f"analysis-{a.name}") for a in all_analyses().values()
]
