"""Black-box TAXII 2.1 tests against a running Deltawall seeded with the demo sector.

Start the server first, e.g.:
    deltawall serve --data-dir "$(mktemp -d)" --listen 127.0.0.1:8765 \
        --public-url http://127.0.0.1:8765 --insecure-cookies --demo --demo-password "$PW"
then: DELTAWALL_TAXII_URL=http://127.0.0.1:8765/taxii2/ DELTAWALL_DEMO_PASSWORD="$PW" pytest tests/taxii
"""

import os

import pytest


@pytest.fixture(scope="session")
def base_url():
    return os.environ.get("DELTAWALL_TAXII_URL", "http://127.0.0.1:8765/taxii2/")


@pytest.fixture(scope="session")
def password():
    pw = os.environ.get("DELTAWALL_DEMO_PASSWORD")
    if not pw:
        pytest.fail("set DELTAWALL_DEMO_PASSWORD to the demo accounts' password")
    return pw
