"""Static assets with content-hashed URLs, so they can be cached for a year and still change at once."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, url_for

ONE_YEAR = 365 * 24 * 3600


def init_assets(app: Flask) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = ONE_YEAR
    static_root = Path(app.static_folder)

    @cache
    def fingerprint(filename: str) -> str:
        return hashlib.sha256((static_root / filename).read_bytes()).hexdigest()[:12]

    def asset_url(filename: str) -> str:
        return url_for("static", filename=filename, v=fingerprint(filename))

    app.jinja_env.globals["asset_url"] = asset_url

    @app.after_request
    def _immutable(response):
        from flask import request

        if request.endpoint == "static" and request.args.get("v"):
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response
