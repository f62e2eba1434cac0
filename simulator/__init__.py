"""The fleet simulator: a vectorised (numpy) model of vehicles, cameras, weather stations and
incidents in a synthetic city, and the Kafka producer that publishes its events.

- ``generate(scenario, seed, window_start, window_seconds, shard, shard_count, vehicles)``:
  the events of one time window of one fleet shard, a pure function of its arguments
- ``EventBatch``: one topic's events as numpy columns, with fast JSON-lines encoding
- ``truth.truth(...)`` / ``truth.write_truth(dir, tables)``: what the model knows about a
  span (dwells, light halts, overspeed and harsh episodes, refuels, GPS outages, incidents)
- ``reference.write_reference(name, lake)``: the scenario's roads and geofences, written as
  vts's reference tables (``reference.road_table``, ``reference.scenario_geofences``)
- ``producer.Producer`` / ``delivery.DeliveryReport``: idempotent, keyed, batched Kafka publishing
"""

from simulator.events.batch import EventBatch
from simulator.model.generate import generate
from simulator.outputs.reference import road_table, write_reference

__all__ = ["EventBatch", "generate", "road_table", "write_reference"]
