from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ciasom.faces.models import Person


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ("name", "keep_photos")

    def __init__(self, *args, owner=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Person.objects.filter(owner=self.owner, name=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("You already enrolled someone with this name."))
        return name
