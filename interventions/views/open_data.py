"""Open-data downloads of public interventions and their evaluations (interventions.open_data)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from interventions import open_data


def _filters_or_400(request: HttpRequest):
    """(filters, None), or (None, a 400 naming the bad parameter) before anything streams."""
    try:
        return open_data.open_data_filters(request.GET), None
    except open_data.BadParameter as error:
        return None, JsonResponse({error.name: [error.message]}, status=400)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
def interventions_csv(request: HttpRequest) -> HttpResponse:
    """Every public intervention, one row each, with its latest evaluation per figure."""
    filters, error = _filters_or_400(request)
    return error or open_data.interventions_csv_response(filters, base_url=_base_url(request))


@require_GET
def interventions_geojson(request: HttpRequest) -> HttpResponse:
    """The same as GeoJSON features, the site as geometry."""
    filters, error = _filters_or_400(request)
    return error or open_data.interventions_geojson_response(filters, base_url=_base_url(request))


@require_GET
def evaluations_csv(request: HttpRequest) -> HttpResponse:
    """Every evaluation run of the public interventions, oldest first."""
    filters, error = _filters_or_400(request)
    return error or open_data.evaluations_csv_response(filters)
