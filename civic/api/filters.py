"""Query filters of the core API."""

import math

import django_filters
from django.contrib.gis.geos import Polygon
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework_gis.filters import InBBoxFilter

from civic.models import Challenge, Concern


class ConcernFilter(django_filters.FilterSet):
    theme = django_filters.CharFilter(field_name="theme__slug")
    area = django_filters.CharFilter(field_name="area__code", help_text="Official area code")
    status = django_filters.MultipleChoiceFilter(choices=Concern.Status.choices)

    class Meta:
        model = Concern
        fields = ["theme", "area", "status", "source"]


class ChallengeFilter(django_filters.FilterSet):
    """The challenge list's filters, shared by the public page and the API."""

    theme = django_filters.CharFilter(field_name="theme__slug")
    area = django_filters.CharFilter(
        method="in_area",
        help_text="Official area code: a neighbourhood's, or a district's (its neighbourhoods too)",
    )
    status = django_filters.MultipleChoiceFilter(choices=Challenge.Status.choices)

    def in_area(self, queryset, name, value):
        return queryset.filter(Q(area__code=value) | Q(area__parent__code=value))

    class Meta:
        model = Challenge
        fields = ["theme", "area", "status"]


class CheckedBBoxFilter(InBBoxFilter):
    """in_bbox=west,south,east,north in WGS84; anything else is a 400 naming in_bbox."""

    def get_filter_bbox(self, request):
        text = request.query_params.get(self.bbox_param)
        if not text:
            return None
        try:
            west, south, east, north = (float(part) for part in text.split(","))
        except ValueError:
            west = south = east = north = math.nan
        valid = (
            all(math.isfinite(v) for v in (west, south, east, north))
            and -180 <= west < east <= 180
            and -90 <= south < north <= 90
        )
        if not valid:
            raise ValidationError(
                {self.bbox_param: [_("Give west,south,east,north in degrees (WGS84).")]}
            )
        return Polygon.from_bbox((west, south, east, north))
