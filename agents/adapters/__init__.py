"""Adapters to the outside world: Slack, Prometheus, Kafka tools, the broker."""
