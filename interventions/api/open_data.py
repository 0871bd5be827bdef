"""The open-data files in the API: the same streamed CSV and GeoJSON as /open-data/, documented.

A client that reads the OpenAPI schema finds the files here with their
parameters and media types; the columns are documented on /open-data/ and in
interventions.open_data (the one place that builds them).
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from interventions import open_data

_WHAT = dict(open_data.PARAMETERS)
PARAMETERS = [
    OpenApiParameter(
        "challenge",
        {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
        description=str(_WHAT["challenge"]),
    ),
    OpenApiParameter("kind", str, enum=list(open_data.KINDS), description=str(_WHAT["kind"])),
    OpenApiParameter(
        "status", str, enum=list(open_data.PUBLIC_STATUSES), description=str(_WHAT["status"])
    ),
]
COLUMNS_AT = " The columns are explained on /open-data/."


class _FileOrJSONError(BaseContentNegotiation):
    """The file goes out whatever the client says it accepts; an error is JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _OpenDataFile(APIView):
    """A public, streamed file; a bad query parameter is a 400 naming it."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _FileOrJSONError

    def filters(self, request) -> dict:
        try:
            return open_data.open_data_filters(request.query_params)
        except open_data.BadParameter as error:
            raise ValidationError({error.name: [error.message]}) from None

    def base_url(self, request) -> str:
        return request.build_absolute_uri("/").rstrip("/")


class InterventionsCSVView(_OpenDataFile):
    """interventions.csv."""

    @extend_schema(
        operation_id="open_data_interventions_csv",
        summary="Public interventions as CSV (open data)",
        description="One row per public intervention, with the latest measured effect per "
        "figure (verdict, effect, 95 % interval, counts, windows)." + COLUMNS_AT,
        parameters=PARAMETERS,
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR)},
    )
    def get(self, request) -> HttpResponse:
        filters = self.filters(request)
        return open_data.interventions_csv_response(filters, base_url=self.base_url(request))


class InterventionsGeoJSONView(_OpenDataFile):
    """interventions.geojson."""

    @extend_schema(
        operation_id="open_data_interventions_geojson",
        summary="Public interventions as GeoJSON (open data)",
        description="A FeatureCollection: each public intervention's site (WGS84; null "
        "without a site) with the columns of interventions.csv as properties." + COLUMNS_AT,
        parameters=PARAMETERS,
        responses={(200, "application/geo+json"): OpenApiResponse(response=OpenApiTypes.OBJECT)},
    )
    def get(self, request) -> HttpResponse:
        filters = self.filters(request)
        return open_data.interventions_geojson_response(filters, base_url=self.base_url(request))


class EvaluationsCSVView(_OpenDataFile):
    """evaluations.csv."""

    @extend_schema(
        operation_id="open_data_evaluations_csv",
        summary="Every evaluation run of public interventions as CSV (open data)",
        description="One row per stored run, oldest first, with its robustness checks."
        + COLUMNS_AT,
        parameters=PARAMETERS,
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR)},
    )
    def get(self, request) -> HttpResponse:
        return open_data.evaluations_csv_response(self.filters(request))
