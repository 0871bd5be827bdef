"""Forms of the core pages; they only shape input, services do the checks."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from civic.models import Area, Concern, Theme


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


def _geojson_polygon(text: str):
    """A drawn (multi)polygon from GeoJSON text, or a form error; WGS84 as RFC 7946 says."""
    from django.contrib.gis.geos import GEOSException, GEOSGeometry

    from civic.input_checks import UnreadableJSON, json_loads

    if not text:
        return None
    try:
        value = json_loads(text)
    except (UnreadableJSON, ValueError):
        value = None
    if (
        not isinstance(value, dict)
        or value.get("type") not in ("Polygon", "MultiPolygon")
        or "crs" in value
    ):
        raise forms.ValidationError(_("Draw the area on the map again."))
    try:
        return GEOSGeometry(json.dumps(value), srid=4326)
    except (GEOSException, ValueError, TypeError):
        raise forms.ValidationError(_("Draw the area on the map again.")) from None


class ChallengeForm(forms.Form):
    """An officer's challenge: title, description, theme, area, and an area drawn on the map."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.filter(is_active=True), label=_("Theme"), empty_label=None
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.filter(kind__in=[Area.Kind.DISTRICT, Area.Kind.NEIGHBOURHOOD]),
        label=_("Area"),
        required=False,
        empty_label=_("(the area the drawing lies in)"),
        help_text=_("Left empty, the neighbourhood or district the drawn area lies in."),
    )
    geometry = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_geometry(self):
        return _geojson_polygon(self.cleaned_data.get("geometry") or "")


class TransitionForm(forms.Form):
    """An officer's step in a challenge's workflow, with a note when the step needs one."""

    to = forms.CharField()
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea)


class UnlinkForm(forms.Form):
    """Why a concern is unlinked from a challenge (required; checked by the service)."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class GroupingForm(forms.Form):
    """Concerns to link, and where to: an existing challenge, a new one, or closed as duplicate."""

    ACTIONS = ("link", "new", "duplicate")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    concerns = forms.TypedMultipleChoiceField(coerce=int, required=False)
    challenge = forms.IntegerField(required=False)
    title = forms.CharField(required=False, max_length=200)
    theme = forms.ModelChoiceField(queryset=Theme.objects.filter(is_active=True), required=False)
    original = forms.IntegerField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any ids: which may be linked is the service's check, naming the refused ones.
        raw = self.data.getlist("concerns") if hasattr(self.data, "getlist") else []
        self.fields["concerns"].choices = [(v, v) for v in raw]
