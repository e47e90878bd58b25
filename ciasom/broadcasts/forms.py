from __future__ import annotations

from django import forms

from ciasom.broadcasts.models import Broadcast
from ciasom.faces.models import Person


class BroadcastForm(forms.ModelForm):
    strength = forms.IntegerField(min_value=1, max_value=5, initial=3,
                                  widget=forms.NumberInput(attrs={"type": "range"}))

    class Meta:
        model = Broadcast
        fields = ("title", "category", "mode", "visible_people", "style", "strength")
        widgets = {
            "mode": forms.RadioSelect,
            "style": forms.RadioSelect,
            "visible_people": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, owner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the host's own people can be chosen; anything else is "not a valid choice".
        self.fields["visible_people"].queryset = Person.objects.filter(owner=owner)
        self.fields["title"].widget.attrs["autofocus"] = True
