"""Fleet reports from the lake: trips, stops, daily summaries, geofence visits, alerts.

The rules are numpy kernels over one vehicle's fixes (``track``, ``filter``, ``motion``,
``alerts``, ``geofences``, ``roads``; ``vehicle`` runs them all for a day); ``spark`` runs
them per vehicle on Spark (``applyInPandas``) over the lake's tables and ``build`` writes
the report tables (``tables``) with deterministic names. Parameters: ``params``.
"""
