"""Honest in-memory fakes of the storage ports: trusted because they pass the same contract suite
as the PostgreSQL adapter (tests/contract)."""

from adapters.memory.audit import RecordingAuditLog
from adapters.memory.gate import MemoryAccessGate
from adapters.memory.identity import MemoryIdentityStore
from adapters.memory.repository import MemoryRepository
from adapters.memory.store import MemoryStore
from adapters.memory.training import MemoryTrainingReader
from adapters.memory.unit_of_work import MemoryUnitOfWork

__all__ = [
    "MemoryAccessGate",
    "MemoryIdentityStore",
    "MemoryRepository",
    "MemoryStore",
    "MemoryTrainingReader",
    "MemoryUnitOfWork",
    "RecordingAuditLog",
]
