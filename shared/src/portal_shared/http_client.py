"""Pooled HTTP sessions for service-to-service calls.

A `requests.Session` keeps a cookie jar: a Set-Cookie from one user's response would ride along
on the next user's request through the same pool. Between services no cookie is ever
remembered; each request carries exactly the headers its caller gives it.
"""
from __future__ import annotations

from http import cookiejar

import requests
from requests.adapters import HTTPAdapter


class _RememberNothing(cookiejar.CookiePolicy):
    netscape = True
    rfc2965 = False
    hide_cookie2 = False

    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False

    def domain_return_ok(self, domain, request):
        return False

    def path_return_ok(self, path, request):
        return False


def pooled_session(*, pool_maxsize: int = 32) -> requests.Session:
    session = requests.Session()
    # Calls between services go straight to the address configured: no proxy from the environment,
    # no .netrc credentials. Left on, requests looks both up on every call (a tenth of portal-web's
    # time under load, by py-spy: docs/performance.md).
    session.trust_env = False
    session.cookies.set_policy(_RememberNothing())
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
