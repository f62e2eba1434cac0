"""Kafka authentication, one backend per mode: plaintext, ssl, scram, iam (MSK IAM).

from vts.kafka.auth import auth_from_env
auth = auth_from_env()                      # VTS_KAFKA_AUTH, default plaintext
producer = Producer({"bootstrap.servers": ..., **auth.producer_config()})
reader = spark.readStream.format("kafka").options(**auth.spark_options())
"""

from vts.kafka.auth.base import AVAILABLE_AUTH, ConfigValue, KafkaAuth, auth_from_env, get_auth

__all__ = ["AVAILABLE_AUTH", "ConfigValue", "KafkaAuth", "auth_from_env", "get_auth"]
