"""Honest in-memory fakes of the storage ports: trusted because they pass the same contract suite
as the PostgreSQL adapter (tests/contract)."""

from adapters.memory.repository import MemoryRepository
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork

__all__ = ["MemoryRepository", "MemoryStore", "MemoryUnitOfWork"]
