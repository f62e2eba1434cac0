"""CloudFormation custom-resource requests and the response CloudFormation waits for.

CloudFormation sends a custom resource a request (Create, Update or Delete) and then waits,
up to an hour, for one JSON document PUT to the pre-signed ``ResponseURL``. A handler that
dies without sending it leaves the stack hanging, so the runner
(:mod:`vts.aws.custom_resource`) always sends exactly one response; this module holds the
typed request, the typed response and the PUT itself.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from vts.aws.exceptions import InvalidPropertyError

logger = logging.getLogger(__name__)

RequestType = Literal["Create", "Update", "Delete"]
Status = Literal["SUCCESS", "FAILED"]

# CloudFormation rejects a response body over 4 KiB; the reason is what gets cut.
MAX_BODY_BYTES = 4096
MAX_REASON_CHARS = 1500


@dataclass(frozen=True)
class CustomResourceRequest:
    """The fields of a CloudFormation custom-resource event that handlers use."""

    request_type: RequestType
    response_url: str
    stack_id: str
    request_id: str
    logical_resource_id: str
    resource_type: str
    properties: Mapping[str, Any]
    old_properties: Mapping[str, Any] = field(default_factory=dict)
    physical_resource_id: str | None = None

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> CustomResourceRequest:
        request_type = event.get("RequestType")
        if request_type not in ("Create", "Update", "Delete"):
            raise InvalidPropertyError("RequestType", request_type, "Create, Update or Delete")
        missing = [
            key
            for key in ("ResponseURL", "StackId", "RequestId", "LogicalResourceId")
            if not event.get(key)
        ]
        if missing:
            raise InvalidPropertyError(missing[0], None, "a value set by CloudFormation")
        properties = dict(event.get("ResourceProperties") or {})
        properties.pop("ServiceToken", None)
        old = dict(event.get("OldResourceProperties") or {})
        old.pop("ServiceToken", None)
        return cls(
            request_type=request_type,
            response_url=str(event["ResponseURL"]),
            stack_id=str(event["StackId"]),
            request_id=str(event["RequestId"]),
            logical_resource_id=str(event["LogicalResourceId"]),
            resource_type=str(event.get("ResourceType", "Custom::Unknown")),
            properties=properties,
            old_properties=old,
            physical_resource_id=event.get("PhysicalResourceId"),
        )


@dataclass(frozen=True)
class CustomResourceResponse:
    """What a handler tells CloudFormation: the outcome, the resource's id and its outputs."""

    status: Status
    physical_resource_id: str
    reason: str = ""
    data: Mapping[str, str] = field(default_factory=dict)
    no_echo: bool = False

    def body(self, request: CustomResourceRequest) -> dict[str, Any]:
        """The JSON document CloudFormation expects, with the reason cut to fit 4 KiB."""
        reason = self.reason
        if len(reason) > MAX_REASON_CHARS:
            reason = reason[: MAX_REASON_CHARS - 3] + "..."
        body: dict[str, Any] = {
            "Status": self.status,
            "Reason": reason or self.status,
            "PhysicalResourceId": self.physical_resource_id,
            "StackId": request.stack_id,
            "RequestId": request.request_id,
            "LogicalResourceId": request.logical_resource_id,
            "NoEcho": self.no_echo,
            "Data": dict(self.data),
        }
        if len(json.dumps(body).encode()) > MAX_BODY_BYTES:
            body["Reason"] = reason[:200] + "... (cut: see the function's log)"
        return body


Opener = Callable[..., Any]


def send_response(
    request: CustomResourceRequest,
    response: CustomResourceResponse,
    *,
    timeout: float = 10.0,
    opener: Opener = urllib.request.urlopen,
) -> dict[str, Any]:
    """PUT the response to the pre-signed URL and return the body that was sent.

    The pre-signed URL is signed for an empty content type, so none is sent. Network errors
    propagate: the caller logs them (CloudFormation then times out on its own).
    """
    body = response.body(request)
    payload = json.dumps(body).encode()
    http_request = urllib.request.Request(  # noqa: S310 - an https URL CloudFormation gives us
        request.response_url,
        data=payload,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(payload))},
    )
    with opener(http_request, timeout=timeout) as reply:
        logger.info(
            "sent %s for %s (%s) to CloudFormation: HTTP %s",
            response.status,
            request.logical_resource_id,
            request.request_type,
            getattr(reply, "status", "?"),
        )
    return body
