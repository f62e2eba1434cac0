"""A self-signed certificate for the local broker's TLS listener (``SCRAM_TLS``).

MSK's SCRAM and IAM listeners speak ``SASL_SSL``; the local broker offers the same next to
its plaintext SCRAM listener, so clients run the TLS handshake they will run on AWS. The
JDK's ``keytool`` makes, under the broker's home (``tls/``):

- ``broker.p12``: the broker's key and certificate (CN=localhost, SAN 127.0.0.1/localhost);
- ``truststore.p12``: that certificate alone, for JVM clients (Spark's Kafka source:
  ``-Djavax.net.ssl.trustStore``, as the JVM's default trust carries Amazon's CA on AWS);
- ``ca.pem``: the same certificate as PEM, for librdkafka clients (``ssl.ca.location``).

The store password is random per home and kept in ``tls/password`` (mode 0600): it
protects a throw-away local certificate and is never committed or printed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from vts.local.exceptions import ConfigError

ALIAS = "vts-local-broker"
DAYS = 3650


@dataclass(frozen=True)
class TlsFiles:
    """Where the local broker's TLS material lives."""

    folder: Path

    @property
    def keystore(self) -> Path:
        return self.folder / "broker.p12"

    @property
    def truststore(self) -> Path:
        return self.folder / "truststore.p12"

    @property
    def ca_pem(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def password_file(self) -> Path:
        return self.folder / "password"

    @property
    def password(self) -> str:
        return self.password_file.read_text().strip()

    def exists(self) -> bool:
        return all(
            p.is_file() for p in (self.keystore, self.truststore, self.ca_pem, self.password_file)
        )

    def jvm_trust_options(self) -> list[str]:
        """JVM system properties that make its default trust the local broker's certificate."""
        return [
            f"-Djavax.net.ssl.trustStore={self.truststore}",
            f"-Djavax.net.ssl.trustStorePassword={self.password}",
            "-Djavax.net.ssl.trustStoreType=PKCS12",
        ]


def _keytool(java: str | None = None) -> str:
    if java:
        candidate = Path(java).with_name("keytool")
        if candidate.exists():
            return str(candidate)
    found = shutil.which("keytool")
    if found is None:
        raise ConfigError(
            "keytool (from the JDK) is needed for the local broker's TLS listener",
            hint="install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)",
        )
    return found


def ensure_tls(folder: Path, *, java: str | None = None) -> TlsFiles:
    """The broker's TLS files under ``folder``, made on first use (kept across restarts)."""
    files = TlsFiles(folder)
    if files.exists():
        return files
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        path.unlink()
    password = secrets.token_hex(16)
    files.password_file.write_text(password + "\n")
    os.chmod(files.password_file, 0o600)
    keytool = _keytool(java)

    def run(*args: str) -> None:
        done = subprocess.run(  # noqa: S603 - keytool from the JDK, fixed arguments
            [keytool, *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise ConfigError(
                f"keytool failed making the local broker's certificate: {done.stderr.strip()}",
                hint=f"remove {folder} and run `vts local up` again",
            )

    store = ["-storetype", "PKCS12", "-storepass", password]
    run(
        "-genkeypair",
        "-alias",
        ALIAS,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        str(DAYS),
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore",
        str(files.keystore),
        *store,
    )
    run(
        "-exportcert",
        "-rfc",
        "-alias",
        ALIAS,
        "-keystore",
        str(files.keystore),
        "-file",
        str(files.ca_pem),
        *store,
    )
    run(
        "-importcert",
        "-noprompt",
        "-alias",
        ALIAS,
        "-file",
        str(files.ca_pem),
        "-keystore",
        str(files.truststore),
        *store,
    )
    return files
