"""Talking to Kafka/MSK: authentication (``vts.kafka.auth``) and administration (``admin``)."""
