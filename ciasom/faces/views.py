"""Pages for enrolled people. Uploads from the page go through the JSON API (session
auth + CSRF) so the browser can show progress; the plain form post is the no-JS path."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ciasom.faces import quotas
from ciasom.faces.enrol import choose_face
from ciasom.faces.forms import PersonForm
from ciasom.faces.models import Person, Photo
from ciasom.faces.uploads import UploadRefused, store_uploads


def _own(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(Person.objects.owned_by(request.user).with_counts(), pk=pk)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                quotas.check_new_person(cast(User, request.user).pk)
                person = form.save(commit=False)
                person.owner = request.user
                person.save()
        except quotas.QuotaExceeded as exceeded:
            messages.error(request, exceeded.message)
            return redirect("people")
        return redirect("person", pk=person.pk)
    listed = Person.objects.owned_by(request.user).with_counts()
    return render(
        request,
        "faces/people.html",
        {"people": listed, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own(request, pk)
    if request.GET.get("fragment") == "photos":  # the upload script refreshes the grid
        return render(
            request, "faces/_photos.html", {"person": found, "photos": found.photos.all()}
        )
    form = PersonForm(request.POST or None, instance=found, owner=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if not saved.keep_photos:
            saved.discard_originals()
        messages.success(request, _("Saved."))
        return redirect("person", pk=found.pk)
    context = {
        "person": found,
        "photos": found.photos.all(),
        "form": form,
        "max_photos": settings.CIASOM_MAX_PHOTOS_PER_PERSON,
        "max_mb": settings.CIASOM_MAX_PHOTO_BYTES // (1024 * 1024),
    }
    return render(request, "faces/person.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own(request, pk)
    try:
        photos = store_uploads(found, request.FILES.getlist("photos"))
    except (UploadRefused, quotas.QuotaExceeded) as refused:
        messages.error(request, refused.message)
        return redirect("person", pk=found.pk)
    messages.success(
        request, _("%(n)d photos received; they are being processed.") % {"n": len(photos)}
    )
    return redirect("person", pk=found.pk)


@login_required
@require_POST
def delete_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    get_object_or_404(Photo.objects.owned_by(request.user, pk), pk=photo_pk).delete()
    return redirect("person", pk=pk)


@login_required
@require_POST
def choose_photo_face(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """The host clicked the face that is this person in a photo with several faces."""
    photo = get_object_or_404(
        Photo.objects.owned_by(request.user, pk).select_related("person"), pk=photo_pk
    )
    try:
        choose_face(photo, int(request.POST.get("face", "")))
    except ValueError as error:  # ChoiceRefused, or not a number
        messages.error(request, getattr(error, "message", _("Choose one of the faces.")))
        return redirect("person", pk=pk)
    messages.success(request, _("Face chosen; the photo is enrolled."))
    return redirect("person", pk=pk)


@login_required
@require_POST
def delete_person(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own(request, pk)
    found.delete()
    messages.success(
        request, _("“%(name)s” and all their photos were deleted.") % {"name": found.name}
    )
    return redirect("people")
