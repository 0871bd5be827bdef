"""The answering page's form: fields per question, shaped into the answers the service takes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from civic.models import Area
from surveys.api.answering_serializers import answer_value, geojson_geometry
from surveys.models import Option, Question, Response

K = Question.Kind

# Questions answered in one input, labelled by the question; the others are fieldsets.
SINGLE_INPUT_KINDS = frozenset({K.SHORT_TEXT, K.LONG_TEXT, K.NUMBER})

LIKERT_CHOICES = [
    (1, _("Strongly disagree")),
    (2, _("Disagree")),
    (3, _("Neither agree nor disagree")),
    (4, _("Agree")),
    (5, _("Strongly agree")),
]


class GeoJSONField(forms.CharField):
    """A hidden GeoJSON geometry that the map fills in, read by the API's RFC 7946 rules."""

    widget = forms.HiddenInput

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return geojson_geometry(value)
        except serializers.ValidationError as error:
            raise forms.ValidationError([str(m) for m in error.detail]) from error


class NeighbourhoodField(forms.ModelChoiceField):
    """A neighbourhood chosen by its official code, shown by its name."""

    def label_from_instance(self, obj: Area) -> str:
        return obj.name


@dataclasses.dataclass
class QuestionBlock:
    """One question as the template shows it: its fields and every problem with its answer."""

    question: Question
    field: BoundField | None = None
    comment: BoundField | None = None
    ranks: list[tuple[Option, BoundField]] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"question-{self.question.pk}"

    @property
    def described_by(self) -> str:
        """Ids of the help text and the error, for aria-describedby."""
        ids = [f"{self.anchor}-help"] if self.question.help else []
        if self.question.kind == K.NUMBER and self.number_range:
            ids.append(f"{self.anchor}-range")
        if self.errors:
            ids.append(f"{self.anchor}-error")
        return " ".join(ids)

    @property
    def number_range(self) -> dict[str, str] | None:
        low, high = self.question.min_value, self.question.max_value
        if low is None and high is None:
            return None
        return {
            "low": "" if low is None else f"{low:g}",
            "high": "" if high is None else f"{high:g}",
        }


def _name(question: Question) -> str:
    return f"q{question.pk}"


def _rank_name(question: Question, option: Option) -> str:
    return f"q{question.pk}_rank_{option.pk}"


def _comment_name(question: Question) -> str:
    return f"q{question.pk}_comment"


class SurveyAnswerForm(forms.Form):
    """The answers to one survey, a code when not signed in, a neighbourhood and consent.

    Fields only parse what the browser sends (option ids, numbers, GeoJSON);
    surveys.answering.answers_clean decides what is a valid answer.
    """

    def __init__(
        self,
        *args,
        questions: list[Question],
        neighbourhoods: QuerySet[Area],
        with_code: bool,
        with_consent: bool,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self._question_of: dict[str, int] = {}
        self._problems: dict[int, list[str]] = {}
        for question in questions:
            for name, form_field in self._fields_for(question):
                self.fields[name] = form_field
                self._question_of[name] = question.pk
        if with_code:
            self.fields["code"] = forms.CharField(
                label=_("Invitation code"),
                max_length=40,
                error_messages={"required": _("Type the code from your letter, or log in.")},
                widget=forms.TextInput(
                    attrs={"autocomplete": "off", "autocapitalize": "characters"}
                ),
            )
        if neighbourhoods.exists():
            self.fields["neighbourhood"] = NeighbourhoodField(
                queryset=neighbourhoods,
                to_field_name="code",
                required=False,
                label=_("Your neighbourhood (optional)"),
                empty_label=_("I'd rather not say"),
                widget=forms.Select(attrs={"aria-describedby": "neighbourhood-help"}),
            )
        if with_consent:
            self.fields["consent_publish"] = forms.BooleanField(
                required=False,
                label=_("Publish my map points as concerns (without my name)"),
            )

    def _fields_for(self, question: Question):
        name = _name(question)
        options = list(question.options.all())
        kind = question.kind
        if kind == K.SHORT_TEXT:
            yield name, forms.CharField(required=False)
        elif kind == K.LONG_TEXT:
            yield name, forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
        elif kind == K.SINGLE_CHOICE:
            yield (
                name,
                forms.TypedChoiceField(
                    required=False,
                    coerce=int,
                    empty_value=None,
                    choices=[(o.pk, o.label) for o in options],
                    widget=forms.RadioSelect,
                ),
            )
        elif kind == K.MULTIPLE_CHOICE:
            yield (
                name,
                forms.TypedMultipleChoiceField(
                    required=False,
                    coerce=int,
                    choices=[(o.pk, o.label) for o in options],
                    widget=forms.CheckboxSelectMultiple,
                ),
            )
        elif kind == K.LIKERT:
            yield (
                name,
                forms.TypedChoiceField(
                    required=False,
                    coerce=int,
                    empty_value=None,
                    choices=LIKERT_CHOICES,
                    widget=forms.RadioSelect,
                ),
            )
        elif kind == K.NUMBER:
            attrs = {"step": "any", "inputmode": "decimal"}
            if question.min_value is not None:
                attrs["min"] = f"{question.min_value:g}"
            if question.max_value is not None:
                attrs["max"] = f"{question.max_value:g}"
            yield name, forms.FloatField(required=False, widget=forms.NumberInput(attrs=attrs))
        elif kind == K.MAP_POINT:
            yield name, GeoJSONField(required=False)
            yield (
                _comment_name(question),
                forms.CharField(required=False, label=_("Comment (optional)")),
            )
        elif kind == K.MAP_AREA:
            yield name, GeoJSONField(required=False)
        elif kind == K.RANKING:
            positions = [("", _("Position"))] + [(n, str(n)) for n in range(1, len(options) + 1)]
            for option in options:
                yield (
                    _rank_name(question, option),
                    forms.TypedChoiceField(
                        required=False, coerce=int, empty_value=None, choices=positions
                    ),
                )

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            if question.kind != K.RANKING:
                continue
            names = [_rank_name(question, o) for o in question.options.all()]
            if any(name in self.errors for name in names):
                continue
            given = [cleaned.get(name) for name in names]
            chosen = [g for g in given if g is not None]
            if chosen and len(chosen) != len(given):
                self.add_error(names[0], _("Give every option a position, or none."))
            elif len(set(chosen)) != len(chosen):
                self.add_error(names[0], _("Give each option its own position."))
        return cleaned

    def _question_failed(self, question: Question) -> bool:
        return any(self._question_of.get(name) == question.pk for name in self.errors)

    def answers(self) -> dict[int, Any]:
        """The parsed answers by question id, as surveys.answering.answers_clean takes them."""
        data = getattr(self, "cleaned_data", {})
        answers: dict[int, Any] = {}
        for question in self.questions:
            if self._question_failed(question):
                continue
            value = data.get(_name(question))
            if question.kind == K.MAP_POINT:
                comment = data.get(_comment_name(question)) or ""
                value = {"point": value, "text": comment} if value is not None else None
            elif question.kind == K.RANKING:
                positions = {
                    option.pk: data.get(_rank_name(question, option))
                    for option in question.options.all()
                }
                if any(position is None for position in positions.values()):
                    value = None
                else:
                    value = sorted(positions, key=positions.__getitem__)
            answers[question.pk] = value
        return answers

    def comment_without_point(self) -> dict[str, list[str]]:
        """A map comment typed without a point would be lost: say so instead."""
        data = getattr(self, "cleaned_data", {})
        return {
            str(q.pk): [str(_("Put a point on the map for your comment, or clear the comment."))]
            for q in self.questions
            if q.kind == K.MAP_POINT
            and not self._question_failed(q)
            and data.get(_name(q)) is None
            and data.get(_comment_name(q))
        }

    def add_answer_problems(self, problems: dict[str, list[str]]) -> None:
        """Problems from the service, by question id, shown next to their question."""
        for key, messages in problems.items():
            try:
                qid = int(key)
            except ValueError:
                qid = None
            if qid in {q.pk for q in self.questions}:
                self._problems.setdefault(qid, []).extend(messages)
            else:
                for message in messages:
                    self.add_error(None, message)

    def blocks(self) -> list[QuestionBlock]:
        """The questions in order with their fields and problems, for the template."""
        blocks = []
        for question in self.questions:
            block = QuestionBlock(question)
            name = _name(question)
            if question.kind == K.RANKING:
                block.ranks = [
                    (option, self[_rank_name(question, option)])
                    for option in question.options.all()
                ]
            else:
                block.field = self[name]
            if question.kind == K.MAP_POINT:
                block.comment = self[_comment_name(question)]
            for form_field, errors in self.errors.items():
                if self._question_of.get(form_field) == question.pk:
                    block.errors.extend(errors)
            block.errors.extend(self._problems.get(question.pk, []))
            if block.field is not None and question.kind in SINGLE_INPUT_KINDS:
                attrs = block.field.field.widget.attrs
                if block.described_by:
                    attrs["aria-describedby"] = block.described_by
                if block.errors:
                    attrs["aria-invalid"] = "true"
                if question.required:
                    attrs["aria-required"] = "true"
            blocks.append(block)
        return blocks

    @property
    def has_problems(self) -> bool:
        return bool(self.errors or self._problems)


def initial_from_response(response: Response) -> dict[str, Any]:
    """The form's initial values from a stored response, so a resident sees their answers."""
    initial: dict[str, Any] = {
        "neighbourhood": response.area.code if response.area else None,
        "consent_publish": response.consent_publish,
    }
    for answer in response.answers.all():
        question = answer.question
        value = answer_value(answer)
        if question.kind == K.MAP_POINT and value:
            initial[_name(question)] = json.dumps(value["point"])
            initial[_comment_name(question)] = value["text"]
        elif question.kind == K.MAP_AREA and value:
            initial[_name(question)] = json.dumps(value)
        elif question.kind == K.RANKING:
            for position, option_id in enumerate(value, start=1):
                initial[f"q{question.pk}_rank_{option_id}"] = position
        else:
            initial[_name(question)] = value
    return initial
