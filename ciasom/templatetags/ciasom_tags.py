"""Small template helpers, loaded as builtins in every template."""

from __future__ import annotations

from django import template
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def include_if_exists(context, name: str) -> str:
    """Render `name` with the current context when some app ships it, else nothing.

    Lets the live app fill the player/publisher slots without this package knowing it.
    """
    try:
        tpl = get_template(name)
    except TemplateDoesNotExist:
        return ""
    return tpl.render(context.flatten(), context.get("request"))
