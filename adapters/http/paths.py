"""Where things are: the URL layout that routes, OpenAPI and the authorization-server metadata
share."""

from __future__ import annotations

API_PREFIX = "/api/v1"
AUTH_PREFIX = f"{API_PREFIX}/auth"
TOKEN_PATH = f"{AUTH_PREFIX}/token"
REVOKE_PATH = f"{AUTH_PREFIX}/revoke"
INTROSPECT_PATH = f"{AUTH_PREFIX}/introspect"
AUTHORIZE_PATH = f"{AUTH_PREFIX}/authorize"
CALLBACK_PATH = f"{AUTH_PREFIX}/oidc/callback"
JWKS_PATH = "/.well-known/jwks.json"
METADATA_PATH = "/.well-known/oauth-authorization-server"
DOCS_PATH = "/docs"
