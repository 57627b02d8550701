from dataclasses import dataclass, field

from django import template

from ..models import Notice

register = template.Library()


@dataclass(frozen=True)
class StartPageNotices:
    """What the start page shows of the notices: the important ones at the top, in view on a
    phone without scrolling, and the others further down."""

    logged_in: bool
    important: list[Notice] = field(default_factory=list)
    others: list[Notice] = field(default_factory=list)


@register.simple_tag(takes_context=True)
def current_notices(context: template.Context) -> StartPageNotices:
    """The current notices for a logged-in user, in one query. A visitor gets only a line
    asking them to log in, and no query: the visitors' start page is one cached page for all
    of them."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return StartPageNotices(logged_in=False)
    notices = list(Notice.objects.current())
    return StartPageNotices(
        logged_in=True,
        important=[n for n in notices if n.is_important],
        others=[n for n in notices if not n.is_important],
    )
