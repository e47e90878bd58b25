from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ciasom.accounts.models import Profile

AVATAR_SIZE = 256


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Email (optional)"), required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class ProfileForm(forms.ModelForm):
    avatar = forms.FileField(label=_("Avatar"), required=False)

    class Meta:
        model = Profile
        fields = ("nickname",)

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return avatar_from_upload(upload)

    def save(self, commit: bool = True) -> Profile:
        profile = super().save(commit=False)
        avatar = self.cleaned_data.get("avatar")
        if avatar is not None:
            old = profile.avatar.name if profile.avatar else None
            profile.avatar.save("avatar.jpg", avatar, save=False)
            if old:
                profile.avatar.storage.delete(old)
        if commit:
            profile.save()
        return profile


def avatar_from_upload(upload) -> ContentFile:
    """A square 256 px JPEG re-encoded from the upload: EXIF (GPS!) stripped, orientation
    applied, any decoder trickery stopped at Pillow's decompression-bomb limit."""
    if upload.size > settings.CIASOM_MAX_AVATAR_BYTES:
        raise forms.ValidationError(_("The avatar is larger than 5 MB."))
    try:
        with Image.open(upload) as opened:
            if opened.width * opened.height > settings.CIASOM_MAX_PHOTO_PIXELS:
                raise forms.ValidationError(_("The image has too many pixels."))
            upright = ImageOps.exif_transpose(opened).convert("RGB")
            image = ImageOps.fit(upright, (AVATAR_SIZE, AVATAR_SIZE))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise forms.ValidationError(_("This file is not a readable image.")) from exc
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return ContentFile(out.getvalue(), name="avatar.jpg")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password
