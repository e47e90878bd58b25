"""Enrolled people and their photos. Everything here is the owner's alone: another
user's ids answer 404, exactly as if they did not exist."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ciasom.faces import quotas
from ciasom.faces.enrol import ChoiceRefused, choose_face
from ciasom.faces.models import Person, Photo
from ciasom.faces.uploads import UploadRefused, store_uploads


class FaceFoundSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    box = serializers.ListField(child=serializers.IntegerField())
    thumbnail_url = serializers.CharField()


class PhotoSerializer(serializers.ModelSerializer):
    thumbnail_url = serializers.SerializerMethodField()
    reason_text = serializers.CharField(read_only=True)
    faces = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "status",
            "reason",
            "reason_text",
            "message",
            "warnings",
            "original_name",
            "thumbnail_url",
            "faces",
            "created_at",
            "processed_at",
        ]
        read_only_fields = fields

    def get_thumbnail_url(self, photo: Photo) -> str | None:
        if not photo.thumbnail:
            return None
        return reverse("api-photo-face", args=[photo.person_id, photo.pk])

    @extend_schema_field(FaceFoundSerializer(many=True))
    def get_faces(self, photo: Photo) -> list[dict]:
        """The faces to choose from while reason is choose_face (else empty)."""
        return [
            {
                "index": i,
                "box": c["box"],
                "thumbnail_url": reverse(
                    "api-photo-candidate", args=[photo.person_id, photo.pk, i]
                ),
            }
            for i, c in enumerate(photo.candidates)
        ]


class PersonSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "name", "keep_photos", "status", "counts", "photos", "created_at"]
        read_only_fields = ["id", "status", "counts", "photos", "created_at"]

    def get_counts(self, person: Person) -> dict[str, int]:
        pending, accepted, rejected = person.counts()
        return {"pending": pending, "accepted": accepted, "rejected": rejected}

    def validate_name(self, name: str) -> str:
        name = name.strip()
        if not name:
            raise serializers.ValidationError(_("A name is needed."))
        owner = self.context["request"].user
        clash = Person.objects.filter(owner=owner, name=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(_("You already enrolled someone with this name."))
        return name


class PersonListSerializer(PersonSerializer):
    class Meta(PersonSerializer.Meta):
        fields = ["id", "name", "keep_photos", "status", "counts", "created_at"]


def own_person(request, pk: int) -> Person:
    return get_object_or_404(Person.objects.owned_by(request.user).with_counts(), pk=pk)


def _save_person(serializer, **kwargs) -> Person:
    try:
        with transaction.atomic():
            if serializer.instance is None:  # a new person counts against the quota
                quotas.check_new_person(kwargs["owner"].pk)
            return serializer.save(**kwargs)
    except IntegrityError as error:  # two requests racing for the same name
        raise serializers.ValidationError(
            {"name": [_("You already enrolled someone with this name.")]}
        ) from error


class PeopleView(APIView):
    @extend_schema(
        responses=inline_serializer("PeopleList", {"results": PersonListSerializer(many=True)}),
        summary="My enrolled people",
        operation_id="people_list",
    )
    def get(self, request):
        people = Person.objects.owned_by(request.user).with_counts()
        return Response({"results": PersonListSerializer(people, many=True).data})

    @extend_schema(
        request=PersonSerializer,
        responses={201: PersonSerializer},
        summary="Enrol a person (then upload photos)",
    )
    def post(self, request):
        serializer = PersonSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            person = _save_person(serializer, owner=request.user)
        except quotas.QuotaExceeded as exceeded:
            return Response({"detail": exceeded.message}, status=exceeded.status)
        person = own_person(request, person.pk)
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)


class PersonView(APIView):
    @extend_schema(responses=PersonSerializer, summary="A person, their status and photos")
    def get(self, request, pk: int):
        return Response(PersonSerializer(own_person(request, pk)).data)

    @extend_schema(
        request=PersonSerializer,
        responses=PersonSerializer,
        summary="Rename, or change keep_photos",
    )
    def patch(self, request, pk: int):
        person = own_person(request, pk)
        serializer = PersonSerializer(
            person, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        person = _save_person(serializer)
        if not person.keep_photos:
            person.discard_originals()
        return Response(PersonSerializer(own_person(request, pk)).data)

    @extend_schema(
        responses={204: None},
        summary="Forget a person: photos, face crops and embeddings are deleted",
    )
    def delete(self, request, pk: int):
        own_person(request, pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotosView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        responses=inline_serializer("PhotoList", {"results": PhotoSerializer(many=True)}),
        summary="A person's photos",
        operation_id="people_photos_list",
    )
    def get(self, request, pk: int):
        person = own_person(request, pk)
        return Response({"results": PhotoSerializer(person.photos.all(), many=True).data})

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "PhotoUpload", {"photos": serializers.ListField(child=serializers.FileField())}
            )
        },
        responses={
            202: inline_serializer(
                "PhotosAccepted",
                {
                    "photos": inline_serializer(
                        "PhotoQueued",
                        {
                            "id": serializers.IntegerField(),
                            "status": serializers.CharField(),
                            "reason": serializers.CharField(),
                            "message": serializers.CharField(),
                        },
                        many=True,
                    )
                },
            )
        },
        summary="Upload 1-20 photos (field `photos`, ≤ 20 MB each); processed in the background",
    )
    def post(self, request, pk: int):
        person = own_person(request, pk)
        files = request.FILES.getlist("photos")
        try:
            photos = store_uploads(person, files)
        except (UploadRefused, quotas.QuotaExceeded) as refused:
            return Response({"detail": refused.message}, status=refused.status)
        body = [
            {"id": p.pk, "status": p.status, "reason": p.reason, "message": p.message}
            for p in photos
        ]
        return Response({"photos": body}, status=status.HTTP_202_ACCEPTED)


class PhotoView(APIView):
    def _photo(self, request, pk: int, photo_pk: int) -> Photo:
        return get_object_or_404(Photo.objects.owned_by(request.user, pk), pk=photo_pk)

    @extend_schema(responses=PhotoSerializer, summary="One photo's result")
    def get(self, request, pk: int, photo_pk: int):
        return Response(PhotoSerializer(self._photo(request, pk, photo_pk)).data)

    @extend_schema(responses={204: None}, summary="Delete a photo and its embedding")
    def delete(self, request, pk: int, photo_pk: int):
        self._photo(request, pk, photo_pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class FaceChoiceSerializer(serializers.Serializer):
    face = serializers.IntegerField(min_value=0, help_text="An index into the photo's faces.")


class PhotoChoiceView(APIView):
    """Which face of a photo with several comparable faces is this person."""

    @extend_schema(
        request=FaceChoiceSerializer,
        responses=PhotoSerializer,
        summary="Choose the face that is this person",
    )
    def post(self, request, pk: int, photo_pk: int):
        photo = get_object_or_404(
            Photo.objects.owned_by(request.user, pk).select_related("person"), pk=photo_pk
        )
        choice = FaceChoiceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        try:
            photo = choose_face(photo, choice.validated_data["face"])
        except ChoiceRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        return Response(PhotoSerializer(photo).data)


class PhotoCandidateView(APIView):
    """One face found in a photo awaiting the host's choice (JPEG), for the owner only."""

    @extend_schema(responses={(200, "image/jpeg"): bytes}, summary="A face to choose from")
    def get(self, request, pk: int, photo_pk: int, index: int):
        photo = get_object_or_404(Photo.objects.owned_by(request.user, pk), pk=photo_pk)
        if index >= len(photo.candidates):
            raise Http404(_("This photo has no such face."))
        storage = Photo._meta.get_field("thumbnail").storage
        try:
            handle = storage.open(photo.candidates[index]["thumbnail"], "rb")
        except FileNotFoundError as error:
            raise Http404(_("This photo has no such face.")) from error
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class PhotoFaceView(APIView):
    """The face crop (JPEG), for the owner only; enrolment photos are never public."""

    @extend_schema(responses={(200, "image/jpeg"): bytes}, summary="Face crop thumbnail")
    def get(self, request, pk: int, photo_pk: int):
        photo = get_object_or_404(Photo.objects.owned_by(request.user, pk), pk=photo_pk)
        if not photo.thumbnail:
            raise Http404(_("This photo has no face crop."))
        try:
            handle = photo.thumbnail.open("rb")
        except FileNotFoundError as error:
            raise Http404(_("This photo has no face crop.")) from error
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response
