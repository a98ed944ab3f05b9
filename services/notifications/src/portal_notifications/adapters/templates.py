"""Rendering an `EmailDraft` with the Jinja2 templates in `templates/emails/` (text + HTML).

HTML templates autoescape, so a company called `<Acme & Sons>` is shown, never interpreted;
text templates do not (a plain-text body has nothing to escape). StrictUndefined makes a
missing value an error (the event is retried, then dead-lettered) instead of an email
that greets nobody.

`text_to_html` turns a plain text someone wrote (an invitation's body) into safe HTML:
escaped, paragraphs at blank lines, `<br>` at single line breaks, and one given URL made a
link with a given text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

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
        self._env.filters["text_to_html"] = text_to_html

    def render(self, draft: EmailDraft) -> RenderedEmail:
        values = {**draft.context, "subject": draft.subject}
        return RenderedEmail(
            subject=draft.subject,
            text_body=self._env.get_template(f"emails/{draft.template}.txt").render(values),
            html_body=self._env.get_template(f"emails/{draft.template}.html").render(values),
        )


PARAGRAPH_STYLE = "font-size:16px;line-height:1.5;margin:0 0 16px;"
LINK_STYLE = "color:#2f7d32;font-weight:bold;"
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def text_to_html(text: str, link: str | None = None, link_text: str | None = None) -> Markup:
    """Escaped paragraphs of `text`, with every occurrence of `link` an <a> showing `link_text`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    anchor = Markup('<a href="{}" style="{}">{}</a>').format(link, LINK_STYLE, link_text or link) if link else None
    paragraphs = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        if not paragraph.strip():
            continue
        lines = [_linked(line, link, anchor) for line in paragraph.split("\n")]
        paragraphs.append(Markup('<p style="{}">').format(PARAGRAPH_STYLE) + Markup("<br>\n").join(lines)
                          + Markup("</p>"))
    return Markup("\n").join(paragraphs)


def _linked(line: str, link: str | None, anchor: Markup | None) -> Markup:
    if not link or anchor is None:
        return escape(line)
    return anchor.join(escape(piece) for piece in line.split(link))


@cache
def default_renderer() -> EmailRenderer:
    """One renderer per process: Jinja2 caches compiled templates on its environment."""
    return EmailRenderer()
