"""Input guards at the edge of every service: what no endpoint can handle is refused before any runs.

One `before_request` check, wired by `create_service_app`, answers 400 problem+json for:
- a path or query string carrying a C0 control character (NUL included) or DEL: no id, slug,
  token or filter we serve contains one, and PostgreSQL cannot store NUL in text at all;
- a JSON body that is not valid JSON, nests deeper than `MAX_JSON_DEPTH`, uses the non-standard
  `NaN`/`Infinity` (JSONB refuses them), or has a string (value or key) with NUL or another C0
  control other than tab, line feed and carriage return (multi-line texts keep those).
A body over `MAX_CONTENT_LENGTH` is refused with 413 by Werkzeug while it is read here; the
service app turns that into problem+json like every other HTTP error.

Bounded URL converters (`install_converters`) replace Werkzeug's unbounded ones: `<int:…>` stops
at PostgreSQL's `integer` (the type of every integer column), `<string:…>` (the default) at
`MAX_PATH_SEGMENT` characters unless a route asks for less. A value outside the bound matches no
route, so it is a 404 problem, never a database error. Why a guard rather than per-endpoint
checks: docs/adr/0014-input-guards-at-the-edge.md.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter, UnicodeConverter

from portal_shared.errors import ApiError

MAX_JSON_DEPTH = 32
# PostgreSQL `integer`; a BIGINT column would take a converter of its own (`<int64:…>`).
MAX_PATH_INT = 2**31 - 1
MAX_PATH_INT64 = 2**63 - 1
MAX_PATH_SEGMENT = 200

_CONTROL_IN_URL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # all C0 but \t \n \r


class BadInput(ApiError):
    status, code, title = 400, "bad_request", "Bad request"


class BoundedIntConverter(IntegerConverter):
    """`<int:n>`: 0 … 2³¹−1 (PostgreSQL integer); larger numbers are no route, so 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_PATH_INT)
        super().__init__(map, *args, **kwargs)


class BoundedInt64Converter(IntegerConverter):
    """`<int64:n>`: 0 … 2⁶³−1 (PostgreSQL bigint)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_PATH_INT64)
        super().__init__(map, *args, **kwargs)


class BoundedStringConverter(UnicodeConverter):
    """`<name>` / `<string:name>`: 1 … MAX_PATH_SEGMENT characters unless the route says fewer."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length: int | None = None):
        super().__init__(map, minlength=minlength, maxlength=maxlength or MAX_PATH_SEGMENT, length=length)


def install_converters(app: Flask) -> None:
    """Before any blueprint is registered: rules pick their converters when they are added."""
    app.url_map.converters.update(default=BoundedStringConverter, string=BoundedStringConverter,
                                  int=BoundedIntConverter, int64=BoundedInt64Converter)


def init_guards(app: Flask) -> None:
    app.before_request(check_request)


def check_request() -> None:
    if _CONTROL_IN_URL.search(request.path):
        raise BadInput("The path may not contain control characters.", code="bad_path")
    if _CONTROL_IN_URL.search(_decoded_query()):
        raise BadInput("The query string may not contain control characters.", code="bad_query")
    if _is_json(request.mimetype):
        data = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
        if data.strip():
            check_json_text(data)


def _decoded_query() -> str:
    # `request.args` decodes %00 etc.; keys count as much as values.
    return "".join(key + "".join(values) for key, values in request.args.lists())


def _is_json(mimetype: str) -> bool:
    # The same test webargs uses to decide it will parse the body as JSON.
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def check_json_text(data: bytes | str) -> Any:
    """Parse a JSON body as the guard allows it, or raise BadInput saying why; returns the value."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadInput(f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.", code="json_too_deep") from None
    except (ValueError, UnicodeDecodeError) as error:
        # ValueError covers malformed JSON, NaN/Infinity and integers past Python's digit limit.
        raise BadInput(f"The body is not valid JSON: {error}", code="invalid_json") from None
    _check_json_value(value)
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _check_json_value(value: Any) -> None:
    """Depth and strings, walked without recursion (the value may be as deep as the parser allows)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadInput(f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.", code="json_too_deep")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        else:
            stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if _CONTROL_IN_TEXT.search(text):
        raise BadInput("Text may not contain NUL or other control characters (tab and line breaks are fine).",
                       code="control_character")
