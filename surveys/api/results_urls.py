"""API of survey results and exports; included by surveys.api.urls."""

from django.urls import path

from surveys.api import results

urlpatterns = [
    path(
        "surveys/<int:pk>/results/",
        results.SurveyResultsView.as_view(),
        name="survey-results",
    ),
    path(
        "surveys/<int:pk>/results.csv",
        results.SurveyResultsCsvView.as_view(),
        name="survey-results-csv",
    ),
    path(
        "surveys/<int:pk>/answers.geojson",
        results.SurveyAnswersGeoJSONView.as_view(),
        name="survey-answers-geojson",
    ),
]
