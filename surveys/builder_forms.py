"""Forms of the officers' survey builder; they shape input, surveys.services checks it."""

from __future__ import annotations

from django import forms
from django.contrib.gis.db.models.functions import PointOnSurface
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civic.models import Area, Theme
from surveys.models import Question, Survey
from surveys.services import MAX_CODES, MAX_QUESTIONS, OptionSpec, QuestionSpec

# What <input type="datetime-local"> sends and shows (in the site's time zone).
LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class ThemeChoiceField(forms.ModelChoiceField):
    """Shows the slug too: officers type it after an option's labels."""

    def label_from_instance(self, obj: Theme) -> str:
        return f"{obj.name} ({obj.slug})"


def _local_datetime(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=[LOCAL_DATETIME, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_DATETIME),
    )


class SurveyForm(forms.Form):
    """The texts, area and dates of a survey."""

    title_nl = forms.CharField(
        label=gettext_lazy("Title (Dutch)"),
        max_length=200,
        error_messages={"required": gettext_lazy("Give the survey a Dutch title.")},
    )
    title_en = forms.CharField(
        label=gettext_lazy("Title (English)"), max_length=200, required=False
    )
    intro_nl = forms.CharField(
        label=gettext_lazy("Introduction (Dutch)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Shown above the questions: why you ask and what happens next."),
    )
    intro_en = forms.CharField(
        label=gettext_lazy("Introduction (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    area = AreaChoiceField(
        label=gettext_lazy("Area"),
        queryset=Area.objects.order_by("kind", "name"),
        help_text=gettext_lazy(
            "Map answers must lie inside it. It cannot change once someone has answered."
        ),
        error_messages={"required": gettext_lazy("Choose the area the survey is about.")},
    )
    opens_at = _local_datetime(gettext_lazy("Opens at (optional)"))
    closes_at = _local_datetime(gettext_lazy("Closes at (optional)"))

    @staticmethod
    def initial_for(survey: Survey) -> dict:
        return {name: getattr(survey, name) for name in SurveyForm.base_fields}


class QuestionForm(forms.Form):
    """One question; its options one per line as “Dutch | English | theme”."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of question"),
        # The blank first choice keeps an untouched empty row from counting as a question.
        choices=[("", gettext_lazy("— choose —")), *Question.Kind.choices],
        error_messages={"required": gettext_lazy("Choose the kind of question.")},
    )
    text_nl = forms.CharField(
        label=gettext_lazy("Question (Dutch)"),
        max_length=500,
        error_messages={"required": gettext_lazy("Write the question in Dutch.")},
    )
    text_en = forms.CharField(
        label=gettext_lazy("Question (English)"), max_length=500, required=False
    )
    help_nl = forms.CharField(
        label=gettext_lazy("Help text (Dutch)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    help_en = forms.CharField(
        label=gettext_lazy("Help text (English)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    required = forms.BooleanField(label=gettext_lazy("An answer is required"), required=False)
    min_value = forms.FloatField(
        label=gettext_lazy("Lowest number"),
        required=False,
        help_text=gettext_lazy("Number questions only."),
    )
    max_value = forms.FloatField(
        label=gettext_lazy("Highest number"),
        required=False,
        help_text=gettext_lazy("Number questions only."),
    )
    theme = ThemeChoiceField(
        label=gettext_lazy("Theme"),
        queryset=Theme.objects.order_by("order", "slug"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("— none —"),
        help_text=gettext_lazy(
            "Map-point questions only: answers become concerns of this theme "
            "when the resident agrees."
        ),
    )
    options = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Choice and ranking questions: one option per line, as "
            "“Dutch label | English label | theme” (English and theme optional). "
            "Naming a theme counts the option for that theme."
        ),
    )

    def clean_options(self) -> tuple[OptionSpec, ...]:
        lines = [line.strip() for line in self.cleaned_data["options"].splitlines()]
        parts = [[part.strip() for part in line.split("|")] for line in lines if line]
        slugs = {p[2] for p in parts if len(p) > 2 and p[2]}
        themes = {t.slug: t for t in Theme.objects.filter(slug__in=slugs)}
        problems, specs = [], []
        for number, part in enumerate(parts, start=1):
            if len(part) > 3:
                problems.append(
                    _("Line %(n)d: use at most two “|” (Dutch | English | theme).") % {"n": number}
                )
                continue
            label_nl, label_en, slug = [*part, "", ""][:3]
            if slug and slug not in themes:
                problems.append(
                    _("Line %(n)d: there is no theme “%(slug)s”.") % {"n": number, "slug": slug}
                )
            if len(label_nl) > 200 or len(label_en) > 200:
                problems.append(_("Line %(n)d: use at most 200 characters.") % {"n": number})
            specs.append(OptionSpec(label_nl, label_en, themes.get(slug)))
        if problems:
            raise forms.ValidationError(problems)
        return tuple(specs)

    def spec(self) -> QuestionSpec:
        data = self.cleaned_data
        return QuestionSpec(
            kind=data["kind"],
            text_nl=data["text_nl"],
            text_en=data["text_en"],
            help_nl=data["help_nl"],
            help_en=data["help_en"],
            required=data["required"],
            min_value=data["min_value"],
            max_value=data["max_value"],
            theme=data["theme"],
            options=data["options"],
        )

    @staticmethod
    def initial_for(question: Question) -> dict:
        def line(option) -> str:
            parts = [option.label_nl, option.label_en, option.theme.slug if option.theme else ""]
            while parts and not parts[-1]:
                parts.pop()
            return " | ".join(parts)

        return {
            "kind": question.kind,
            "text_nl": question.text_nl,
            "text_en": question.text_en,
            "help_nl": question.help_nl,
            "help_en": question.help_en,
            "required": question.required,
            "min_value": question.min_value,
            "max_value": question.max_value,
            "theme": question.theme.slug if question.theme else None,
            "options": "\n".join(line(option) for option in question.options.all()),
        }


EXTRA_ROWS = 3
QuestionFormSet = forms.formset_factory(
    QuestionForm,
    extra=EXTRA_ROWS,
    can_order=True,
    can_delete=True,
    max_num=MAX_QUESTIONS,
    validate_max=True,
)


class InvitationsForm(forms.Form):
    """A batch of codes for the letters to one neighbourhood."""

    count = forms.IntegerField(
        label=gettext_lazy("Number of codes"),
        min_value=1,
        max_value=MAX_CODES,
        help_text=gettext_lazy("One per letter, e.g. one per address."),
    )
    neighbourhood = forms.ModelChoiceField(
        label=gettext_lazy("Neighbourhood"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=gettext_lazy("— the whole survey area —"),
        help_text=gettext_lazy("Answers with these codes count for this neighbourhood."),
    )
    batch = forms.CharField(
        label=gettext_lazy("Batch name"),
        max_length=100,
        help_text=gettext_lazy("e.g. “letter 1”: to tell mailings apart and download them again."),
        error_messages={"required": gettext_lazy("Name the batch, e.g. “letter 1”.")},
    )

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        # Neighbourhoods in the survey's area, as the service requires.
        self.fields["neighbourhood"].queryset = (
            Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD)
            .annotate(inner=PointOnSurface("geometry"))
            .filter(inner__coveredby=survey.area.geometry)
            .order_by("name")
        )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Survey.Status.choices)
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, max_length=5000)
