from django.urls import path

from zhian.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("jurisdictions/", views.jurisdiction_list, name="jurisdiction_list"),
    path("jurisdictions/<str:code>/", views.jurisdiction_detail, name="jurisdiction_detail"),
    path("account/mfa/", views.mfa_setup, name="mfa_setup"),
    path("account/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("account/tokens/", views.token_list, name="token_list"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<int:user_id>/roles/", views.account_roles, name="account_roles"),
    path("accounts/roles/<int:assignment_id>/revoke/", views.role_revoke, name="role_revoke"),
    path("audit/", views.audit_list, name="audit_list"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
]
