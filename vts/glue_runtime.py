"""What the Glue job scripts share about where they run: Glue's argument parser, Glue's JVM.

``resolve_options`` resolves ``--name value`` arguments with Glue's own parser
(``awsglue.utils.getResolvedOptions``) wherever the ``awsglue`` package is installed (on
Glue, and in the Glue rehearsal, which installs AWS's ``awsgluedataplanepython``), and with
``vts.stream.args.parse_argv`` elsewhere; both read the same pairs.

``running_on_glue`` decides by what only Glue has, not by ``import awsglue`` (that package
is on PyPI): Glue starts a job script from its own JVM with ``spark-submit``, so
``PYSPARK_GATEWAY_PORT`` is set, and that JVM carries Glue's Scala
``com.amazonaws.services.glue.GlueContext``, which ``awsglue.context.GlueContext`` wraps.
Only when both hold is it Glue.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from vts.stream.args import parse_argv

GLUE_SCALA_CONTEXT = "com.amazonaws.services.glue.GlueContext"


def started_by_spark_submit() -> bool:
    """A JVM started this Python (``spark-submit``, as Glue does) and waits for it."""
    return bool(os.environ.get("PYSPARK_GATEWAY_PORT"))


def running_on_glue() -> bool:
    """True inside an AWS Glue job run: a JVM started us and it has Glue's classes."""
    if not started_by_spark_submit():
        return False
    from py4j.java_gateway import JavaClass
    from pyspark.context import SparkContext

    node = SparkContext.getOrCreate()._jvm
    for part in GLUE_SCALA_CONTEXT.split("."):
        node = getattr(node, part)
    return isinstance(node, JavaClass)


def resolve_options(argv: Sequence[str], names: Sequence[str]) -> Mapping[str, str]:
    """``name -> value`` from ``argv``: ``names`` with Glue's parser where it is installed
    (it requires each of them), every pair with ``parse_argv`` elsewhere."""
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        return parse_argv(argv[1:])
    resolved: Mapping[str, str] = getResolvedOptions(list(argv), list(names))
    return resolved
