"""The one skeleton of the custom-resource Lambda handlers in ``functions/*/app.py``.

Each handler names its resource class and the AWS client it works with::

    lambda_handler = custom_resource_handler(GlueStreamingSwitch, "glue")

and gets the rest once: Powertools logging (JSON, for the ``vts.*`` loggers too; the event
itself is not logged, since its ResponseURL is pre-signed), one boto3 client per container,
made on first use inside the runner's guard (``run_custom_resource``: a client that cannot
be made is reported to CloudFormation like any other failure), and the runner, which
always reports back to CloudFormation, once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vts.aws.custom_resource import CustomResource, run_custom_resource
from vts.exceptions import NotInstalledError

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

CONNECT_TIMEOUT = 5.0  # seconds: every handler's client gives up connecting after this


class LazyClient:
    """A boto3 client of ``service``, made on the first call and kept for the container
    (``instance``)."""

    def __init__(self, service: str, **config: Any) -> None:
        self.service = service
        self.config = config
        self.instance: Any = None

    def __call__(self) -> Any:
        if self.instance is None:
            import boto3
            from botocore.config import Config

            config = Config(**self.config)
            self.instance = boto3.client(self.service, config=config)  # type: ignore[call-overload]
        return self.instance


class CustomResourceHandler:
    """A Lambda handler: ``resource(client())`` run by ``run_custom_resource``, logged by
    Powertools (``logger.inject_lambda_context``, without the event)."""

    def __init__(
        self, resource: Callable[[Any], CustomResource], client: LazyClient, logger: Any
    ) -> None:
        self.resource = resource
        self.client = client
        self._invoke: Handler = logger.inject_lambda_context(log_event=False)(self._run)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return self._invoke(event, context)

    def _run(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        # a factory: the client is made inside the runner's guard
        return run_custom_resource(event, context, lambda: self.resource(self.client()))


def custom_resource_handler(
    resource: Callable[[Any], CustomResource],
    service: str,
    *,
    read_timeout: float = 20.0,
    **config: Any,
) -> CustomResourceHandler:
    """The Lambda handler of ``resource``, made with a client of ``service`` (``boto3``'s
    name, e.g. ``"glue"``) with a ``read_timeout`` and any other ``botocore`` ``Config``
    settings in ``config``. Call it at module level: the logger is set up at import."""
    try:
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NotInstalledError("aws-lambda-powertools", extra="lambda") from exc

    logger = Logger()
    # vts.* modules log with the standard library; give them Powertools' JSON format too.
    copy_config_to_registered_loggers(source_logger=logger, include={"vts"})
    client = LazyClient(
        service, connect_timeout=CONNECT_TIMEOUT, read_timeout=read_timeout, **config
    )
    return CustomResourceHandler(resource, client, logger)
