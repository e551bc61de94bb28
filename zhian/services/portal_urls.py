from django.urls import path

from zhian.services import portal_views as views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("book/", views.book, name="book"),
    path("track/", views.track, name="track"),
    path("consult/", views.consult, name="consult"),
    path("faq/", views.faq, name="faq"),
    path("complaint/", views.complaint, name="complaint"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("privacy/", views.privacy, name="privacy"),
]
