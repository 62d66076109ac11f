"""Upskill core: entities, value objects, errors, ports and use cases. Standard library only."""
