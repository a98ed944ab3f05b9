"""Suite-wide conventions: a test's folder says what kind it is.

`*/integration/*` talks to real servers (marker `integration`), `tests-e2e/` starts the whole
system (marker `e2e`); everything else is a unit test. `make test-unit` etc. select by marker.
"""
import os

import pytest

pytest_plugins = ["portal_testkit.pytest_plugin"]

# The suite runs as a developer machine does: development defaults are allowed (see portal_shared.config).
os.environ.setdefault("PORTAL_DEV", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        path = str(item.path)
        if "/tests-e2e/" in path:
            item.add_marker(pytest.mark.e2e)
        elif "/integration/" in path:
            item.add_marker(pytest.mark.integration)
