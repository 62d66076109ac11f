"""List queries over HTTP: the query string in, a `ListQuery` out, and the page envelope back.

`?limit=&cursor=&sort=-a,b&count=true&{field}={v}&{field}__{op}={v}&q=`. Values are parsed to the
field's type by TypeAdapters built once per resource (an item field of a nested list, named
`covers.level`, takes the item's type; non-finite numbers are refused); anything unknown or
malformed raises InvalidQuery naming the parameter (a 400). Whether a field may be filtered with
an operator, or sorted by, is the resource's declaration, checked by the core. `q=words` is
full-text search: the filter the resource declares with `Op.SEARCH` (`q` itself, over
`Resource.search`, or one text field).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from pydantic import ConfigDict, TypeAdapter, ValidationError
from starlette.datastructures import QueryParams

from adapters.http.schemas import FieldSpec, field_specs
from upskill.domain.errors import InvalidQuery
from upskill.domain.query import DEFAULT_LIMIT, MAX_LIMIT, Filter, ListQuery, Op, Page, SortKey
from upskill.domain.resource import Resource

RESERVED = ("limit", "cursor", "sort", "count")
SEARCH_PARAM = "q"
MAX_IN_VALUES = 100
_TEXT_OPS = frozenset({Op.CONTAINS, Op.SEARCH})
_FINITE = ConfigDict(allow_inf_nan=False)


class ListParser:
    """Parses one resource's list query strings."""

    def __init__(self, resource: Resource[Any], fields: Mapping[str, FieldSpec]) -> None:
        self._resource = resource
        self._types = {name: _filter_type(resource, fields, name) for name in resource.filters}
        self._adapters = {name: TypeAdapter[Any](t, config=_FINITE) for name, t in self._types.items()}
        searchable = [name for name, ops in resource.filters.items() if Op.SEARCH in ops]
        self._search = searchable[0] if len(searchable) == 1 else None

    def parse(self, params: QueryParams) -> ListQuery:
        seen: set[str] = set()
        for key, value in params.multi_items():
            if key in seen:
                raise InvalidQuery(f"'{key}' is given more than once.", field=key)
            if "\x00" in value:
                raise InvalidQuery(f"'{key}' contains a NUL character.", field=key)
            seen.add(key)
        filters = tuple(self._filter(key, value) for key, value in params.items() if key not in RESERVED)
        return ListQuery(
            filters=filters,
            sort=_sort(params.get("sort")),
            limit=_limit(params.get("limit")),
            cursor=params.get("cursor") or None,
            with_total=_flag("count", params.get("count")),
        )

    def _filter(self, key: str, raw: str) -> Filter:
        if key == SEARCH_PARAM and self._search is not None:
            if not raw.strip():
                raise InvalidQuery(f"'{key}' needs at least one word.", field=key)
            return Filter(self._search, Op.SEARCH, raw)
        name, _, op_name = key.partition("__")
        if name not in self._adapters:
            raise InvalidQuery(f"'{name}' is not a filterable field.", field=key)
        try:
            op = Op(op_name) if op_name else Op.EQ
        except ValueError:
            raise InvalidQuery(f"'{op_name}' is not a filter operator.", field=key) from None
        if op in _TEXT_OPS:
            return Filter(name, op, raw)
        if op is Op.IN:
            items = raw.split(",")
            if len(items) > MAX_IN_VALUES:
                raise InvalidQuery(f"'{key}' takes at most {MAX_IN_VALUES} values.", field=key)
            return Filter(name, op, tuple(self._value(key, name, item) for item in items))
        return Filter(name, op, self._value(key, name, raw))

    def _value(self, key: str, name: str, raw: str) -> object:
        try:
            return self._adapters[name].validate_strings(raw)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise InvalidQuery(f"'{key}' has an invalid value: {reason}.", field=key) from None

    def openapi_parameters(self) -> list[dict[str, Any]]:
        """The query parameters of the list route, for its OpenAPI operation: each with the
        pattern and bounds that `parse` enforces (text without NUL, `sort` keys from the sortable
        fields, `__in` lists as comma-separated arrays of the field's values, at most
        `MAX_IN_VALUES`). `cursor` is opaque: only one issued for the same query is accepted."""
        sortable = "|".join(sorted(self._resource.sortable))
        parameters: list[dict[str, Any]] = [
            _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
            _param(
                "cursor",
                {"type": "string"},
                "`next_cursor` of the previous page (same sort and filters); any other value is a 400.",
            ),
            _param(
                "sort",
                {"type": "string", "pattern": f"^-?({sortable})(,-?({sortable}))*$"},
                "Comma-separated keys, `-` for descending, of: "
                + ", ".join(sorted(self._resource.sortable))
                + f". Default: {','.join(str(k) for k in self._resource.default_sort)}.",
            ),
            _param("count", {"type": "boolean", "default": False}, "Include `total`."),
        ]
        if self._search is not None:
            words = f"Full-text search on {self._search}: every word must start a word of it (case-insensitive)."
            parameters.append(_param(SEARCH_PARAM, {"type": "string", "pattern": SOME_TEXT}, words))
        for name, ops in sorted(self._resource.filters.items()):
            schema = _text_rules(self._adapters[name].json_schema())
            for op in sorted(ops):
                if op is Op.SEARCH and name == self._search:
                    continue  # that is `q`, above
                if op is Op.EQ:
                    parameters.append(_param(name, schema, f"{name} equals"))
                elif op is Op.IN:
                    item = {**schema, "pattern": NO_COMMA} if schema.get("type") == "string" else schema
                    listed = {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_IN_VALUES}
                    parameters.append(
                        {**_param(f"{name}__in", listed, f"{name} is one of (comma-separated)"), "explode": False}
                    )
                elif op in _TEXT_OPS:
                    text = {"type": "string", "pattern": NO_NUL}
                    parameters.append(_param(f"{name}__{op}", text, f"{name} {op} (case-insensitive)"))
                else:
                    parameters.append(_param(f"{name}__{op}", schema, f"{name} {op}"))
        return parameters


NO_NUL = "^[^\\u0000]*$"
"""Query text: anything but NUL (refused by `parse`)."""
NO_COMMA = "^[^,\\u0000]*$"
"""One text value of an `__in` list: the list is split on commas."""
SOME_TEXT = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
"""`q`: at least one character that is not white space."""


def _text_rules(schema: dict[str, Any]) -> dict[str, Any]:
    """A filter value's schema as the query string takes it: text without NUL."""
    if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
        return {**schema, "pattern": NO_NUL}
    return schema


def _filter_type(resource: Resource[Any], fields: Mapping[str, FieldSpec], name: str) -> Any:
    """The type a filter's values parse to: the field's, a nested item field's, or text for `q`."""
    if name in fields:
        return fields[name].input_base()
    head, _, item_field = name.partition(".")
    nested = next((n for n in resource.nested if n.field == head), None)
    if nested is not None:
        items = {spec.name: spec for spec in field_specs(nested.item)}
        if item_field in items:
            return items[item_field].input_base()
    if Op.SEARCH in resource.filters[name]:
        return str
    raise ValueError(f"{resource.collection}: the filter '{name}' names no field")


def envelope(page: Page[Any], present: Callable[[Any], object]) -> dict[str, Any]:
    """The list body; `present` turns each entity into what a response may carry."""
    return {"items": [present(item) for item in page.items], "next_cursor": page.next_cursor, "total": page.total}


def next_link(path: str, params: QueryParams, cursor: str) -> str:
    """`Link` header value for the next page: this query with `cursor` replaced."""
    kept = [(k, v) for k, v in params.multi_items() if k != "cursor"]
    return f'<{path}?{urlencode([*kept, ("cursor", cursor)])}>; rel="next"'


def _param(name: str, schema: Mapping[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": dict(schema), "description": description}


def _sort(raw: str | None) -> tuple[SortKey, ...]:
    if raw is None:
        return ()
    keys = []
    for item in raw.split(","):
        name = item.strip()
        descending = name.startswith("-")
        name = name.removeprefix("-")
        if not name:
            raise InvalidQuery("'sort' has an empty key.", field="sort")
        keys.append(SortKey(name, descending))
    return tuple(keys)


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        raise InvalidQuery(f"limit must be an integer between 1 and {MAX_LIMIT}.", field="limit")
    return int(raw)


def _flag(name: str, raw: str | None) -> bool:
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise InvalidQuery(f"'{name}' must be true or false.", field=name)
