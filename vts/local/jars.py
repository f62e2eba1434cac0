"""Find the JVM jars that ``make jars`` fetched into ``$VTS_HOME/jars/<profile>/``.

Each profile of ``jvm/pom.xml`` (``kafka``, ``spark``, ...) is copied into its own folder so
that the broker (Scala 2.13) and Spark (Scala 2.12) never share a classpath. Nothing is
downloaded here: a missing folder is an error that says to run ``make jars``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from vts.local.exceptions import JarsNotInstalledError
from vts.settings import LocalPaths

logger = logging.getLogger(__name__)


def jars_dir(profile: str, root: Path | None = None) -> Path:
    """The folder that holds a profile's jars (``root`` defaults to ``LocalPaths.jars``)."""
    return (root or LocalPaths.from_env().jars) / profile


def classpath(profile: str, root: Path | None = None) -> list[Path]:
    """The jars of one ``jvm/pom.xml`` profile, sorted by name.

    Raises ``JarsNotInstalledError`` (hint: run ``make jars``) when the folder is missing or
    holds no jar.
    """
    directory = jars_dir(profile, root)
    jars = sorted(directory.glob("*.jar")) if directory.is_dir() else []
    if not jars:
        raise JarsNotInstalledError(profile, directory)
    logger.debug("%d %s jars in %s", len(jars), profile, directory)
    return jars


def classpath_string(profile: str, root: Path | None = None) -> str:
    """``classpath`` joined for ``java -cp`` (or ``spark.jars`` with ``sep=','``)."""
    return os.pathsep.join(str(p) for p in classpath(profile, root))
