"""NATS JetStream: where the relay publishes events (the EventPublisher port)."""

from adapters.nats.publisher import JetStreamPublisher

__all__ = ["JetStreamPublisher"]
