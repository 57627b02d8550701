"""What is new for the person, shown at the top of Mina sidor. Each app adds its own part
from its AppConfig.ready(), as it adds its part of the admin's Att göra, so that the portal
knows none of them."""

from collections.abc import Callable

from .security import AuthenticatedHttpRequest

_news: list[Callable[[AuthenticatedHttpRequest], str]] = []


def add_news(news: Callable[[AuthenticatedHttpRequest], str]) -> None:
    """news(request) gives the app's part of Mina sidor as HTML, or "" when the app has
    nothing new for the person."""
    _news.append(news)


def news_for(request: AuthenticatedHttpRequest) -> list[str]:
    return [html for news in _news if (html := news(request))]
