"""gunicorn's entry to a feature service: `wsgi_app = "portal_shared.kit.wsgi:create_app('portal_billing')"`.

gunicorn accepts a function call with literal arguments there, not an attribute path, so the kit
looks the declaration up by package: `<package>.bootstrap.FEATURE`.
"""
from __future__ import annotations

from importlib import import_module

from flask import Flask


def create_app(package: str) -> Flask:
    return import_module(f"{package}.bootstrap").FEATURE.create_app()
