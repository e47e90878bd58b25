"""Sign up, log in/out and the my page (profile, password, stream key, account deletion)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from ciasom.accounts import ratelimit
from ciasom.accounts.forms import DeleteAccountForm, ProfileForm, SignupForm
from ciasom.accounts.models import profile_of
from ciasom.accounts.services import delete_account


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if ratelimit.signup_blocked(request):
            form.add_error(None, _("Too many sign-ups from your network. Try again later."))
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        if form.is_valid():
            user = form.save()
            ratelimit.signup_done(request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Enrol the people who may appear unmosaicked."))
            return redirect("people")
    return render(request, "accounts/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's login, refusing further guesses once a username or address failed often."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        if ratelimit.login_blocked(request, username):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed log-ins. Wait 15 minutes and try again."))
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = "900"
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        ratelimit.login_succeeded(self.request, form.get_user().get_username())
        return super().form_valid(form)

    def form_invalid(self, form):
        ratelimit.login_failed(self.request, self.request.POST.get("username", "")[:150])
        return super().form_invalid(form)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    profile_form = ProfileForm(instance=profile)
    password_form = PasswordChangeForm(cast(User, request.user))
    delete_form = DeleteAccountForm(request.user)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "profile":
            profile_form = ProfileForm(request.POST, request.FILES, instance=profile)
            if profile_form.is_valid():
                profile_form.save()
                messages.success(request, _("Profile saved."))
                return redirect("me")
        elif action == "password":
            password_form = PasswordChangeForm(cast(User, request.user), request.POST)
            if password_form.is_valid():
                user = password_form.save()
                update_session_auth_hash(request, user)
                # A stolen API token must not outlive the password it was made with.
                Token.objects.filter(user=user).delete()
                messages.success(request, _("Password changed. API tokens were revoked."))
                return redirect("me")
        status = 400
    context = {
        "profile": profile,
        "profile_form": profile_form,
        "password_form": password_form,
        "delete_form": delete_form,
    }
    return render(request, "accounts/me.html", context, status=status)


@login_required
@require_POST
def regenerate_stream_key(request: HttpRequest) -> HttpResponse:
    profile_of(request.user).regenerate_stream_key()
    messages.success(
        request, _("New stream key made. Update it in OBS; the old one stops working.")
    )
    return redirect("me")


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        delete_account(request.user)
        logout(request)
        messages.success(request, _("Your account and everything in it were deleted."))
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"delete_form": form}, status=status)
