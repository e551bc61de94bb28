"""Extension points: how an app adds to a page of an app that may not import it.

The arrow stays one-way. ``dispatch`` must not import ``records`` or ``grid``, yet the
incident page offers "open a case" and "open a dispute". Those apps register a provider
here from their ``AppConfig.ready()``; the incident page asks :func:`incident_actions`.
The public portal (``services``) lists other apps' public pages the same way
(:func:`portal_links`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PageAction:
    """A link offered on another app's page: ``label`` (translated), ``url`` and an
    optional ``help`` line shown under it."""

    label: str
    url: str
    help: str = ""


IncidentActionProvider = Callable[[Any, Any], Iterable[PageAction]]

_incident_providers: list[IncidentActionProvider] = []


def register_incident_action(provider: IncidentActionProvider) -> None:
    """Add ``provider(user, incident) -> actions``; registering the same one twice is a no-op."""
    if provider not in _incident_providers:
        _incident_providers.append(provider)


def incident_actions(user: Any, incident: Any) -> list[PageAction]:
    """Every registered app's actions for ``incident`` as ``user`` may take them."""
    return [action for provider in _incident_providers for action in provider(user, incident)]


PortalLinkProvider = Callable[[], Iterable[PageAction]]

_portal_providers: list[PortalLinkProvider] = []


def register_portal_link(provider: PortalLinkProvider) -> None:
    """Add ``provider() -> links`` to the public portal's home page (no user: the portal
    has none); registering the same one twice is a no-op."""
    if provider not in _portal_providers:
        _portal_providers.append(provider)


def portal_links() -> list[PageAction]:
    """Every registered app's links for the public portal's home page."""
    return [link for provider in _portal_providers for link in provider()]
