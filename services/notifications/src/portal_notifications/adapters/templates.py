"""Rendering an `EmailDraft` with the Jinja2 templates in `templates/emails/` (text + HTML).

HTML templates autoescape, so a company called `<Acme & Sons>` is shown, never interpreted;
text templates do not (a plain-text body has nothing to escape). StrictUndefined makes a
missing value an error (the event is retried, then dead-lettered) instead of an email
that greets nobody.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from portal_notifications.domain.emails import EmailDraft


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text_body: str
    html_body: str


class EmailRenderer:
    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("portal_notifications", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def render(self, draft: EmailDraft) -> RenderedEmail:
        values = {**draft.context, "subject": draft.subject}
        return RenderedEmail(
            subject=draft.subject,
            text_body=self._env.get_template(f"emails/{draft.template}.txt").render(values),
            html_body=self._env.get_template(f"emails/{draft.template}.html").render(values),
        )


@cache
def default_renderer() -> EmailRenderer:
    """One renderer per process: Jinja2 caches compiled templates on its environment."""
    return EmailRenderer()
