"""Officers' pages for building surveys and handing out codes; included by surveys.urls."""

from django.urls import path

from surveys import builder_views as views

urlpatterns = [
    path("manage/", views.manage_list, name="manage"),
    path("manage/new/", views.manage_new, name="manage_new"),
    path("manage/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("manage/<int:pk>/transition/", views.manage_transition, name="manage_transition"),
    path("manage/<int:pk>/copy/", views.manage_copy, name="manage_copy"),
    path("manage/<int:pk>/questions/", views.manage_questions, name="manage_questions"),
    path("manage/<int:pk>/invitations/", views.manage_invitations, name="manage_invitations"),
]
