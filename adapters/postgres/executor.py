"""SQLAlchemy Core statements run straight on asyncpg.

The adapter builds its SQL with SQLAlchemy Core (tables, conditions, keyset pages) and runs it
here, on a raw asyncpg connection: no ORM session, no greenlet hop per statement, no pool
pre-ping. A unit of work's read through an `AsyncSession` cost ~720 µs of CPU where a bare
asyncpg `fetchrow` of the same SQL cost ~120 µs (`bench/inproc.py`); this path costs little more
than the bare call.

Compiling is what SQLAlchemy's engine does, cached the same way: a statement object seen
before (the adapter's statements are mostly built once, at import) finds its compiled form by
identity; a statement built per call (a page with filters) by SQLAlchemy's own cache key, whose
extracted bound values then fill the cached form. asyncpg prepares each distinct SQL text once
per connection (its statement cache).

Results offer the few `Result` methods the adapter uses (`first`, `one`, `all`, `scalar`,
`scalar_one`, `rowcount`); rows are asyncpg records that also answer attribute access
(`row.id`), as SQLAlchemy rows do. Values come back as asyncpg decodes them (its UUID type is a
`uuid.UUID` subclass).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast
from uuid import UUID

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.sql.compiler import Compiled, SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement

from adapters.postgres.errors import lost_connection

R = TypeVar("R")
DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
DIALECT.paramstyle = "numeric_dollar"
ACCESS_COLUMNS = {
    "auth_sessions": frozenset({"revoked_at", "expires_at", "idle_expires_at", "user_id"}),
    "users": frozenset({"role", "is_active", "password_changed_at", "employee_id"}),
    "employees": frozenset({"department_id"}),
}
"""Per table, the columns whose change may change who may do what (see `access_gate`; the
triggers of migration 0004 watch the same ones)."""
ACCESS_TABLES = frozenset(ACCESS_COLUMNS)
"""Tables whose UPDATE or DELETE may change who may do what."""
SHAPES = 512
"""Compiled forms kept by cache key (statement shapes built per call)."""


class Row(asyncpg.Record):
    """An asyncpg record that also reads columns as attributes (`row.id`)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


if TYPE_CHECKING:
    from adapters.postgres.events import Staged

    Connection = asyncpg.Connection[Any]


class Result:
    """The rows of a statement (empty for one that returns none) and how many it touched."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def all(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def first(self) -> Any | None:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


class _Form:
    """One compiled statement: its SQL, parameter order, bind processors, and whether it
    returns rows."""

    __slots__ = ("changes_access", "compiled", "order", "processors", "returns_rows", "sql")

    def __init__(self, compiled: Compiled) -> None:
        if getattr(compiled, "post_compile_params", None) or getattr(compiled, "literal_execute_params", None):
            raise ValueError("expanding / literal-execute parameters are not supported: bind an array with ANY()")
        self.compiled = compiled
        self.sql: str = compiled.string
        self.order: tuple[str, ...] = tuple(getattr(compiled, "positiontup", None) or ())
        self.processors: Mapping[str, Any] = getattr(compiled, "_bind_processors", {}) or {}
        dml = any(getattr(compiled, kind, False) for kind in ("isinsert", "isupdate", "isdelete"))
        changes = getattr(compiled, "isupdate", False) or getattr(compiled, "isdelete", False)
        table = getattr(getattr(compiled, "statement", None), "table", None)
        self.changes_access = bool(changes and getattr(table, "name", None) in ACCESS_TABLES)
        self.returns_rows = not dml or bool(getattr(compiled, "effective_returning", None))


class _Bound:
    """A compiled form with the bound values of one statement object: what `params` do not
    give comes from the statement itself (its literals), worked out once, not per call."""

    __slots__ = ("_defaults", "_extracted", "form")

    def __init__(self, form: _Form, extracted: Sequence[BindParameter[Any]] | None) -> None:
        self.form = form
        self._extracted = extracted
        self._defaults: Mapping[str, Any] | None = None

    def arguments(self, params: Mapping[str, Any] | None) -> list[Any]:
        defaults = self._defaults
        if defaults is None:
            found = cast(SQLCompiler, self.form.compiled).construct_params(
                None, extracted_parameters=self._extracted, escape_names=False, _check=False
            )
            defaults = self._defaults = dict(found or {})
        given = params or {}
        values = [given[name] if name in given else defaults[name] for name in self.form.order]
        processors = self.form.processors
        if processors:
            values = [
                processors[name](value) if name in processors else value
                for name, value in zip(self.form.order, values, strict=True)
            ]
        return values


class Compiler:
    """Compiled forms of statements, cached by statement object and by SQLAlchemy cache key.
    Inserts and updates without explicit values compile per set of parameter names (as the
    engine does: the parameters given are the columns written)."""

    def __init__(self, shapes: int = SHAPES) -> None:
        self._by_object: weakref.WeakKeyDictionary[ClauseElement, dict[tuple[str, ...], _Bound]] = (
            weakref.WeakKeyDictionary()
        )
        self._by_key: OrderedDict[Any, _Form] = OrderedDict()
        self._shapes = shapes
        self.observers: list[Callable[[str, Sequence[Any]], None]] = []
        """Called with the SQL and arguments of each statement run (tests count them)."""

    def form(self, statement: ClauseElement, names: tuple[str, ...]) -> _Bound:
        """The compiled form of `statement` for parameters `names`, with the statement's own
        bound values."""
        forms = self._by_object.get(statement)
        if forms is not None:
            found = forms.get(names)
            if found is not None:
                return found
        key = statement._generate_cache_key()
        if key is None:  # not cacheable: compile each time
            return _Bound(_Form(self._compile(statement, names, None)), None)
        cache_key = (key.key, names)
        form = self._by_key.get(cache_key)
        if form is None:
            form = _Form(self._compile(statement, names, key))
            self._by_key[cache_key] = form
            if len(self._by_key) > self._shapes:
                self._by_key.popitem(last=False)
        else:
            self._by_key.move_to_end(cache_key)
        found = _Bound(form, key.bindparams)
        self._by_object.setdefault(statement, {})[names] = found
        return found

    @staticmethod
    def _compile(statement: ClauseElement, names: tuple[str, ...], key: Any) -> Compiled:
        return statement.compile(dialect=DIALECT, column_keys=list(names), cache_key=key)


COMPILER = Compiler()


def _count(status: str) -> int:
    """The row count of a command status (`UPDATE 3`, `INSERT 0 1`, `DELETE 0`)."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class Executor:
    """Runs Core statements on one asyncpg connection (`execute(statement, params)`, a list of
    parameter sets running as one `executemany`).

    With `reconnect`, the first statement that meets a connection the server already ended (a
    pooled connection killed by a restart before asyncpg noticed) runs again, once, on the
    connection `reconnect` gives: nothing had been sent on the old one, so nothing is lost or
    done twice. Later statements are never retried (a transaction may have been under way)."""

    __slots__ = ("_compiler", "_reconnect", "changed_access", "connection")

    def __init__(
        self,
        connection: Connection,
        compiler: Compiler = COMPILER,
        reconnect: Callable[[], Awaitable[Connection]] | None = None,
    ) -> None:
        self.connection = connection
        self._compiler = compiler
        self._reconnect = reconnect
        self.changed_access = False
        """Whether an UPDATE or DELETE of an ACCESS_TABLES table ran (the unit of work resets it)."""

    async def execute(
        self,
        statement: ClauseElement,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        changes_access: bool | None = None,
    ) -> Result:
        """`changes_access`: whether this statement may change access, when the caller knows
        better than the statement's form (an UPDATE of an access table that changes none of its
        `ACCESS_COLUMNS`); by default, any UPDATE or DELETE of an ACCESS_TABLES table may."""
        if isinstance(params, Sequence):  # several parameter sets
            if not params:
                return Result([], 0)
            bound = self._compiler.form(statement, tuple(params[0]))
            form = bound.form
            batch = [bound.arguments(p) for p in params]
            self.changed_access = self.changed_access or form.changes_access
            for observe in self._compiler.observers:
                observe(form.sql, batch)
            self._reconnect = None
            await self.connection.executemany(form.sql, batch)
            return Result([], len(params))
        bound = self._compiler.form(statement, tuple(params) if params else ())
        form = bound.form
        arguments = bound.arguments(params)
        self.changed_access = self.changed_access or (form.changes_access if changes_access is None else changes_access)
        for observe in self._compiler.observers:
            observe(form.sql, arguments)
        return await self._first_retried(self._send, form, arguments)

    async def command(self, sql: str) -> None:
        """A statement without parameters or rows (BEGIN, COMMIT...)."""
        await self._first_retried(self._command, sql)

    async def _send(self, form: _Form, arguments: list[Any]) -> Result:
        if form.returns_rows:
            rows = await self.connection.fetch(form.sql, *arguments)
            return Result(rows, len(rows))
        status = await self.connection.execute(form.sql, *arguments)
        return Result([], _count(status))

    async def _command(self, sql: str) -> None:
        await self.connection.execute(sql)

    async def _first_retried(self, send: Callable[..., Awaitable[R]], *args: Any) -> R:
        reconnect, self._reconnect = self._reconnect, None
        try:
            return await send(*args)
        except Exception as error:
            if reconnect is None or not lost_connection(error):
                raise
        self.connection = await reconnect()
        return await send(*args)


class Connections(Protocol):
    """What a repository, the identity store and the training reader are given: their unit of
    work's connection, taken on first use (see `unit_of_work`)."""

    async def connection(self, *, write: bool = False, snapshot: bool = False) -> Executor: ...

    async def carrying(self, record_id: UUID) -> tuple[Executor, Staged | None]:
        """For a write of one record: the connection, and the event staged about it (to be sent
        in the write's statement), if any."""
        ...

    def hold(self, record_id: UUID, write: Callable[[Executor, Staged | None], Awaitable[None]]) -> bool:
        """Keep a lone write of one record (with the event staged about it) to send at the next
        statement or the commit; False when it cannot wait (then send it now)."""
        ...
