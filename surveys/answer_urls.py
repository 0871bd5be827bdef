"""Pages for answering surveys (the section index, a survey's form); included by surveys.urls."""

from django.urls import path

from surveys import views

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.answer, name="answer"),
    path("<int:pk>/thanks/", views.answer_thanks, name="answer_thanks"),
]
