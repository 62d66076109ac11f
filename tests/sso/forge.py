"""An OpenID provider of the tests' own making, for what a certified provider never sends: ID
tokens with a wrong nonce, audience or issuer, expired, unsigned (`alg: none`) or signed with a
key that is not in its JWKS. It serves discovery, JWKS, an authorization endpoint that answers at
once (no login) and a token endpoint whose ID token `scenario` spoils. Runs on loopback."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID, CLIENT_SECRET = "upskill", "forge-secret"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class ForgingProvider:
    def __init__(self, port: int) -> None:
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.stranger = RSAKey.generate_key(2048, parameters={"kid": "k-stranger"}, private=True)
        self.published = [self.key]
        self.scenario = "valid"
        self.subject, self.email, self.email_verified = "forged-1", "forged@example.com", True
        self.nonces: dict[str, str] = {}
        self.jwks_fetches = 0
        app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
            ]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the forging provider did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                # Advertising `none` must not make an unsigned ID token acceptable.
                "id_token_signing_alg_values_supported": ["RS256", "none"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        self.jwks_fetches += 1
        return JSONResponse(KeySet(list(self.published)).as_dict(private=False))

    async def _authorize(self, request: Request) -> Response:
        params = request.query_params
        code = secrets.token_urlsafe(16)
        self.nonces[code] = params.get("nonce", "")
        query = urlencode({"code": code, "state": params.get("state", "")})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

    async def _token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        nonce = self.nonces.pop(form.get("code", ""), None)
        if nonce is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse({"access_token": "opaque", "token_type": "Bearer", "id_token": self._id_token(nonce)})

    def _id_token(self, nonce: str) -> str:
        now, scenario = int(time.time()), self.scenario
        claims: dict[str, Any] = {
            "iss": "https://evil.example.com" if scenario == "wrong_iss" else self.issuer,
            "sub": self.subject,
            "aud": "another-client" if scenario == "wrong_aud" else CLIENT_ID,
            "iat": now - 3600 if scenario == "expired" else now,
            "exp": now - 600 if scenario == "expired" else now + 300,
            "nonce": "a-nonce-of-another-login" if scenario == "wrong_nonce" else nonce,
            "email": self.email,
            "email_verified": self.email_verified,
        }
        if scenario == "no_nonce":
            del claims["nonce"]
        if scenario == "alg_none":
            return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        key = self.stranger if scenario == "unknown_key" else self.key
        if scenario == "rotated":
            key = self.stranger
            self.published = [self.key, self.stranger]
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
