"""Query filters of the core API (bbox is handled by rest_framework_gis)."""

import django_filters

from civic.models import Challenge, Concern


class ConcernFilter(django_filters.FilterSet):
    theme = django_filters.CharFilter(field_name="theme__slug")
    area = django_filters.CharFilter(field_name="area__code", help_text="Official area code")
    status = django_filters.MultipleChoiceFilter(choices=Concern.Status.choices)

    class Meta:
        model = Concern
        fields = ["theme", "area", "status", "source"]


class ChallengeFilter(django_filters.FilterSet):
    theme = django_filters.CharFilter(field_name="theme__slug")
    area = django_filters.CharFilter(field_name="area__code")
    status = django_filters.MultipleChoiceFilter(choices=Challenge.Status.choices)

    class Meta:
        model = Challenge
        fields = ["theme", "area", "status"]
