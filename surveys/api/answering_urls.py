"""API of answering surveys: submit a response, read one's own; included by surveys.api.urls."""

from django.urls import path

from surveys.api import answering

urlpatterns = [
    path(
        "surveys/<int:survey_id>/responses/",
        answering.ResponseSubmitView.as_view(),
        name="survey-response-submit",
    ),
    path(
        "surveys/<int:survey_id>/my-response/",
        answering.MyResponseView.as_view(),
        name="survey-my-response",
    ),
]
