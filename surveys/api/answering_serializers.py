"""Serializers of answering a survey: the input (map answers parsed to GEOS) and a response."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civic.api.serializers import GeoJSONInputField, StrictInputSerializer
from civic.models import Area
from surveys import answering, selectors
from surveys.models import Answer, Question, Response

K = Question.Kind


def geojson_geometry(value: Any) -> GEOSGeometry:
    """A GeoJSON geometry (object or JSON text) as GEOS, by the civic API's RFC 7946 rules.

    Raises serializers.ValidationError with the reason; the answering page uses
    it too, so a map answer means the same whichever way it arrives.
    """
    try:
        geometry = GeoJSONInputField().run_validation(value)
    except DjangoValidationError as error:
        # rest_framework_gis passes GDAL's parser message on; say what is expected instead.
        raise serializers.ValidationError(
            _("This is not GeoJSON geometry: send e.g. %(example)s.")
            % {"example": '{"type": "Point", "coordinates": [lon, lat]}'}
        ) from error
    if geometry is None:
        raise serializers.ValidationError(_("Send a GeoJSON geometry object."))
    if geometry.hasz:
        raise serializers.ValidationError(_("Give two coordinates: longitude and latitude."))
    return geometry


def _map_point(raw: Any) -> Any:
    """A GeoJSON Point, or {"point": Point, "text": comment}, with the point as GEOS."""
    if not isinstance(raw, dict):
        return raw  # the service names what is wrong with it
    if "type" in raw:
        return geojson_geometry(raw)
    unknown = sorted(set(raw) - {"point", "text"})
    if unknown or "point" not in raw:
        raise serializers.ValidationError(
            _('Send a GeoJSON Point, or {"point": a GeoJSON Point, "text": a comment}.')
        )
    return {"point": geojson_geometry(raw["point"]), "text": raw.get("text") or ""}


def _map_area(raw: Any) -> Any:
    return geojson_geometry(raw) if isinstance(raw, dict) else raw


ANSWER_PARSERS = {K.MAP_POINT: _map_point, K.MAP_AREA: _map_area}

ANSWERS_DESCRIPTION = (
    "Answers by question id. Per kind of question: short_text and long_text a string; "
    "single_choice an option id; multiple_choice a list of option ids; ranking every option "
    "id, most important first; likert an integer 1-5; number a number within the question's "
    'bounds; map_point a GeoJSON Point or {"point": GeoJSON Point, "text": "comment"}; '
    "map_area a GeoJSON Polygon. GeoJSON is WGS84 longitude/latitude (RFC 7946, no crs). "
    "Leave out a question (or send null) to skip it."
)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": ANSWERS_DESCRIPTION,
        "example": {"12": "Dobbestraat", "13": 41, "14": [41, 43], "15": 4},
    }
)
class AnswersField(serializers.DictField):
    """The answers object; values are checked per question, not here."""


class ResponseInputSerializer(StrictInputSerializer):
    """What a respondent sends: answers, and a code when not signed in (context: survey)."""

    answers = AnswersField(help_text=ANSWERS_DESCRIPTION)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="The invitation code from the letter (anonymous answers only); "
        "case, spaces and dashes do not matter.",
    )
    neighbourhood = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=20,
        help_text="Official code of the respondent's neighbourhood, inside the survey's area "
        "(optional; a code's own neighbourhood wins).",
    )
    consent_publish = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Publish the map points as concerns on the public map, without a name.",
    )

    def validate_neighbourhood(self, value: str | None) -> Area | None:
        if not value:
            return None
        area = selectors.survey_neighbourhoods(survey=self.context["survey"]).filter(code=value)
        found = area.first()
        if found is None:
            raise serializers.ValidationError(
                _("Give the code of a neighbourhood in the survey's area.")
            )
        return found

    def validate_answers(self, value: dict) -> dict:
        """Map answers become GEOS; when one is bad, every other answer is checked too."""
        survey = self.context["survey"]
        kinds = dict(survey.questions.values_list("pk", "kind"))
        parsed: dict[str, Any] = {}
        problems: dict[str, list[str]] = {}
        for key, raw in value.items():
            parse = ANSWER_PARSERS.get(kinds.get(_as_int(key)))
            try:
                parsed[key] = parse(raw) if parse and raw is not None else raw
            except serializers.ValidationError as error:
                problems[str(key)] = [str(message) for message in error.detail]
        if problems:
            try:
                answering.answers_clean(survey=survey, answers=parsed)
            except answering.AnswersRejected as rejected:
                for key, messages in rejected.problems.items():
                    problems.setdefault(key, messages)
            raise serializers.ValidationError(problems)
        return parsed


def _as_int(key: Any) -> int | None:
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def _geojson(geometry: GEOSGeometry) -> dict:
    return json.loads(geometry.geojson)


def answer_value(answer: Answer) -> Any:
    """An answer in the shape the API takes it, so an app can show it and send it back."""
    kind = answer.question.kind
    if kind in (K.SHORT_TEXT, K.LONG_TEXT):
        return answer.text
    if kind == K.SINGLE_CHOICE:
        return answer.options[0] if answer.options else None
    if kind in (K.MULTIPLE_CHOICE, K.RANKING):
        return list(answer.options)
    if kind == K.LIKERT:
        return None if answer.number is None else int(answer.number)
    if kind == K.NUMBER:
        return answer.number
    if kind == K.MAP_POINT:
        return {"point": _geojson(answer.point), "text": answer.text} if answer.point else None
    if kind == K.MAP_AREA:
        return _geojson(answer.polygon) if answer.polygon else None
    return None  # pragma: no cover - kinds are a fixed set


class ResponseSerializer(serializers.ModelSerializer):
    """One response with its answers by question id (prefetch answers__question)."""

    survey = serializers.IntegerField(source="survey_id", read_only=True)
    neighbourhood = serializers.SlugRelatedField(
        source="area", slug_field="code", read_only=True, allow_null=True
    )
    answers = serializers.SerializerMethodField(help_text=ANSWERS_DESCRIPTION)
    concerns = serializers.SerializerMethodField(
        help_text="Concerns made from map points (with consent), by question id."
    )

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "neighbourhood",
            "consent_publish",
            "submitted_at",
            "updated_at",
            "answers",
            "concerns",
        ]

    @extend_schema_field({"type": "object", "additionalProperties": {}})
    def get_answers(self, obj: Response) -> dict[str, Any]:
        return {str(a.question_id): answer_value(a) for a in obj.answers.all()}

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
    def get_concerns(self, obj: Response) -> dict[str, int]:
        return {str(a.question_id): a.concern_id for a in obj.answers.all() if a.concern_id}
