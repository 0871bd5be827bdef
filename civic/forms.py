"""Forms of the core pages; they only shape input, services do the checks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from civic.models import Concern, Theme


class ConcernForm(forms.Form):
    """File a concern: a point on the map (or typed coordinates), a theme, a text, a photo."""

    theme = forms.ModelChoiceField(
        queryset=Theme.objects.filter(is_active=True),
        label=_("Theme"),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose a theme.")},
    )
    description = forms.CharField(
        label=_("What is the problem?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe the concern.")},
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        error_messages={"required": _("Click the map to place your concern.")},
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        error_messages={"required": _("Click the map to place your concern.")},
    )
    photo = forms.FileField(label=_("Photo (optional)"), required=False)


class ModerationForm(forms.Form):
    """An officer's decision on a submitted concern."""

    to = forms.ChoiceField(
        choices=[
            (Concern.Status.PUBLISHED, _("Publish")),
            (Concern.Status.REJECTED, _("Reject")),
        ]
    )
    note = forms.CharField(required=False, label=_("Note to the resident"))
