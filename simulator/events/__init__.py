"""The events the model makes: ``EventBatch`` (one topic's events as numpy columns, checked
against the contract) and its columnar JSON-lines encoding (``jsonenc``)."""
