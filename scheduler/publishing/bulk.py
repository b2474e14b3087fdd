"""Run one Core statement for thousands of rows through the driver's executemany.

SQLAlchemy processes every parameter of every row in Python (build the parameter dict, run each
type's bind processor), which costs more than the database's own work when a batch settles
hundreds of posts. The worker's hot statements are compiled once per dialect here, and each row
is turned into driver values by a builder made once for that statement: values the
statement carries are filled in once, and only the row's own values are converted (aware
datetimes as UTC, naive UTC text on SQLite as `UTCDateTime` stores them; enums as their values;
dicts as JSON).

Parameters made with `bindparam(name)` and no value come from each row; every other parameter is
a value the statement carries itself.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Executable
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

Converter = Callable[[Any], Any]
T = TypeVar("T")
#: turns rows (dicts of bind parameter values) into the driver's parameters, one per row
RowsBuilder = Callable[[Sequence[Mapping[str, Any]]], list[Any]]
#: turns the rows a statement returned into values, each made by the given callable
RowsReader = Callable[[Sequence[Sequence[Any]], Callable[..., Any]], list[Any]]


@functools.lru_cache(maxsize=256)
def _sqlite_instant(value: datetime | None) -> str | None:
    # Cached: a batch repeats the same few instants (now, the due time) in every row.
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given where a UTC instant is required")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _postgresql_instant(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given where a UTC instant is required")
    return value


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _one_shot_json_encoder() -> Callable[[Any], str]:
    """Return `json.dumps` with its default options, its C encoder made once, not per call."""
    # `json.dumps` builds a new C encoder on every call, which costs more than encoding a small
    # dict; a bulk statement encodes one for every row. Without circular-reference markers:
    # the values are built by the caller, never cyclic.
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python built without the C accelerator
        return json.dumps
    encode = make(
        None,
        json.JSONEncoder().default,
        json.encoder.encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    return lambda value: "".join(encode(value, 0))


#: `json.dumps(value)`, the same text, for values made per row.
dumps_json = _one_shot_json_encoder()


def _sqlite_json(value: Any) -> Any:
    if value is None:
        return None
    return dumps_json(value) if value else "{}"


def _postgresql_json(value: Any) -> Any:
    from psycopg.types.json import Json

    return None if value is None else Json(value)


@functools.lru_cache(maxsize=256)
def _sqlite_read_instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _postgresql_read_instant(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _reader(dialect: str, kind: TypeEngine[Any]) -> Converter | None:
    """Return how to turn a driver value of this column type into the Python value (None too)."""
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return _sqlite_read_instant if dialect == "sqlite" else _postgresql_read_instant
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        # A dict lookup: calling the enum class runs its lookup machinery for every row.
        members: dict[Any, Any] = {member.value: member for member in kind.enum_class}
        return (members | {None: None}).__getitem__
    return None


def _converter(dialect: str, kind: TypeEngine[Any]) -> Converter | None:
    """Return how to turn a value of this column type into a driver value (None: as it is)."""
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return _sqlite_instant if dialect == "sqlite" else _postgresql_instant
    if isinstance(kind, SAEnum):
        return _enum_value
    if isinstance(kind, JSON):
        return _sqlite_json if dialect == "sqlite" else _postgresql_json
    return None


def _tuple_taker(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Return a function that takes a row's values for the names, always as a tuple."""
    if len(names) == 1:
        (name,) = names
        return lambda row: (row[name],)
    # One C call per row: `itemgetter` looks every name up without a Python frame.
    take: Callable[[Mapping[str, Any]], tuple[Any, ...]] = operator.itemgetter(*names)
    return take


def _rows_builder(
    slots: Sequence[tuple[str, Converter | None]], fixed: Mapping[str, Any], positional: bool
) -> RowsBuilder:
    """Return the function that turns rows into driver parameters (a tuple or a dict each)."""
    if positional:
        return _positional_builder(slots, fixed)
    converted = {name: convert for name, convert in slots if name not in fixed and convert}

    def build(rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        # The driver looks up the names it needs, so the row's other keys may stay.
        built = []
        for row in rows:
            values = {**row, **fixed}
            for name, convert in converted.items():
                values[name] = convert(values[name])
            built.append(values)
        return built

    return build


def _positional_builder(
    slots: Sequence[tuple[str, Converter | None]], fixed: Mapping[str, Any]
) -> RowsBuilder:
    """Return the function that turns rows into tuples in the statement's order (SQLite).

    Each row's own values are taken in one `itemgetter` call, the table is turned into columns,
    the columns that need it are converted with `map`, and the columns are turned back into
    rows: no Python bytecode runs per value, only the converters.
    """
    own = [name for name, _ in slots if name not in fixed]
    take = _tuple_taker(own) if own else None
    # For each slot: where its values come from (a position among the row's own values, or
    # None for a value the statement carries), how to convert them, and the carried value.
    layout: list[tuple[int | None, Converter | None, Any]] = []
    taken = 0
    for name, convert in slots:
        if name in fixed:
            layout.append((None, None, fixed[name]))
        else:
            layout.append((taken, convert, None))
            taken += 1

    def build(rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        count = len(rows)
        if not count or not layout:
            return [() for _ in range(count)]
        own_columns = list(zip(*map(take, rows), strict=True)) if take is not None else []
        columns: list[Iterable[Any]] = []
        for index, convert, value in layout:
            if index is None:
                columns.append(itertools.repeat(value, count))
            elif convert is None:
                columns.append(own_columns[index])
            else:
                columns.append(map(convert, own_columns[index]))
        return list(zip(*columns, strict=True))

    return build


def _rows_reader(readers: Sequence[Converter | None]) -> RowsReader:
    """Return the function that turns returned rows into Python values, a column at a time."""
    conversions = [(number, read) for number, read in enumerate(readers) if read is not None]

    def read(rows: Sequence[Sequence[Any]], into: Callable[..., Any]) -> list[Any]:
        if not rows:
            return []
        columns: list[Iterable[Any]] = list(zip(*rows, strict=True))
        for number, convert in conversions:
            columns[number] = map(convert, columns[number])
        return list(map(into, *columns))

    return read


@dataclass(frozen=True)
class _Plan:
    sql: str
    build: RowsBuilder
    #: for statements that return rows: turns them into Python values, given what to make of each
    read: RowsReader | None = None


class BulkStatement:
    """A DML statement executed for many rows at once, compiled once per dialect."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]
            computed = [*compiled.insert_prefetch, *compiled.update_prefetch]
            if computed:
                # Python-side defaults (default=/onupdate=) are not run on this path.
                missing = ", ".join(column.name for column in computed)
                raise ValueError(f"give explicit values for {missing} in bulk statements")
            binds = {compiled.bind_names[bind]: bind for bind in compiled.binds.values()}
            converters = {name: _converter(dialect.name, bind.type) for name, bind in binds.items()}
            order = list(compiled.positiontup or []) if compiled.positional else list(binds)
            fixed = {}
            for name, bind in binds.items():
                if not bind.required:
                    value, convert = compiled.params[name], converters[name]
                    fixed[name] = convert(value) if convert and value is not None else value
            slots = [(name, converters[name]) for name in order]
            returning = getattr(self.statement, "_returning", ())
            plan = _Plan(
                compiled.string,
                _rows_builder(slots, fixed, bool(compiled.positional)),
                _rows_reader([_reader(dialect.name, column.type) for column in returning])
                if returning
                else None,
            )
            self._plans[dialect.name] = plan
        return plan

    def fetch(self, session: Session, values: Mapping[str, Any], into: Callable[..., T]) -> list[T]:
        """Run a statement with RETURNING once; return its rows, each made by `into(*columns)`."""
        connection = session.connection()
        plan = self._plan(connection.dialect)
        read = plan.read
        if read is None:
            raise TypeError("fetch needs a statement with RETURNING")
        result = connection.exec_driver_sql(plan.sql, plan.build([values])[0])
        rows: list[T] = read(result.all(), into)
        return rows

    def execute(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run the statement once per row in one executemany; return the rows it changed."""
        if not rows:
            return 0
        connection = session.connection()
        plan = self._plan(connection.dialect)
        result = connection.exec_driver_sql(plan.sql, plan.build(rows))
        return int(result.rowcount or 0)


class GroupStatement:
    """A statement run once for a whole group of rows, given as one set of parameters."""

    sql: str
    #: names whose value is the same in every row, taken from the first
    shared: tuple[str, ...]
    #: names whose values are instants (each dialect converts them its own way)
    instants: frozenset[str]

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Return the driver parameters for the rows."""
        raise NotImplementedError

    def _shared(self, rows: Sequence[Mapping[str, Any]], instant: Converter) -> dict[str, Any]:
        first = rows[0]
        return {
            name: instant(first[name]) if name in self.instants else first[name]
            for name in self.shared
        }

    def execute(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run the statement once for all the rows; return the rows it changed."""
        if not rows:
            return 0
        result = session.connection().exec_driver_sql(self.sql, self.parameters(rows))
        return int(result.rowcount or 0)


class ArrayStatement(GroupStatement):
    """A PostgreSQL statement that takes each column of many rows as one array, for `unnest`.

    psycopg's pipelined executemany still has the server parse, plan and run one statement per
    row; `UPDATE ... FROM unnest(...)` and `INSERT ... SELECT ... FROM unnest(...)` do a whole
    group in one. The SQL names its parameters `%(name)s`, or `%(name)b` for the arrays: in
    binary, psycopg sends each list as it is, where the text format quotes every element in
    Python (about a quarter of the worker's CPU on a PostgreSQL burst). Each of `columns` is
    the list of that value over the rows (cast it to its array type), each of `shared` the
    value of the first row (the same in every row).
    """

    def __init__(
        self,
        sql: str,
        columns: Sequence[str],
        *,
        shared: Sequence[str] = (),
        instants: Sequence[str] = (),
    ) -> None:
        self.sql = sql
        self.columns = tuple(columns)
        self.shared = tuple(shared)
        #: names whose values are instants: refused when naive, as the executemany path does
        self.instants = frozenset(instants)

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Return the driver parameters: a list per column, then the shared values."""
        parameters: dict[str, Any] = {}
        for name in self.columns:
            values = [row[name] for row in rows]
            if name in self.instants:
                values = [_postgresql_instant(value) for value in values]
            parameters[name] = values
        return parameters | self._shared(rows, _postgresql_instant)


class JsonRowsStatement(GroupStatement):
    """An SQLite statement that takes many rows as one JSON array, read back with `json_each`.

    An executemany still steps the statement once per row; `UPDATE ... FROM` a `json_each` of
    the rows does a whole group in one step, as `ArrayStatement` does on PostgreSQL. The SQL
    says `{rows}` where the rows go: a subquery with one column per entry of `columns`, each
    `(key in the row dicts, name in the SQL)`. It names the other parameters `:name`; each of
    `shared` is the value of the first row (the same in every row).
    """

    def __init__(
        self,
        sql: str,
        columns: Sequence[tuple[str, str]],
        *,
        shared: Sequence[str] = (),
        instants: Sequence[str] = (),
    ) -> None:
        extracts = ", ".join(
            f"json_extract(value, '$[{number}]') AS {name}"
            for number, (_, name) in enumerate(columns)
        )
        # The names are written in the code that makes the statement, never outside input.
        self.sql = sql.format(rows=f"(SELECT {extracts} FROM json_each(:rows))")  # noqa: S608
        self.shared = tuple(shared)
        #: keys whose values are instants: stored as naive UTC text, as `UTCDateTime` does
        self.instants = frozenset(instants)
        keys = [key for key, _ in columns]
        # Made once here, not per group: a row's values in column order, always as a tuple.
        first = keys[0]
        self._take: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            operator.itemgetter(*keys) if len(keys) > 1 else lambda row: (row[first],)
        )
        self._instant_positions = [
            number for number, key in enumerate(keys) if key in self.instants
        ]

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Return the driver parameters: the rows as JSON, then the shared values."""
        take, instants = self._take, self._instant_positions
        table = []
        for row in rows:
            values = list(take(row))
            for number in instants:
                values[number] = _sqlite_instant(values[number])
            table.append(values)
        return {"rows": json.dumps(table)} | self._shared(rows, _sqlite_instant)
