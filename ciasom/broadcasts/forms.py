from __future__ import annotations

from typing import cast

from django import forms

from ciasom.broadcasts.models import Broadcast
from ciasom.engine.settings import PRIVACY_DELAY_MS_MAX, PRIVACY_DELAY_MS_MIN
from ciasom.faces.models import Person


class BroadcastForm(forms.ModelForm):
    strength = forms.IntegerField(
        min_value=1, max_value=5, initial=3, widget=forms.NumberInput(attrs={"type": "range"})
    )

    class Meta:
        model = Broadcast
        fields = (
            "title",
            "category",
            "mode",
            "visible_people",
            "style",
            "strength",
            "privacy_delay_ms",
        )
        widgets = {
            "mode": forms.RadioSelect,
            "style": forms.RadioSelect,
            "visible_people": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, owner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the host's own people can be chosen; anything else is "not a valid choice".
        people = cast(forms.ModelMultipleChoiceField, self.fields["visible_people"])
        people.queryset = Person.objects.owned_by(owner)
        self.fields["title"].widget.attrs["autofocus"] = True
        delay = self.fields["privacy_delay_ms"]
        delay.required = False  # left out (a script, an older page): it stays what it was
        # The browser's own hint; the model's validators give the message.
        delay.widget.attrs.update(min=PRIVACY_DELAY_MS_MIN, max=PRIVACY_DELAY_MS_MAX)

    def clean_privacy_delay_ms(self) -> int:
        delay = self.cleaned_data["privacy_delay_ms"]
        return self.instance.privacy_delay_ms if delay is None else delay
