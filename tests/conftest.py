"""Shared pytest set-up.

Service fixtures live in ``tests/fixtures/`` (one plugin module per service) and start
each real service once per test session, on free ports, under a temporary VTS home.
"""

pytest_plugins = [
    "tests.fixtures.aws",
    "tests.fixtures.browser",
    "tests.fixtures.kafka",
    "tests.fixtures.redis",
    "tests.fixtures.spark",
]
