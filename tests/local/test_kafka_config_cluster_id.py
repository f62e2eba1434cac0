"""The KRaft cluster id is safe to pass on the storage tool's command line."""

from __future__ import annotations

import base64
import uuid

import pytest

from vts.local import kafka_config


def test_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xf8 encodes to "-" as the first URL-safe base64 character
    dashed = uuid.UUID(bytes=b"\xf8" + bytes(15))
    plain = uuid.UUID(bytes=b"\x00" * 16)
    ids = iter([dashed, plain])
    monkeypatch.setattr(kafka_config.uuid, "uuid4", lambda: next(ids))
    assert base64.urlsafe_b64encode(dashed.bytes).startswith(b"-")
    cluster_id = kafka_config.new_cluster_id()
    assert cluster_id == base64.urlsafe_b64encode(plain.bytes).rstrip(b"=").decode()
    assert len(cluster_id) == 22
