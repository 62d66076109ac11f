"""HTTP schemas derived from an entity dataclass and its resource, once per resource at start-up.

- read: every field but the hidden ones, system fields first (documents responses; entities are
  serialised through `present`, which drops hidden fields, never through this model);
- input (POST and PUT): the writable fields (`Resource.writable`: neither system, read-only nor
  hidden), required where the dataclass has no default, and the write-only inputs (text, shown as
  `format: password`, `writeOnly`);
- patch (JSON merge patch): every writable field optional; an absent key means unchanged and
  `null` clears (refused for a field the entity requires);
- page: the list envelope.

Input and patch forbid other keys, so a read-only or unknown field is a 422 naming it (the
error handler says "is read-only" for the names in `ResourceSchemas.read_only`). A nested field
(`Course.covers`) is a JSON array of objects validated as its item dataclass, which the core gets
as objects; an error names the item (`covers.0.level`), an unknown item key too. Numbers must be
finite.
Text is capped in length here; value rules (email, blank names, ranges) stay with the core, and
`VALUE_RULES` says them in the OpenAPI document (schemathesis' positive and negative data checks
in tests/reliability/test_fuzz.py hold the two together).
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, create_model

from adapters.security.passwords import MAX_CHARACTERS, MIN_CHARACTERS
from upskill.domain.entity import SYSTEM_FIELDS, Entity
from upskill.domain.resource import Computed, Resource
from upskill.domain.training import MAX_RATING, MAX_SCORE, MIN_SCORE

WRITE_ONLY_MAX = 1024
"""Write-only inputs (passwords): the core limits them in bytes; this caps the characters."""
TEXT_MAX = 200
"""Names, titles and other short text: any text field the table below does not name."""
TEXT_LIMITS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("description", "comment", "note", "notes", "body", "text"), 10_000),  # prose
    (("url",), 2_048),
    (("email",), 254),  # the longest address SMTP can carry (RFC 5321)
)
"""Maximum lengths by the ending of the field's name; the first match wins."""

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
"""Whole numbers as the database stores them (`integer`): larger ones are refused here, not there."""

NO_NUL = "^[^\\u0000]*$"
"""Every text field: the core refuses NUL (`check_no_nul`; PostgreSQL cannot store it)."""
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
"""`check_name`: some character that is not white space."""
VALUE_RULES: Mapping[tuple[str, str], Mapping[str, Any]] = {
    ("Department", "name"): {"pattern": NOT_BLANK},
    ("Competency", "name"): {"pattern": NOT_BLANK},
    ("Employee", "full_name"): {"pattern": NOT_BLANK},
    ("Employee", "email"): {"format": "email"},
    ("User", "email"): {"format": "email"},
    ("Course", "title"): {"pattern": NOT_BLANK},
    ("Course", "url"): {"pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=:@-]+([/?#][!-~]*)?$"},
    ("Course", "duration_hours"): {"exclusiveMinimum": 0},
    ("Course", "rating"): {"minimum": 0, "maximum": MAX_RATING},
    ("Course", "learners"): {"minimum": 0},
    ("Requirement", "headcount"): {"minimum": 1},
    ("Feedback", "score"): {"minimum": MIN_SCORE, "maximum": MAX_SCORE},
}
"""The core's value rules (`upskill.domain`'s `check` methods) as JSON Schema, by (entity label,
field), for the documents of request bodies; the core still checks them (one 422 either way).
Rules across fields (an assessment expires after it is assessed, a plan is not due in the past,
a reference names an existing record) are the core's alone."""


def _rules(label: str, spec: FieldSpec, *, drop_default: bool = False) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` of a body field: its value rules, NUL-free text, no default if asked."""
    rules = dict(VALUE_RULES.get((label, spec.name), {}))
    if spec.base is str:
        rules.setdefault("pattern", NO_NUL)

    def extra(schema: dict[str, Any]) -> None:
        if drop_default:
            schema.pop("default", None)
        schema.update(rules)

    return extra


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One dataclass field as the HTTP layer sees it."""

    name: str
    annotation: Any  # as declared, e.g. `str | None`
    base: Any  # without `None`
    nullable: bool
    default: Any  # dataclasses.MISSING when required
    default_factory: Any  # dataclasses.MISSING unless set

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING and self.default_factory is dataclasses.MISSING

    def input_base(self) -> Any:
        """The type a client sends: capped text, timezone-aware datetimes."""
        if self.base is str:
            limit = next((n for endings, n in TEXT_LIMITS if self.name.endswith(endings)), TEXT_MAX)
            return Annotated[str, StringConstraints(max_length=limit)]
        if self.base is datetime:
            return AwareDatetime
        if self.base is int:
            return Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
        return self.base


def field_specs(entity: type[Any]) -> tuple[FieldSpec, ...]:
    """The init fields of a dataclass (an entity, or the item of a nested field)."""
    hints = typing.get_type_hints(entity)
    specs = []
    for f in dataclasses.fields(entity):
        if not f.init:
            continue
        annotation = hints[f.name]
        members = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
        nullable = type(None) in members
        rest = [m for m in members if m is not type(None)]
        base = functools.reduce(operator.or_, rest) if nullable else annotation
        specs.append(FieldSpec(f.name, annotation, base, nullable, f.default, f.default_factory))
    return tuple(specs)


@dataclass(frozen=True, slots=True)
class ResourceSchemas:
    read: type[BaseModel]
    input: type[BaseModel]
    patch: type[BaseModel]
    page: type[BaseModel]
    fields: Mapping[str, FieldSpec]
    read_only: frozenset[str]
    """Fields shown but never accepted in a body (system fields and `Resource.read_only`)."""
    present: Callable[[Entity], object]
    """What a response carries for an entity: the entity itself (orjson serialises it) or, when
    the resource hides fields, a dict without them. Without its computed flags: see `presenter`."""
    computed: tuple[Computed, ...] = ()

    def presenter(self, today: date) -> Callable[[Entity], object]:
        """`present`, plus the resource's computed flags as of `today` (`present` itself when it
        has none)."""
        if not self.computed:
            return self.present
        base, computed = self.present, self.computed

        def present(record: Entity) -> object:
            shown = base(record)
            body = dict(shown) if isinstance(shown, dict) else {k: getattr(record, k) for k in self.fields}
            for flag in computed:
                body[flag.name] = flag.value(record, today)
            return body

        return present


def values(body: BaseModel, *, only_given: bool = False) -> dict[str, object]:
    """The validated values of an input or patch body as the core takes them: enums, dates and
    nested dataclasses stay objects (no `model_dump`, which would turn dataclasses into dicts).
    With `only_given`, just the keys the client sent (merge patch: absent = unchanged; create and
    replace: absent = the entity's default, which the service may decide instead)."""
    names = body.model_fields_set if only_given else type(body).model_fields
    return {name: getattr(body, name) for name in names}


def _input_field(label: str, spec: FieldSpec) -> tuple[Any, Any]:
    annotation = spec.input_base() | None if spec.nullable else spec.input_base()
    extra = _rules(label, spec)
    if spec.required:
        return annotation, Field(..., json_schema_extra=extra)
    if spec.default_factory is not dataclasses.MISSING:
        return annotation, Field(default_factory=spec.default_factory, json_schema_extra=extra)
    return annotation, Field(default=spec.default, json_schema_extra=extra)


def _write_only_schema(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    schema.update({"format": "password", "writeOnly": True, "minLength": MIN_CHARACTERS, "maxLength": MAX_CHARACTERS})


def _write_only_field() -> tuple[Any, Any]:
    """A text input that is not an entity field (a password): optional here, since PUT may omit
    it; the service says when it is required. The None default only marks "absent"."""
    text = Annotated[str, StringConstraints(max_length=WRITE_ONLY_MAX)]
    return text, Field(default=None, json_schema_extra=_write_only_schema)


def presenter(entity: type[Entity], hidden: frozenset[str]) -> Callable[[Entity], object]:
    if not hidden:
        return lambda record: record
    shown = tuple(f.name for f in dataclasses.fields(entity) if f.name not in hidden)

    def present(record: Entity) -> object:
        return {name: getattr(record, name) for name in shown}

    return present


def _patch_field(label: str, spec: FieldSpec) -> tuple[Any, Any]:
    if spec.nullable:
        return spec.input_base() | None, Field(default=None, json_schema_extra=_rules(label, spec))
    # Not nullable: an explicit null fails validation; the None default only marks "absent".
    return spec.input_base(), Field(default=None, json_schema_extra=_rules(label, spec, drop_default=True))


def schemas_for(resource: Resource[Any]) -> ResourceSchemas:
    entity, label = resource.entity, resource.label
    specs = field_specs(entity)
    by_name = {s.name: s for s in specs}
    shown = [s for s in specs if s.name not in resource.hidden]
    ordered = sorted(shown, key=lambda s: s.name not in SYSTEM_FIELDS)  # system fields first, then declared order
    writable = [s for s in specs if s.name in resource.writable]
    write_only = {name: _write_only_field() for name in sorted(resource.write_only - by_name.keys())}
    computed = {c.name: (c.annotation, Field(description=c.description)) for c in resource.computed}
    read: type[BaseModel] = create_model(  # type: ignore[call-overload]
        label, __doc__=entity.__doc__, **{s.name: (s.annotation, ...) for s in ordered}, **computed
    )
    input_model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"{label}Input",
        __config__=_STRICT,
        __doc__=f"A new {label.lower()}, or (PUT) all its writable fields; omitted optional fields take their default.",
        **{s.name: _input_field(entity.label, s) for s in writable},
        **write_only,
    )
    patch: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"{label}Patch",
        __config__=_STRICT,
        __doc__=f"JSON merge patch of the {label.lower()}: absent fields stay, `null` clears an optional one.",
        **{s.name: _patch_field(entity.label, s) for s in writable},
        **write_only,
    )
    page: type[BaseModel] = create_model(
        f"{label}Page",
        __doc__="One page of a list; `next_cursor` is null on the last page, `total` only with `count=true`.",
        items=(list[read], ...),
        next_cursor=(str | None, ...),
        total=(int | None, None),
    )
    return ResourceSchemas(
        read=read,
        input=input_model,
        patch=patch,
        page=page,
        fields=by_name,
        read_only=SYSTEM_FIELDS | resource.read_only,
        present=presenter(entity, resource.hidden),
        computed=resource.computed,
    )
