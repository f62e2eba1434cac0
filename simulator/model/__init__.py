"""The fleet model: a scenario's roads and places, each vehicle's plans and day, incidents,
weather, and the events of a time window (``generate``), all pure functions of their inputs."""
