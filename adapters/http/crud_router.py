"""The generic CRUD router: six routes for any resource, from its service alone.

Routes hold no rules: they translate HTTP (bodies, ETags, query strings) to service calls with
the caller's principal, and entities back to JSON. Every check (existence, versions, fields,
uniqueness) is the service's, and its errors become problems in `errors`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from adapters.http.auth import BEARER, CurrentPrincipal, current_principal
from adapters.http.event_schemas import HistoryPage, history_entry, limit_of
from adapters.http.hot import hot, path_uuid, read_json, validated
from adapters.http.listing import ListParser, envelope, next_link
from adapters.http.media import JSON, MERGE_PATCH, require_media_type
from adapters.http.preconditions import etag, expected_version, is_current
from adapters.http.problems import problem_responses
from adapters.http.responses import JsonResponse
from adapters.http.schemas import ResourceSchemas, schemas_for, values
from upskill.domain.entity import Entity
from upskill.services.crud import CrudService

IfMatch = Annotated[str | None, Header(description='`W/"<version>"` (or the bare version): refuse with 412 if stale.')]
IfNoneMatch = Annotated[str | None, Header(description="The ETag of the client's copy: 304 if it is current.")]

_COMMON = (401, 403, 500, 503)
_ETAG = {"ETag": {"description": 'W/"<version>"', "schema": {"type": "string"}}}


def _with_body(endpoint: Callable[..., Any], model: type[BaseModel]) -> Callable[..., Any]:
    """Give `endpoint`'s `body` parameter the model built at start-up, for FastAPI to read."""
    signature = inspect.signature(endpoint, eval_str=True)
    params = [p.replace(annotation=model) if p.name == "body" else p for p in signature.parameters.values()]
    endpoint.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return endpoint


def crud_router(service: CrudService[Any], schemas: ResourceSchemas | None = None, *, prefix: str) -> APIRouter:
    """Routes `{prefix}/{collection}` and `{prefix}/{collection}/{id}` of `service.resource`
    (described by `schemas`, made from the resource when not given). Every route needs a bearer
    token. The router carries the whole prefix (include it without one), so each route knows its
    full path template for the access log."""
    resource = service.resource
    schemas = schemas if schemas is not None else schemas_for(resource)
    parser = ListParser(resource, schemas.fields)
    name, label = resource.collection, resource.label.lower()
    router = APIRouter(prefix=f"{prefix}/{name}", tags=[name])
    json_body = [Depends(require_media_type(JSON))]
    patch_body = [Depends(require_media_type(JSON, MERGE_PATCH))]

    def presenter() -> Callable[[Entity], object]:
        """How records look now: computed flags (if any) are as of the service's day."""
        return schemas.presenter(service.today()) if schemas.computed else schemas.present

    def _entity_response(entity: Entity, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
        headers = {"ETag": etag(entity.version), **(headers or {})}
        return JsonResponse(presenter()(entity), status_code=status_code, headers=headers)

    async def create(request: Request, principal: CurrentPrincipal, body: Any) -> Response:
        entity = await service.create(principal, values(body, only_given=True))
        location = f"{request.url.path.rstrip('/')}/{entity.id}"
        return _entity_response(entity, 201, {"Location": location})

    async def read(principal: CurrentPrincipal, id: UUID, if_none_match: IfNoneMatch = None) -> Response:
        entity = await service.get(principal, id)
        if is_current(if_none_match, entity.version):
            return Response(status_code=304, headers={"ETag": etag(entity.version)})
        return _entity_response(entity)

    async def list_(request: Request, principal: CurrentPrincipal) -> Response:
        page = await service.list(principal, parser.parse(request.query_params))
        headers = {}
        if page.next_cursor is not None:
            headers["Link"] = next_link(request.url.path, request.query_params, page.next_cursor)
        return JsonResponse(envelope(page, presenter()), headers=headers)

    async def patch(principal: CurrentPrincipal, id: UUID, body: Any, if_match: IfMatch = None) -> Response:
        changes = values(body, only_given=True)
        entity = await service.update(principal, id, changes, expected_version=expected_version(if_match))
        return _entity_response(entity)

    async def replace(principal: CurrentPrincipal, id: UUID, body: Any, if_match: IfMatch = None) -> Response:
        entity = await service.update(
            principal, id, values(body, only_given=True), expected_version=expected_version(if_match), replace=True
        )
        return _entity_response(entity)

    async def history(request: Request, principal: CurrentPrincipal, id: UUID) -> Response:
        params = request.query_params
        page = await service.history(principal, id, limit=limit_of(params), cursor=params.get("cursor"))
        return JsonResponse({"items": [history_entry(e) for e in page.items], "next_cursor": page.next_cursor})

    async def delete(principal: CurrentPrincipal, id: UUID, if_match: IfMatch = None) -> Response:
        await service.delete(principal, id, expected_version=expected_version(if_match))
        return Response(status_code=204)

    router.add_api_route(
        "",
        _with_body(create, schemas.input),
        methods=["POST"],
        status_code=201,
        response_model=schemas.read,
        response_class=JsonResponse,
        dependencies=json_body,
        operation_id=f"{name}_create",
        summary=f"Create a {label}",
        responses={
            201: {
                "headers": {"Location": {"description": "URL of the new record", "schema": {"type": "string"}}, **_ETAG}
            },
            **problem_responses(400, 409, 413, 415, 422, *_COMMON),
        },
    )
    router.add_api_route(
        "",
        list_,
        methods=["GET"],
        response_model=schemas.page,
        response_class=JsonResponse,
        operation_id=f"{name}_list",
        summary=f"List {name}",
        openapi_extra={"parameters": parser.openapi_parameters()},
        responses={
            200: {"headers": {"Link": {"description": '`<url>; rel="next"`', "schema": {"type": "string"}}}},
            **problem_responses(400, *_COMMON),
        },
    )
    router.add_api_route(
        "/{id}",
        read,
        methods=["GET"],
        response_model=schemas.read,
        response_class=JsonResponse,
        operation_id=f"{name}_get",
        summary=f"Get a {label}",
        responses={
            200: {"headers": _ETAG},
            304: {"description": "Not Modified: `If-None-Match` names the current version."},
            **problem_responses(404, 422, *_COMMON),
        },
    )
    write_statuses = problem_responses(400, 404, 409, 412, 413, 415, 422, *_COMMON)
    router.add_api_route(
        "/{id}",
        _with_body(patch, schemas.patch),
        methods=["PATCH"],
        response_model=schemas.read,
        response_class=JsonResponse,
        dependencies=patch_body,
        operation_id=f"{name}_patch",
        summary=f"Change some fields of a {label} (JSON merge patch)",
        openapi_extra={
            "requestBody": {
                "content": {MERGE_PATCH: {"schema": {"$ref": f"#/components/schemas/{schemas.patch.__name__}"}}}
            }
        },
        responses={200: {"headers": _ETAG}, **write_statuses},
    )
    router.add_api_route(
        "/{id}",
        _with_body(replace, schemas.input),
        methods=["PUT"],
        response_model=schemas.read,
        response_class=JsonResponse,
        dependencies=json_body,
        operation_id=f"{name}_replace",
        summary=f"Replace every writable field of a {label}",
        responses={200: {"headers": _ETAG}, **write_statuses},
    )
    router.add_api_route(
        "/{id}",
        delete,
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
        operation_id=f"{name}_delete",
        summary=f"Delete a {label}",
        responses=problem_responses(400, 404, 409, 412, 422, *_COMMON),
    )
    router.add_api_route(
        "/{id}/history",
        history,
        methods=["GET"],
        response_model=HistoryPage,
        response_class=JsonResponse,
        operation_id=f"{name}_history",
        summary=f"The changes of a {label}, newest first",
        openapi_extra={
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            ]
        },
        responses=problem_responses(400, 404, 422, *_COMMON),
    )

    # The hot routes (see `hot`): the same dependencies and endpoints, in FastAPI's order —
    # the body parsed, the route's media check, the bearer token, then the parameters. A body
    # whose media type the route refuses is left to FastAPI (its 415, after its own parsing).
    async def principal_of(request: Request) -> Any:
        return await current_principal(request, await BEARER(request))

    async def read_hot(request: Request) -> Response | None:
        id = path_uuid(request)
        if id is None:
            return None
        principal = await principal_of(request)
        return await read(principal, id, request.headers.get("if-none-match"))

    async def list_hot(request: Request) -> Response | None:
        return await list_(request, await principal_of(request))

    async def create_hot(request: Request) -> Response | None:
        value = await read_json(request)
        if value is None or _media_type(request) != JSON:
            return None
        principal = await principal_of(request)
        body = validated(schemas.input, value)
        return None if body is None else await create(request, principal, body)

    async def patch_hot(request: Request) -> Response | None:
        id = path_uuid(request)
        if id is None:
            return None
        value = await read_json(request)
        if value is None or _media_type(request) not in (JSON, MERGE_PATCH):
            return None
        principal = await principal_of(request)
        body = validated(schemas.patch, value)
        return None if body is None else await patch(principal, id, body, request.headers.get("if-match"))

    fast = {("", "POST"): create_hot, ("", "GET"): list_hot, ("/{id}", "GET"): read_hot, ("/{id}", "PATCH"): patch_hot}
    for route in router.routes:
        if isinstance(route, APIRoute) and route.methods and len(route.methods) == 1:
            handler = fast.get((route.path_format.removeprefix(router.prefix), next(iter(route.methods))))
            if handler is not None:
                hot(route, handler)
    return router


def _media_type(request: Request) -> str:
    """The body's media type as `require_media_type` reads it (and the JSON ones it accepts
    are the ones FastAPI parses as JSON: `application/json`, `application/*+json`)."""
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()
