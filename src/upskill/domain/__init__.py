"""Entities, value objects, errors and ports (Protocols) of the training programme."""
