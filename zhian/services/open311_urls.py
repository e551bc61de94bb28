from django.urls import re_path

from zhian.services import open311 as views

app_name = "open311"
_FMT = r"\.(?P<fmt>[a-z]+)$"
urlpatterns = [
    re_path(r"^services" + _FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[\w-]{1,64})" + _FMT, views.service_definition, name="service"),
    re_path(r"^requests" + _FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[\w-]{1,64})" + _FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]{1,64})" + _FMT, views.token_detail, name="token"),
]
