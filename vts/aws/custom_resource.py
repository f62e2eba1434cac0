"""Run a CloudFormation custom resource so that CloudFormation always hears back, once.

A custom resource handler subclasses :class:`CustomResource` and implements ``create``,
``update`` and ``delete``; :func:`run_custom_resource` parses the event, calls the right
method with a :class:`Deadline` (the Lambda time left, minus a reserve for reporting),
turns any exception into a FAILED response with the error and its hint as the reason, and
PUTs exactly one response. Everything that can fail runs inside that guard: parsing the
event (a malformed one is answered FAILED whenever it names a ResponseURL) and making the
resource (its AWS client), which the handler passes as a factory. A watchdog thread sends
FAILED just before the function would time out, so a call that hangs can never leave the
stack waiting for an hour.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vts.aws.cfn_response import CustomResourceRequest, CustomResourceResponse, send_response
from vts.exceptions import VtsError

logger = logging.getLogger(__name__)

# Seconds kept back from the Lambda timeout to report the outcome to CloudFormation.
DEFAULT_RESERVE_SECONDS = 20.0
# Time budget when there is no Lambda context (local runs, sam local invoke without one).
DEFAULT_BUDGET_SECONDS = 300.0
# Physical id prefix of a resource whose Create failed: its Delete has nothing to undo.
FAILED_CREATE_PREFIX = "failed-create:"

Clock = Callable[[], float]


@dataclass(frozen=True)
class Deadline:
    """A point in (monotonic) time by which the handler's work must be done."""

    end: float
    clock: Clock = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Clock = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    @classmethod
    def from_context(
        cls, context: Any, reserve: float = DEFAULT_RESERVE_SECONDS, clock: Clock = time.monotonic
    ) -> Deadline:
        """The Lambda's remaining time minus ``reserve`` (never less than one second)."""
        remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
        budget = remaining_ms() / 1000.0 if callable(remaining_ms) else DEFAULT_BUDGET_SECONDS
        return cls.after(max(budget - reserve, 1.0), clock)

    def remaining(self) -> float:
        return max(self.end - self.clock(), 0.0)

    def expired(self) -> bool:
        return self.remaining() <= 0.0


@dataclass(frozen=True)
class Outcome:
    """What a successful create/update/delete reports back."""

    physical_resource_id: str
    data: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""


class CustomResource(ABC):
    """One kind of custom resource: how to create, update and delete it."""

    @abstractmethod
    def create(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome: ...

    @abstractmethod
    def update(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome: ...

    @abstractmethod
    def delete(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome: ...

    def handle(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        if request.request_type == "Create":
            return self.create(request, deadline)
        if request.request_type == "Update":
            return self.update(request, deadline)
        return self.delete(request, deadline)


def is_failed_create(physical_resource_id: str | None) -> bool:
    """True for the id given to a resource whose Create failed (nothing exists to delete)."""
    return physical_resource_id is None or physical_resource_id.startswith(FAILED_CREATE_PREFIX)


Sender = Callable[[CustomResourceRequest, CustomResourceResponse], dict[str, Any]]


class _OneResponse:
    """Sends at most one response per request, whichever thread gets there first."""

    def __init__(self, request: CustomResourceRequest, send: Sender) -> None:
        self._request = request
        self._send = send
        self._lock = threading.Lock()
        self.sent: dict[str, Any] | None = None

    def send(self, response: CustomResourceResponse) -> dict[str, Any]:
        with self._lock:
            if self.sent is not None:
                return self.sent
            try:
                self.sent = self._send(self._request, response)
            except Exception as exc:  # noqa: BLE001 - nothing else can report it; log it
                logger.error(
                    "could not send %s to CloudFormation for %s: %s",
                    response.status,
                    self._request.logical_resource_id,
                    exc,
                )
                self.sent = response.body(self._request)
            return self.sent


def _failure_id(request: CustomResourceRequest) -> str:
    if request.physical_resource_id:
        return request.physical_resource_id
    return f"{FAILED_CREATE_PREFIX}{request.logical_resource_id}:{request.request_id}"


def _salvaged_request(event: Mapping[str, Any]) -> CustomResourceRequest | None:
    """What can be answered of an event that does not parse: ``None`` without a ResponseURL."""
    if not isinstance(event, Mapping) or not event.get("ResponseURL"):
        return None
    return CustomResourceRequest(
        request_type="Create",
        response_url=str(event["ResponseURL"]),
        stack_id=str(event.get("StackId", "")),
        request_id=str(event.get("RequestId", "")),
        logical_resource_id=str(event.get("LogicalResourceId", "")),
        resource_type=str(event.get("ResourceType", "Custom::Unknown")),
        properties={},
        physical_resource_id=event.get("PhysicalResourceId"),
    )


def run_custom_resource(
    event: Mapping[str, Any],
    context: Any,
    resource: CustomResource | Callable[[], CustomResource],
    *,
    send: Sender | None = None,
    reserve: float = DEFAULT_RESERVE_SECONDS,
) -> dict[str, Any]:
    """Handle one CloudFormation event and return the response body that was sent.

    ``resource`` may be a factory (e.g. one that makes the AWS client): it is called inside
    the guard, so a failure there is reported to CloudFormation too.
    """
    try:
        request = CustomResourceRequest.from_event(event)
    except Exception as exc:  # noqa: BLE001 - a bad event must still be answered
        salvaged = _salvaged_request(event)
        logger.error("malformed custom resource event: %s", exc)
        if salvaged is None:
            raise  # no ResponseURL: nothing can answer it; Lambda logs the error
        return _OneResponse(salvaged, send or send_response).send(
            CustomResourceResponse(
                status="FAILED",
                physical_resource_id=_failure_id(salvaged),
                reason=f"malformed custom resource event: {exc}",
            )
        )
    responder = _OneResponse(request, send or send_response)
    deadline = Deadline.from_context(context, reserve=reserve)
    logger.info(
        "%s %s (%s), physical id %s, %.0fs to work",
        request.request_type,
        request.logical_resource_id,
        request.resource_type,
        request.physical_resource_id,
        deadline.remaining(),
    )

    def on_timeout() -> None:
        responder.send(
            CustomResourceResponse(
                status="FAILED",
                physical_resource_id=_failure_id(request),
                reason=f"{request.request_type} did not finish before the function's timeout",
            )
        )

    # Fires half-way into the reserve: after the handler's own deadline, before Lambda's.
    watchdog = threading.Timer(deadline.remaining() + reserve / 2, on_timeout)
    watchdog.daemon = True
    watchdog.start()
    try:
        handler = resource if isinstance(resource, CustomResource) else resource()
        outcome = handler.handle(request, deadline)
        response = CustomResourceResponse(
            status="SUCCESS",
            physical_resource_id=outcome.physical_resource_id,
            reason=outcome.reason,
            data=outcome.data,
        )
    except VtsError as exc:
        logger.error("%s %s failed: %s", request.request_type, request.logical_resource_id, exc)
        response = CustomResourceResponse(
            status="FAILED", physical_resource_id=_failure_id(request), reason=str(exc)
        )
    except Exception as exc:  # noqa: BLE001 - every failure must reach CloudFormation
        logger.exception("%s %s failed", request.request_type, request.logical_resource_id)
        response = CustomResourceResponse(
            status="FAILED",
            physical_resource_id=_failure_id(request),
            reason=f"{type(exc).__name__}: {exc}",
        )
    finally:
        watchdog.cancel()
    return responder.send(response)
