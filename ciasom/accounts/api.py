"""Account calls of the JSON API: sign up, token, me, stream key, delete."""

from __future__ import annotations

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ciasom.accounts import ratelimit
from ciasom.accounts.models import profile_of
from ciasom.accounts.services import delete_account

User = get_user_model()


class SignupSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    email = serializers.EmailField(required=False, allow_blank=True)

    class Meta:
        model = User
        fields = ["id", "username", "password", "email"]
        read_only_fields = ["id"]

    def validate(self, attrs):
        candidate = User(username=attrs.get("username", ""), email=attrs.get("email", ""))
        try:
            validate_password(attrs["password"], candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs

    def create(self, validated):
        return User.objects.create_user(**validated)

    def to_representation(self, user):
        return {"id": user.pk, "username": user.get_username()}


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    nickname = serializers.CharField(required=False, allow_blank=True, max_length=40)
    display_name = serializers.CharField(read_only=True)
    stream_key = serializers.CharField(read_only=True)
    avatar_url = serializers.CharField(read_only=True, allow_null=True)
    date_joined = serializers.DateTimeField(read_only=True)

    def to_representation(self, user):
        profile = profile_of(user)
        return {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "nickname": profile.nickname,
            "display_name": profile.display_name,
            "stream_key": profile.stream_key,
            "avatar_url": profile.avatar.url if profile.avatar else None,
            "date_joined": serializers.DateTimeField().to_representation(user.date_joined),
        }


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class AccountsView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=SignupSerializer, responses={201: SignupSerializer}, summary="Create an account"
    )
    def post(self, request):
        if ratelimit.signup_blocked(request):
            return Response(
                {"detail": _("Too many sign-ups from your network. Try again later.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        ratelimit.signup_done(request)
        return Response(serializer.to_representation(user), status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """The API token of an account (the same one on every call until the password changes)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=CredentialsSerializer,
        responses={200: inline_serializer("TokenAnswer", {"token": serializers.CharField()})},
        summary="Get an API token",
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        if ratelimit.login_blocked(request, username):
            detail = _("Too many failed log-ins. Wait 15 minutes and try again.")
            return Response(
                {"detail": detail},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": "900"},
            )
        user = authenticate(
            request, username=username, password=serializer.validated_data["password"]
        )
        if user is None:
            ratelimit.login_failed(request, username)
            return Response(
                {"detail": _("Wrong username or password.")}, status=status.HTTP_400_BAD_REQUEST
            )
        ratelimit.login_succeeded(request, username)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="My account, with the stream key")
    def get(self, request):
        return Response(MeSerializer().to_representation(request.user))

    @extend_schema(request=MeSerializer, responses=MeSerializer, summary="Change nickname/email")
    def patch(self, request):
        serializer = MeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user, profile = request.user, profile_of(request.user)
        if "email" in serializer.validated_data:
            user.email = serializer.validated_data["email"]
            user.save(update_fields=["email"])
        if "nickname" in serializer.validated_data:
            profile.nickname = serializer.validated_data["nickname"]
            profile.save(update_fields=["nickname"])
        return Response(MeSerializer().to_representation(user))

    @extend_schema(
        request=PasswordSerializer,
        responses={204: None},
        summary="Delete my account and everything in it (password required)",
    )
    def delete(self, request):
        serializer = PasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.user.check_password(serializer.validated_data["password"]):
            return Response(
                {"detail": _("The password is not correct.")}, status=status.HTTP_400_BAD_REQUEST
            )
        delete_account(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StreamKeyView(APIView):
    @extend_schema(
        request=None,
        responses={200: inline_serializer("StreamKey", {"stream_key": serializers.CharField()})},
        summary="Make a new stream key (the old one stops working)",
    )
    def post(self, request):
        return Response({"stream_key": profile_of(request.user).regenerate_stream_key()})
