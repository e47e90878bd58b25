"""Broadcast CRUD and the public live list.

A host's broadcasts are theirs: others see a broadcast only while it is live, and then
only its public fields; changing someone else's broadcast answers 403 (live) or 404.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ciasom.broadcasts.models import PRIVACY_DELAY_ERROR, Broadcast
from ciasom.broadcasts.queries import SORTS, live_broadcasts
from ciasom.engine.settings import PRIVACY_DELAY_MS_MAX, PRIVACY_DELAY_MS_MIN
from ciasom.faces.models import Person

PUBLIC_FIELDS = [
    "id",
    "title",
    "host",
    "category",
    "viewers",
    "is_live",
    "started_at",
    "thumbnail_url",
    "watch_url",
    "whep_url",
]


class PublicBroadcastSerializer(serializers.ModelSerializer):
    host = serializers.CharField(source="host_name", read_only=True)
    thumbnail_url = serializers.CharField(read_only=True)
    watch_url = serializers.CharField(source="get_absolute_url", read_only=True)
    whep_url = serializers.CharField(read_only=True)

    class Meta:
        model = Broadcast
        fields = PUBLIC_FIELDS
        read_only_fields = PUBLIC_FIELDS


class OwnerPeopleField(serializers.PrimaryKeyRelatedField):
    """Only the requesting host's own people can be chosen."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Person.objects.none()
        return Person.objects.owned_by(request.user)


class BroadcastSerializer(PublicBroadcastSerializer):
    visible_people = OwnerPeopleField(many=True, required=False)
    whip_url = serializers.CharField(read_only=True)
    warning = serializers.SerializerMethodField()
    block = serializers.SerializerMethodField()
    strength = serializers.IntegerField(min_value=1, max_value=5, required=False)
    privacy_delay_ms = serializers.IntegerField(
        min_value=PRIVACY_DELAY_MS_MIN,
        max_value=PRIVACY_DELAY_MS_MAX,
        required=False,
        help_text=Broadcast._meta.get_field("privacy_delay_ms").help_text,
        error_messages={"min_value": PRIVACY_DELAY_ERROR, "max_value": PRIVACY_DELAY_ERROR},
    )

    class Meta:
        model = Broadcast
        fields = [
            *PUBLIC_FIELDS,
            "mode",
            "style",
            "strength",
            "privacy_delay_ms",
            "visible_people",
            "whip_url",
            "ended_at",
            "created_at",
            "warning",
            "block",
        ]
        read_only_fields = [
            f
            for f in fields
            if f
            not in {
                "title",
                "category",
                "mode",
                "style",
                "strength",
                "privacy_delay_ms",
                "visible_people",
            }
        ]

    def get_warning(self, broadcast: Broadcast) -> str | None:
        if broadcast.mode == Broadcast.Mode.OFF:
            return _("Mosaic is off: every face, bystanders included, is shown as filmed.")
        if broadcast.mode == Broadcast.Mode.EXCEPT and not broadcast.visible_people.exists():
            return _("No visible people chosen: every face will be mosaicked.")
        return None

    @extend_schema_field(
        inline_serializer(
            "Block",
            {
                "until": serializers.DateTimeField(),
                "reason": serializers.CharField(),
                "message": serializers.CharField(),
            },
            allow_null=True,
        )
    )
    def get_block(self, broadcast: Broadcast) -> dict | None:
        """Why the host cannot go live now (a moderator ended a broadcast of theirs)."""
        block = Broadcast.block_on(broadcast.owner_id)
        if block is None:
            return None
        return {
            "until": block.blocked_until,
            "reason": block.block_reason,
            "message": block.block_message(),
        }

    def validate_title(self, title: str) -> str:
        title = title.strip()
        if not title:
            raise serializers.ValidationError(_("A title is needed."))
        return title


LIST_PARAMETERS = [
    OpenApiParameter(
        "live",
        OpenApiTypes.INT,
        enum=[0, 1],
        description="1: every live broadcast (public); otherwise my broadcasts",
    ),
    OpenApiParameter("q", OpenApiTypes.STR, description="search in title and host name"),
    OpenApiParameter("category", OpenApiTypes.STR, enum=Broadcast.Category.values),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS)),
]


class BroadcastsView(APIView):
    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses=inline_serializer("BroadcastList", {"results": BroadcastSerializer(many=True)}),
        summary="Live list (?live=1, public) or my broadcasts",
        operation_id="broadcasts_list",
    )
    def get(self, request):
        params = request.query_params
        if params.get("live") in {"1", "true", "yes"}:
            found = live_broadcasts(
                params.get("q", ""), params.get("category", ""), params.get("sort", "viewers")
            )
            return Response({"results": PublicBroadcastSerializer(found, many=True).data})
        if not request.user.is_authenticated:
            raise NotAuthenticated(_("Log in to list your broadcasts, or ask for ?live=1."))
        mine = Broadcast.objects.owned_by(request.user).select_related("owner__profile")
        mine = mine.prefetch_related("visible_people")
        data = BroadcastSerializer(mine, many=True, context={"request": request}).data
        return Response({"results": data})

    @extend_schema(
        request=BroadcastSerializer,
        responses={201: BroadcastSerializer},
        summary="Create a broadcast",
    )
    def post(self, request):
        serializer = BroadcastSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        broadcast = serializer.save(owner=request.user)
        return Response(
            BroadcastSerializer(broadcast, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class BroadcastView(APIView):
    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    def _find(self, request, pk: int) -> Broadcast:
        broadcast = Broadcast.objects.select_related("owner__profile").filter(pk=pk).first()
        if broadcast is None:
            raise Http404(_("No such broadcast."))
        if broadcast.owner_id != getattr(request.user, "pk", None):
            if not broadcast.is_live:
                raise Http404(_("No such broadcast."))
            if request.method != "GET":
                raise PermissionDenied(_("This broadcast belongs to another host."))
        return broadcast

    @extend_schema(
        responses=BroadcastSerializer,
        summary="A broadcast (others see only a live one, public fields only)",
    )
    def get(self, request, pk: int):
        broadcast = self._find(request, pk)
        if broadcast.owner_id == request.user.pk:
            return Response(BroadcastSerializer(broadcast, context={"request": request}).data)
        return Response(PublicBroadcastSerializer(broadcast).data)

    @extend_schema(
        request=BroadcastSerializer,
        responses=BroadcastSerializer,
        summary="Change settings; applies to a live broadcast at once",
    )
    def patch(self, request, pk: int):
        broadcast = self._find(request, pk)
        serializer = BroadcastSerializer(
            broadcast, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():  # the live engine gets the settings and people together
            broadcast = serializer.save()
        return Response(BroadcastSerializer(broadcast, context={"request": request}).data)

    @extend_schema(responses={204: None}, summary="Delete (ends it first if live)")
    def delete(self, request, pk: int):
        self._find(request, pk).end_and_delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndBroadcastView(APIView):
    @extend_schema(request=None, responses=BroadcastSerializer, summary="End a live broadcast")
    def post(self, request, pk: int):
        broadcast = BroadcastView()._find(request, pk)
        broadcast.end()
        return Response(BroadcastSerializer(broadcast, context={"request": request}).data)
