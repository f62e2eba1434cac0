"""Local services for running the whole pipeline on one machine without Docker.

``vts.local.kafka_broker.LocalKafka`` starts a single-node KRaft broker from the jars that
``make jars`` fetched (``vts.local.jars``); ``vts local up|down|status`` wraps it.
"""
