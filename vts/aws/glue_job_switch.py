"""The on/off switch of the Glue streaming job, as a custom resource.

A Glue job definition costs nothing; a running streaming job costs its workers every hour.
``Custom::GlueStreamingSwitch`` (properties ``JobName``, ``Enabled``, ``CodeVersion``) makes
the stack parameter that enables streaming the single place that decides whether a run is
going:

* enabled: make sure one run is active (start one if none is); if ``CodeVersion`` (the Glue
  assets digest) changed, stop the active run, wait for it to stop and start a new one, so a
  deploy ships new code at once instead of at the next maintenance-window restart;
* disabled, or the resource deleted: stop the active runs.

Stopping is safe at any time: the job commits each micro-batch idempotently and resumes
from its checkpoint.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from vts.aws.cfn_response import CustomResourceRequest
from vts.aws.custom_resource import CustomResource, Deadline, Outcome
from vts.aws.exceptions import DeadlineExceededError, InvalidPropertyError

logger = logging.getLogger(__name__)

ACTIVE_STATES = frozenset({"STARTING", "RUNNING", "WAITING"})
STOPPING_STATES = frozenset({"STOPPING"})
_JOB_NAME = re.compile(r"^[\w.-]{1,255}$")


def _job_name(props: Mapping[str, Any]) -> str:
    name = props.get("JobName")
    if not isinstance(name, str) or not _JOB_NAME.match(name):
        raise InvalidPropertyError("JobName", name, "a Glue job name")
    return name


def _enabled(props: Mapping[str, Any]) -> bool:
    value = str(props.get("Enabled", "")).lower()
    if value not in ("true", "false"):
        raise InvalidPropertyError("Enabled", props.get("Enabled"), "'true' or 'false'")
    return value == "true"


def runs_in(glue: Any, job_name: str, states: frozenset[str]) -> list[str]:
    """Ids of the job's recent runs that are in one of ``states``."""
    runs = glue.get_job_runs(JobName=job_name, MaxResults=50).get("JobRuns", [])
    return [run["Id"] for run in runs if run.get("JobRunState") in states]


def start_if_idle(glue: Any, job_name: str) -> str:
    """Start a run unless one is active; return the active or new run id."""
    active = runs_in(glue, job_name, ACTIVE_STATES)
    if active:
        logger.info("%s already has an active run %s", job_name, active[0])
        return active[0]
    run_id = str(glue.start_job_run(JobName=job_name)["JobRunId"])
    logger.info("started %s run %s", job_name, run_id)
    return run_id


def stop_active(
    glue: Any,
    job_name: str,
    deadline: Deadline | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Stop the job's active runs; with a deadline, also wait until none is stopping."""
    active = runs_in(glue, job_name, ACTIVE_STATES)
    if active:
        reply = glue.batch_stop_job_run(JobName=job_name, JobRunIds=active)
        for error in reply.get("Errors", []):
            logger.warning("could not stop %s run %s: %s", job_name, error.get("JobRunId"), error)
        logger.info("stopping %s runs %s", job_name, active)
    if deadline is not None:
        started = deadline.clock()
        while runs_in(glue, job_name, ACTIVE_STATES | STOPPING_STATES):
            if deadline.expired():
                raise DeadlineExceededError(
                    f"stopping the Glue job {job_name}", deadline.clock() - started
                )
            sleep(min(5.0, max(deadline.remaining(), 0.01)))
    return active


class GlueStreamingSwitch(CustomResource):
    """``Custom::GlueStreamingSwitch``: see the module docstring."""

    def __init__(self, glue: Any, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._glue = glue
        self._sleep = sleep

    def _apply(self, request: CustomResourceRequest, deadline: Deadline, restart: bool) -> Outcome:
        job = _job_name(request.properties)
        if not _enabled(request.properties):
            stopped = stop_active(self._glue, job)
            return Outcome(f"{job}/switch", {"RunId": ""}, f"streaming off; stopped {stopped}")
        if restart:
            stop_active(self._glue, job, deadline, sleep=self._sleep)
        run_id = start_if_idle(self._glue, job)
        return Outcome(f"{job}/switch", {"RunId": run_id}, f"streaming on; run {run_id}")

    def create(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        return self._apply(request, deadline, restart=False)

    def update(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        old_code = request.old_properties.get("CodeVersion")
        new_code = request.properties.get("CodeVersion")
        return self._apply(request, deadline, restart=bool(old_code) and old_code != new_code)

    def delete(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        physical = request.physical_resource_id or ""
        try:
            job = _job_name(request.properties)
        except InvalidPropertyError:
            return Outcome(physical, reason="no job to stop")
        try:
            stopped = stop_active(self._glue, job)
        except self._glue.exceptions.EntityNotFoundException:
            stopped = []
        return Outcome(physical, reason=f"stopped {stopped}")
