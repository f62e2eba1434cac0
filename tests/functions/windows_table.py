"""The simulator's idempotency table, as template.yaml defines it (``SimulatorWindowsTable``),
on moto's DynamoDB (a mock)."""

from __future__ import annotations

import uuid
from typing import Any


def create_windows_table(dynamodb: Any) -> str:
    """Create a uuid-named table keyed like Powertools' DynamoDB layer (``id``); its name."""
    name = f"vts-windows-{uuid.uuid4().hex[:12]}"
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"},
    )
    return name
