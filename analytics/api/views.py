"""One thin endpoint per registered analysis: validate, call the service, serialize."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import scope_for
from analytics.answer import answer
from analytics.api.renderers import AnalysisCSVRenderer
from analytics.filters import InvalidFilter
from analytics.registry import Analysis

VOCABULARY_DOCS = {
    "date_from": (OpenApiTypes.DATE, False, "First local day included (ISO date)."),
    "date_to": (OpenApiTypes.DATE, False, "Last local day included (ISO date)."),
    "state": (OpenApiTypes.STR, True, "Store state code (e.g. NV); repeat for several."),
    "city": (OpenApiTypes.STR, False, "Store city (case-insensitive)."),
    "store": (OpenApiTypes.STR, True, "Store ID; repeat for several."),
    "category": (OpenApiTypes.STR, False, "Product category (case-insensitive)."),
    "size": (OpenApiTypes.STR, False, "Product size (case-insensitive)."),
    "sku": (OpenApiTypes.STR, True, "Product SKU; repeat for several."),
    "granularity": (OpenApiTypes.STR, False, "day, week, month, quarter or year."),
    "limit": (OpenApiTypes.INT, False, "Rows returned by a ranking (1-1000)."),
}


class AnalysisView(APIView):
    analysis: Analysis
    renderer_classes = [JSONRenderer, AnalysisCSVRenderer]

    def get(self, request: Request) -> Response:
        try:
            data = answer(self.analysis, request.query_params, scope_for(request.user))
        except InvalidFilter as exc:
            raise ValidationError(exc.errors) from None
        return Response(data)


def _parameters(analysis: Analysis) -> list[OpenApiParameter]:
    params = []
    for name in analysis.filters:
        kind, many, text = VOCABULARY_DOCS[name]
        default = analysis.defaults.get(name)
        params.append(OpenApiParameter(name, kind, many=many, description=text, default=default))
    for p in analysis.params:
        if p.choices:
            params.append(
                OpenApiParameter(
                    p.name,
                    OpenApiTypes.STR,
                    enum=list(p.choices),
                    description=p.help,
                    default=p.default,
                )
            )
            continue
        kind = OpenApiTypes.INT if p.type is int else OpenApiTypes.NUMBER
        text = f"{p.help} ({p.minimum}-{p.maximum})."
        params.append(OpenApiParameter(p.name, kind, description=text, default=p.default))
    params.append(
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="Output.")
    )
    return params


def view_for(analysis: Analysis):
    """An APIView class for one analysis, documented from its docstring and parameters."""
    schema = extend_schema(
        operation_id=f"analysis_{analysis.name}",
        summary=analysis.summary,
        description=analysis.description,
        parameters=_parameters(analysis),
        tags=[f"analyses: {analysis.area}"],
        responses={200: OpenApiTypes.OBJECT},
    )

    def get(self, request: Request) -> Response:
        return AnalysisView.get(self, request)

    return type(
        f"{analysis.name}_view", (AnalysisView,), {"analysis": analysis, "get": schema(get)}
    )
