"""Pages of interventions."""

from django.urls import path

from interventions import views

app_name = "interventions"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("moderation/", views.moderation, name="moderation"),
    path("progress-file/", views.progress_file, name="progress_file"),
    path("milestones/<int:pk>/photo/", views.milestone_photo, name="milestone_photo"),
    path("<int:pk>/implementation/", views.implementation, name="implementation"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("followup/<str:token>/", views.followup_token, name="followup_token"),
    path("<int:pk>/followup/", views.followup_answer, name="followup_answer"),
    path("<int:pk>/followup/thanks/", views.followup_thanks, name="followup_thanks"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/decision/", views.decide, name="decide"),
    path("comments/<int:pk>/report/", views.report, name="report"),
    path("comments/<int:pk>/moderate/", views.moderate, name="moderate"),
]
