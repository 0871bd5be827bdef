"""API of survey results: the figures as JSON and the two open-data exports.

The exports answer under the API too (/api/v1/surveys/<id>/results.csv and
/answers.geojson) so that API clients can fetch them with their token; they
give the same files as the page URLs. Who may see what, and how figures are
suppressed: surveys.results.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys import exports
from surveys.models import Survey
from surveys.results import SUPPRESSION_REASONS, Visibility, results_visibility, survey_results


class ResultFigureSerializer(serializers.Serializer):
    """A number of respondents and its share (0-1) of the question's respondents, or null."""

    count = serializers.IntegerField(allow_null=True)
    share = serializers.FloatField(allow_null=True)
    suppressed = serializers.ChoiceField(
        choices=SUPPRESSION_REASONS,
        allow_null=True,
        help_text=(
            "Why count and share are null: small (1-4 respondents), complementary (hidden so "
            "that a small count cannot be worked out from the total), too_few_answers (the "
            "question has fewer than min_group answers). Null when shown."
        ),
    )


class ResultOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    chosen = ResultFigureSerializer(
        allow_null=True, help_text="Choice questions: how many chose it."
    )
    ranked_first = ResultFigureSerializer(
        allow_null=True, help_text="Rankings: how many put it first."
    )
    mean_position = serializers.FloatField(
        allow_null=True, help_text="Rankings: its mean position (1 = first)."
    )


class ResultLikertValueSerializer(serializers.Serializer):
    value = serializers.IntegerField(min_value=1, max_value=5)
    figure = ResultFigureSerializer()


class ResultNumberStatsSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    mean = serializers.FloatField()
    median = serializers.FloatField()
    minimum = serializers.FloatField()
    maximum = serializers.FloatField()


class ResultQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    answered = ResultFigureSerializer(help_text="How many answered the question.")
    suppressed = serializers.BooleanField(
        help_text="Fewer than min_group answered: no figures are given."
    )
    options = ResultOptionSerializer(many=True)
    likert = ResultLikertValueSerializer(many=True)
    mean = serializers.FloatField(allow_null=True, help_text="Likert questions: the mean (1-5).")
    number = ResultNumberStatsSerializer(allow_null=True)
    texts = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Text answers and map remarks: officers only (null for everyone else).",
    )
    map_shown = serializers.IntegerField(
        allow_null=True, help_text="Map questions: how many answers the GeoJSON export holds."
    )


class ResultNeighbourhoodSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    population = serializers.IntegerField(allow_null=True)
    responses = ResultFigureSerializer()
    per_1000 = serializers.FloatField(allow_null=True, help_text="Responses per 1,000 inhabitants.")


class SurveyResultsSerializer(serializers.Serializer):
    """A survey's results, every figure about fewer than min_group respondents suppressed."""

    survey = serializers.IntegerField(source="survey_id")
    title = serializers.CharField()
    status = serializers.CharField()
    min_group = serializers.IntegerField()
    responses = ResultFigureSerializer()
    texts_included = serializers.BooleanField()
    questions = ResultQuestionSerializer(many=True)
    neighbourhoods = ResultNeighbourhoodSerializer(many=True)
    unknown_neighbourhood = ResultFigureSerializer(
        help_text="Responses whose neighbourhood is not known."
    )
    links = serializers.SerializerMethodField(
        help_text="The results page and the two exports (CSV, GeoJSON of the map answers)."
    )

    def get_links(self, obj) -> dict[str, str]:
        request = self.context.get("request")
        names = {
            "page": "surveys:results",
            "csv": "survey-results-csv",
            "geojson": "survey-answers-geojson",
        }
        links = {key: reverse(name, args=[obj.survey_id]) for key, name in names.items()}
        return {k: request.build_absolute_uri(v) if request else v for k, v in links.items()}


def _survey_visible(request, pk: int) -> tuple[Survey, Visibility]:
    survey = get_object_or_404(Survey.objects.select_related("area"), pk=pk)
    visibility = results_visibility(user=request.user, survey=survey)
    if visibility is Visibility.HIDDEN:
        raise NotFound
    if visibility is Visibility.NOT_YET:
        raise PermissionDenied(_("Results are published when the survey closes."))
    return survey, visibility


class _JSONForErrors(BaseContentNegotiation):
    """Exports answer in their own format; errors in JSON, whatever the client accepts."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


_ERRORS = {
    403: OpenApiResponse(description="An open survey, for anyone but officers and council."),
    404: OpenApiResponse(description="No such survey, or a draft (officers only)."),
}


class SurveyResultsView(APIView):
    """A survey's results as figures: officers always, council from opening, public once closed."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="v1_surveys_results_retrieve",
        responses={200: SurveyResultsSerializer, **_ERRORS},
    )
    def get(self, request, pk: int):
        survey, visibility = _survey_visible(request, pk)
        data = survey_results(survey=survey, with_texts=visibility is Visibility.FULL)
        return Response(SurveyResultsSerializer(data, context={"request": request}).data)


class SurveyResultsCsvView(APIView):
    """One row per response, in random order, without personal data (see surveys.exports)."""

    permission_classes = [AllowAny]
    content_negotiation_class = _JSONForErrors

    @extend_schema(
        operation_id="v1_surveys_results_csv",
        responses={(200, "text/csv"): OpenApiTypes.STR, **_ERRORS},
    )
    def get(self, request, pk: int):
        survey, _visibility = _survey_visible(request, pk)
        data = survey_results(survey=survey, with_texts=False)
        return exports.results_csv_response(survey=survey, results=data)


class SurveyAnswersGeoJSONView(APIView):
    """The published map answers as a GeoJSON FeatureCollection (question and neighbourhood)."""

    permission_classes = [AllowAny]
    content_negotiation_class = _JSONForErrors

    @extend_schema(
        operation_id="v1_surveys_answers_geojson",
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, **_ERRORS},
    )
    def get(self, request, pk: int):
        survey, _visibility = _survey_visible(request, pk)
        return exports.answers_geojson_response(survey=survey)
