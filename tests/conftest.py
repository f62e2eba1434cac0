"""Shared pytest set-up.

Service fixtures live in ``tests/fixtures/`` (one plugin module per service) and start
each real service once per test session, on free ports, under a temporary VTS home.
"""

pytest_plugins = [
    "tests.aws.cfn_server",  # cfn_responses: a CloudFormation response URL to PUT to
    "tests.aws.lambda_support",  # aws_env, restore_logging: a handler's environment
    "tests.fixtures.aws",
    "tests.fixtures.background",  # vts_in_background: a command started with SIGINT ignored
    "tests.fixtures.browser",
    "tests.fixtures.kafka",
    "tests.fixtures.redis",
    "tests.fixtures.spark",
]
