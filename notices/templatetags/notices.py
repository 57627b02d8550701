from typing import Any

from django import template

from ..models import Notice

register = template.Library()


@register.inclusion_tag("notices/_current.html", takes_context=True)
def current_notices(context: template.Context) -> dict[str, Any]:
    """The current notices for a logged-in user. A visitor gets only a line asking them to
    log in, and no query: the visitors' start page is one cached page for all of them."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"logged_in": False}
    return {"logged_in": True, "notices": list(Notice.objects.current())}
