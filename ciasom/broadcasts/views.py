"""The live list (home), the watch page and the host's broadcast settings pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ciasom.accounts.models import profile_of
from ciasom.broadcasts.forms import BroadcastForm
from ciasom.broadcasts.models import Broadcast
from ciasom.broadcasts.queries import SORTS, clean_text, live_broadcasts


def home(request: HttpRequest) -> HttpResponse:
    q = clean_text(request.GET.get("q"))
    category = request.GET.get("category", "")
    sort = request.GET.get("sort", "viewers")
    context = {
        "broadcasts": live_broadcasts(q, category, sort),
        "q": q,
        "category": category if category in Broadcast.Category.values else "",
        "sort": sort if sort in SORTS else "viewers",
        "categories": Broadcast.Category.choices,
    }
    return render(request, "broadcasts/home.html", context)


def watch(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast = get_object_or_404(Broadcast.objects.select_related("owner__profile"), pk=pk)
    is_owner = request.user.is_authenticated and broadcast.owner_id == request.user.pk
    if not broadcast.is_live and not is_owner:
        # Never live (still private) or over: others learn nothing, as for a deleted one.
        raise Http404(_("No such broadcast."))
    return render(request, "broadcasts/watch.html", {"broadcast": broadcast, "is_owner": is_owner})


def _own(request: HttpRequest, pk: int) -> Broadcast:
    return get_object_or_404(Broadcast.objects.owned_by(request.user), pk=pk)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    broadcasts = Broadcast.objects.owned_by(request.user).prefetch_related("visible_people")
    return render(request, "broadcasts/mine.html", {"broadcasts": broadcasts})


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = BroadcastForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        broadcast = form.save(commit=False)
        broadcast.owner = request.user
        broadcast.save()
        form.save_m2m()
        messages.success(request, _("Broadcast created."))
        return redirect("broadcast", pk=broadcast.pk)
    return render(
        request,
        "broadcasts/edit.html",
        {"form": form, "broadcast": None},
        status=400 if form.errors else 200,
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast = _own(request, pk)
    form = BroadcastForm(request.POST or None, instance=broadcast, owner=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the live engine gets the settings and people together
            broadcast = form.save()
        messages.success(request, _("Settings saved."))
        return redirect("broadcast", pk=broadcast.pk)
    context = {
        "form": form,
        "broadcast": broadcast,
        "stream_key": profile_of(request.user).stream_key,
        "whip_absolute": request.build_absolute_uri(broadcast.whip_url),
        "block": Broadcast.block_on(request.user.pk),
    }
    return render(request, "broadcasts/edit.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    _own(request, pk).end()
    messages.success(request, _("Broadcast ended."))
    return redirect("broadcast", pk=pk)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    _own(request, pk).end_and_delete()
    messages.success(request, _("Broadcast deleted."))
    return redirect("broadcasts")
