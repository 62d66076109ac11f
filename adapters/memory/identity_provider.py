"""The memory twin of the company's OpenID provider (`upskill.domain.signin.IdentityProvider`):
a person "signs in" by `sign_in(url, identity)`, which returns the provider code the browser
would bring back. `redeem` hands back the identity for a code once, and only for the nonce,
redirect URI and PKCE verifier of its authorization, as a real provider and the relying party's
ID-token check together would."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from upskill.domain.errors import Unavailable
from upskill.domain.signin import ExternalIdentity, SignInRefused, s256


@dataclass(frozen=True, slots=True)
class _Grant:
    identity: ExternalIdentity
    nonce: str
    redirect_uri: str
    challenge: str


class MemoryIdentityProvider:
    def __init__(self, issuer: str = "https://idp.memory.test") -> None:
        self.issuer = issuer
        self.reachable = True
        self._grants: dict[str, _Grant] = {}

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        if not self.reachable:
            raise Unavailable("The identity provider cannot be reached.")
        query = {
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
            "code_challenge": s256(code_verifier),
            "code_challenge_method": "S256",
        }
        return f"{self.issuer}/authorize?{urlencode(query)}"

    def sign_in(
        self, authorization_url: str, subject: str, email: str | None, *, verified: bool = True
    ) -> dict[str, str]:
        """The callback parameters after `subject` signs in at `authorization_url`."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        identity = ExternalIdentity(self.issuer, subject, email, verified, {"email": email})
        code = secrets.token_urlsafe(16)
        self._grants[code] = _Grant(identity, params["nonce"], params["redirect_uri"], params["code_challenge"])
        return {"code": code, "state": params["state"]}

    async def redeem(self, *, redirect_uri: str, code: str, code_verifier: str, nonce: str) -> ExternalIdentity:
        if not self.reachable:
            raise Unavailable("The identity provider cannot be reached.")
        grant = self._grants.pop(code, None)
        if grant is None or grant.redirect_uri != redirect_uri or grant.challenge != s256(code_verifier):
            raise SignInRefused("token endpoint: invalid_grant")
        if grant.nonce != nonce:
            raise SignInRefused("ID token: invalid_claim")
        return grant.identity
