"""Errors of the stack's custom resources and the AWS calls they make."""

from __future__ import annotations

from vts.exceptions import ConfigError, TerminalError, TransientError

__all__ = [
    "ConfigError",
    "DeadlineExceededError",
    "InvalidPropertyError",
    "NoManagedSecretError",
    "StatementFailedError",
]


class InvalidPropertyError(ConfigError):
    """A custom resource property is missing or malformed (a template or parameter bug)."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        super().__init__(
            f"custom resource property {name}={value!r} is invalid: expected {expected}",
            hint=f"fix {name} in template.yaml (or the stack parameter it comes from) "
            "and update the stack",
        )
        self.name = name


class NoManagedSecretError(ConfigError):
    """A Redshift Serverless namespace has no admin secret that Redshift manages."""

    def __init__(self, namespace: str) -> None:
        super().__init__(
            f"Redshift Serverless namespace {namespace} has no admin secret in Secrets Manager",
            hint="let Redshift manage the namespace's admin password (ManageAdminPassword: "
            "true in template.yaml) and update the stack",
        )
        self.namespace = namespace


class StatementFailedError(TerminalError):
    """Redshift ran a statement and reported that it failed or was aborted."""

    def __init__(self, statement_id: str, status: str, error: str, sql: str) -> None:
        super().__init__(
            f"Redshift statement {statement_id} ended {status}: {error or 'no error text'} "
            f"(sql: {sql})",
            hint="run the statement in the Redshift query editor as the same user to see "
            "the full error; check that the Spectrum role is attached to the namespace",
        )
        self.statement_id = statement_id
        self.status = status


class DeadlineExceededError(TransientError):
    """The work did not finish before the Lambda function's time ran out."""

    def __init__(self, what: str, waited: float) -> None:
        super().__init__(
            f"{what} did not finish within {waited:.0f}s (the function's time budget)",
            hint="retry the stack operation; if it keeps timing out, raise the function's "
            "Timeout in template.yaml",
        )
