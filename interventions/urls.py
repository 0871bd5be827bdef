"""Pages of interventions."""

from django.urls import path

from interventions import views

app_name = "interventions"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("moderation/", views.moderation, name="moderation"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/decision/", views.decide, name="decide"),
    path("comments/<int:pk>/report/", views.report, name="report"),
    path("comments/<int:pk>/moderate/", views.moderate, name="moderate"),
]
