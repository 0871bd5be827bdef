"""Forms of the interventions pages; the services check again (roles, states, dates)."""

from django import forms
from django.contrib.gis import forms as gis_forms
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

from interventions.models import CommentReport, Decision, FollowUp, Intervention


class InterventionForm(forms.ModelForm):
    """A proposal: what, where (drawn on the map: a point or an area), cost and effect."""

    site = gis_forms.GeometryField(
        label=_("Site (optional): place a marker or draw an area"),
        required=False,
        srid=4326,
        widget=LeafletWidget(attrs={"geom_type": "GEOMETRY"}),
    )

    class Meta:
        model = Intervention
        fields = ["kind", "title", "description", "site", "cost_estimate", "expected_effect"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "expected_effect": forms.Textarea(attrs={"rows": 3}),
        }


class TransitionForm(forms.Form):
    """One workflow move from the proposal's page (officers, council, the proposer)."""

    to = forms.CharField(max_length=30)
    note = forms.CharField(required=False, max_length=5000)
    consultation_end = forms.DateField(required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Your comment"), max_length=5000, widget=forms.Textarea)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=CommentReport.Reason.choices)


class ModerationForm(forms.Form):
    to = forms.ChoiceField(
        choices=[("visible", _("Restore")), ("removed", _("Remove"))], label=_("Decision")
    )
    note = forms.CharField(label=_("Note for the author"), max_length=5000)


class DecisionForm(forms.ModelForm):
    """The council's decision as it is recorded (append-only)."""

    class Meta:
        model = Decision
        fields = [
            "outcome",
            "decided_on",
            "motivation",
            "meeting_reference",
            "votes_for",
            "votes_against",
            "votes_abstaining",
        ]
        widgets = {
            "decided_on": forms.DateInput(attrs={"type": "date"}),
            "motivation": forms.Textarea(attrs={"rows": 5}),
        }


class ImplementationForm(forms.Form):
    """Officers: the works' progress, planned dates and actual start (the service checks them)."""

    progress = forms.IntegerField(label=_("Progress (%)"), required=False)
    planned_start = forms.DateField(
        label=_("Planned start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_end = forms.DateField(
        label=_("Planned end"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    actual_start = forms.DateField(
        label=_("Works started on"),
        required=False,
        help_text=_("Set when the works went in progress; correct it if they began another day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, status: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The page offers what the service takes in this state: no start before the works
        # began; after completion only the start (progress is 100, the plan is history).
        S = Intervention.Status
        if status == S.COMPLETED:
            for name in ("progress", "planned_start", "planned_end"):
                del self.fields[name]
        elif status is not None and status != S.IN_PROGRESS:
            del self.fields["actual_start"]


class MilestoneForm(forms.Form):
    """Officers: a milestone of the works, with an optional photo (its EXIF is removed)."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea
    )
    photo = forms.FileField(label=_("Photo (optional)"), required=False)


class ProgressFileForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class FollowUpForm(forms.Form):
    """A resident's answer to "did it help?" (the service checks again)."""

    answer = forms.ChoiceField(
        label=_("Did it help?"), choices=FollowUp.Answer.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional; read by the municipality only, never published)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
