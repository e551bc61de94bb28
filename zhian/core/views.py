"""Pages of the web shell: log-on, home map, jurisdictions, tokens, audit, health."""

from __future__ import annotations

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from zhian.core import notifications, selectors
from zhian.core.errors import ServiceError
from zhian.core.forms import LoginForm, MfaCodeForm, RenameForm, RoleAssignForm, TokenForm
from zhian.core.models.jurisdictions import JurisdictionKind
from zhian.core.pages import (
    AuthenticatedRequest,
    action,
    page,
    paginate,
    run_action,
    submit_form,
)
from zhian.core.scoping import can
from zhian.core.services import accounts as account_services
from zhian.core.services import mfa as mfa_services
from zhian.core.services import tokens as token_services
from zhian.core.services.jurisdictions import do_rename_jurisdiction
from zhian.core.worker import worker_status


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and monitoring, with the background
    worker's state (``worker.status`` ``down`` when a task has waited longer than
    ``ZHIAN_WORKER_STALE_SECONDS``; the web process stays in service: 200)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        worker = worker_status()
    except Exception as exc:
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor, "worker": worker})


@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.session.pop("zhian_idle_logout", False):
        messages.info(request, _("长时间未操作，已自动退出，请重新登录。"))
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.do_log_in(
                request, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)  # a new session: nothing cached about MFA
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = ""
            if mfa_services.mfa_needed(user):
                return redirect(f"{reverse('core:mfa_verify')}?{urlencode({'next': next_url})}")
            return redirect(next_url or "core:home")
    return render(request, "core/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # audited by core.apps (every log-out path: this, idle, the admin site)
    return redirect("core:login")


def _safe_next(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    return nxt if url_has_allowed_host_and_scheme(nxt, {request.get_host()}) else ""


@page
def mfa_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of log-on: a code from the authenticator app or a recovery code."""
    next_url = _safe_next(request)
    if not mfa_services.has_confirmed_device(request.user):
        return redirect(f"{reverse('core:mfa_setup')}?{urlencode({'next': next_url})}")
    form = MfaCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            mfa_services.do_verify_mfa(request, user=request.user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            form.add_error("code", exc.message)
            status = exc.status if exc.status == 429 else 422
        else:
            return redirect(next_url or "core:home")
    return render(request, "core/mfa_verify.html", {"form": form, "next": next_url}, status=status)


@page
def mfa_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Bind an authenticator app: a QR code (SVG), confirmed with a current code; the
    recovery codes are shown once. A verified session may also renew its recovery codes."""
    user = request.user
    enabled = mfa_services.has_confirmed_device(user)
    verified = mfa_services.session_is_verified(request)
    if enabled and not verified:
        return redirect("core:mfa_verify")  # rebinding needs the current second factor
    next_url = _safe_next(request)
    form = MfaCodeForm(request.POST or None)
    codes: list[str] | None = None
    status = 200
    op = request.POST.get("op", "")
    if request.method == "POST" and op == "recovery":
        status, codes = submit_form(
            form, lambda: mfa_services.do_regenerate_recovery_codes(acting_user=user)
        )
    elif request.method == "POST" and op == "start":
        mfa_services.do_start_totp_setup(acting_user=user)
        form = MfaCodeForm()
    elif request.method == "POST" and form.is_valid():
        status, codes = submit_form(
            form,
            lambda: mfa_services.do_confirm_totp(
                request, acting_user=user, code=form.cleaned_data["code"]
            ),
        )
    elif request.method == "POST":
        status = 422
    device = mfa_services.pending_device(user)
    if device is None and not mfa_services.has_confirmed_device(user):
        device = mfa_services.do_start_totp_setup(acting_user=user)
    if codes:
        device = None
    return render(
        request,
        "core/mfa_setup.html",
        {
            "form": form,
            "enabled": mfa_services.has_confirmed_device(user),
            "required": mfa_services.role_requires_mfa(user),
            "device": device,
            "qr": mfa_services.qr_svg(device) if device else "",
            "secret": b32encode(device.bin_key).decode() if device else "",
            "codes": codes,
            "next": next_url,
        },
        status=status,
    )


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    scope = selectors.jurisdictions_for(request.user)
    counts = {k.value: scope.filter(kind=k.value).count() for k in JurisdictionKind}
    return render(
        request,
        "core/home.html",
        {
            "counts": counts,
            "kinds": JurisdictionKind,
            "roles": request.user.role_assignments.select_related("jurisdiction"),
        },
    )


@login_required
def jurisdiction_list(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    if kind not in {None, *JurisdictionKind.values}:
        kind = None
    q = (request.GET.get("q") or "").strip() or None
    page = paginate(request, selectors.jurisdictions_for(request.user, kind=kind, q=q))
    return render(
        request,
        "core/jurisdiction_list.html",
        {"page": page, "kind": kind or "", "q": q or "", "kinds": JurisdictionKind.choices},
    )


@page
def jurisdiction_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    jurisdiction = selectors.access_jurisdiction(request.user, code)
    initial = {"name": jurisdiction.name, "name_en": jurisdiction.name_en}
    form = RenameForm(request.POST or None, initial=initial | {"version": jurisdiction.version})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            status, _renamed = submit_form(
                form,
                lambda: do_rename_jurisdiction(
                    jurisdiction,
                    acting_user=request.user,
                    name=d["name"],
                    name_en=d["name_en"],
                    expected_version=d["version"],
                ),
            )
            if status == 200:
                messages.success(request, _("已保存"))
                return redirect("core:jurisdiction_detail", code=code)
    return render(
        request,
        "core/jurisdiction_detail.html",
        {
            "j": jurisdiction,
            "children": paginate(request, jurisdiction.children.all()),
            "form": form,
            "may_change": can(request.user, "jurisdiction.change", jurisdiction),
        },
        status=status,
    )


@page
def token_list(request: AuthenticatedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        _status, created = submit_form(
            form,
            lambda: token_services.do_create_token(
                acting_user=request.user, name=d["name"], expires_in_days=d["expires_in_days"]
            ),
        )
        if created is not None:
            secret, form = created[1], TokenForm()
    return render(
        request,
        "core/token_list.html",
        {"form": form, "tokens": selectors.tokens_for(request.user), "secret": secret},
    )


@action
def token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    return run_action(
        request,
        lambda: token_services.do_revoke_token(acting_user=request.user, token_id=token_id),
        done=_("令牌已吊销"),
        back=redirect("core:token_list"),
    )


@page
def account_list(request: AuthenticatedRequest) -> HttpResponse:
    """账号与角色: the security administrator's list of accounts and their roles."""
    q = (request.GET.get("q") or "").strip()[:100]
    accounts = selectors.accounts_for(request.user, q=q)
    return render(
        request,
        "core/account_list.html",
        {"page": paginate(request, accounts), "q": q, "may_assign": _may_assign(request)},
    )


def _may_assign(request: AuthenticatedRequest) -> bool:
    return selectors.assignable_jurisdictions(request.user).exists()


@page
def account_roles(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """One account's roles: give one (role × jurisdiction in scope) or revoke one."""
    account = selectors.access_account(request.user, user_id)
    form = RoleAssignForm(
        request.POST or None, jurisdictions=selectors.assignable_jurisdictions(request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        _status, done = submit_form(
            form,
            lambda: account_services.do_assign_role(
                acting_user=request.user,
                user=account,
                role=d["role"],
                jurisdiction=d["jurisdiction"],
            ),
        )
        if done is not None:
            messages.success(request, _("已分配角色：%(role)s") % {"role": done.get_role_display()})
            return redirect("core:account_roles", user_id=account.pk)
    return render(request, "core/account_roles.html", {"account": account, "form": form})


@action
def role_revoke(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.access_role_assignment(request.user, assignment_id)
    return run_action(
        request,
        lambda: account_services.do_revoke_role(acting_user=request.user, assignment=assignment),
        done=_("已撤销角色"),
        back=redirect("core:account_roles", user_id=assignment.user_id),
    )


@login_required
def audit_list(request: AuthenticatedRequest) -> HttpResponse:
    events = selectors.audit_events_for(request.user).order_by("-seq")
    action = (request.GET.get("action") or "").strip()
    if action:
        events = events.filter(action=action)
    page = paginate(request, events)
    return render(request, "core/audit_list.html", {"page": page, "action": action})


@page
@require_GET
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in user's notifications, newest first; ``?unread=1`` shows unread only."""
    rows = notifications.inbox_for(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return render(
        request,
        "core/inbox.html",
        {"page": paginate(request, rows), "unread_only": unread_only},
    )


@action
def inbox_mark_read(request: AuthenticatedRequest) -> HttpResponse:
    """Mark the posted ``id`` values (or every notification with ``all``) as read, then go
    back to the inbox, or to the notification's own link when ``open`` is posted."""
    if request.POST.get("all"):
        notifications.mark_read(request.user)
    else:
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        notifications.mark_read(request.user, ids)
        target = request.POST.get("open", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            return redirect(target)
    return redirect("core:inbox")
