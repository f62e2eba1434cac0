"""The simulator's entry points: one Lambda invocation (``invocation``, ``settings``), a span
simulated window by window (``run``), and a JSON-lines file replayed (``replay``)."""
