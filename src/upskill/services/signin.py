"""Company sign-in: Upskill as the authorization server of its apps (RFC 6749 §4.1 with PKCE,
RFC 7636) brokering the login to the company's OpenID provider.

1. `authorize`: an app sends the browser with its client id, exact redirect URI, state and S256
   challenge; a pending login (our own state, nonce and PKCE verifier toward the provider) is
   stored and the browser goes on to the provider.
2. `callback`: the provider sends the browser back; the pending login is taken (single use),
   the provider's code redeemed and its ID token verified (the IdentityProvider's job), the
   user found or linked or provisioned, and a one-time code (60 s) handed to the app.
3. `exchange`: the app redeems that code with its verifier at the token endpoint for the usual
   token pair; a second exchange of one code ends the session the first one opened.

Every refusal leaves nothing behind but the spent pending login or code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from upskill.domain.errors import Conflict, InvalidGrant, StaleVersion, Unavailable
from upskill.domain.identity import User, normalise_email
from upskill.domain.ids import Clock, IdFactory
from upskill.domain.organisation import Employee
from upskill.domain.policy import EVERYTHING
from upskill.domain.ports import AuditLog, UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Role
from upskill.domain.query import Filter, ListQuery, Op
from upskill.domain.resources import EMPLOYEES
from upskill.domain.signin import (
    CODE_LIFETIME,
    PENDING_LIFETIME,
    AuthorizationCode,
    ExternalIdentity,
    IdentityLink,
    IdentityProvider,
    PendingLogin,
    SignInRefused,
    digest,
    is_s256_challenge,
    new_secret,
    verifier_matches,
)
from upskill.services.issuing import SCOPE, TokenGrant, TokenIssuer

OIDC = "oidc"


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    """What the operator configured: the apps' redirect URIs (exact match), Upskill's callback
    URL registered at the provider, its own issuer (sent back as `iss`, RFC 9207), whether
    unknown people are provisioned, and the role mapping from a claim."""

    redirect_uris: frozenset[str]
    callback_url: str
    issuer: str
    auto_provision: bool = False
    role_claim: str | None = None
    admin_values: frozenset[str] = frozenset()
    manager_values: frozenset[str] = frozenset()
    email_domains: frozenset[str] = frozenset()
    """When set, only people with a verified email in one of these domains may sign in (a
    multi-tenant provider such as Google or Entra's common endpoint vouches for anyone)."""

    def admits(self, identity: ExternalIdentity) -> bool:
        if not self.email_domains:
            return True
        if not identity.email_verified or not identity.email:
            return False
        return normalise_email(identity.email).rpartition("@")[2] in self.email_domains

    def role_from(self, claims: Mapping[str, object]) -> Role | None:
        """The role the claim maps to, None when no claim is configured or the token lacks it."""
        if self.role_claim is None or self.role_claim not in claims:
            return None
        raw = claims[self.role_claim]
        values = {raw} if isinstance(raw, str) else {str(v) for v in raw} if isinstance(raw, list) else set()
        if values & self.admin_values:
            return Role.ADMIN
        if values & self.manager_values:
            return Role.MANAGER
        return Role.EMPLOYEE


class AuthorizationError(Exception):
    """An authorization request or callback that fails. With `redirect_uri` (a trusted one) the
    browser goes back to the app with `error` (RFC 6749 §4.1.2.1); without, the answer is a
    problem shown to the user. `reason` is for logs, `description` may be shown."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(description)
        self.error, self.description = error, description
        self.redirect_uri, self.state = redirect_uri, state
        self.reason = reason or description


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    """`uri` with `params` (None dropped) added to its query; the fragment kept."""
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class SignInService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        provider: IdentityProvider,
        issuer: TokenIssuer,
        policy: SignInPolicy,
        clock: Clock,
        ids: IdFactory,
        audit: AuditLog,
    ) -> None:
        self._uow, self._provider, self._issuer = uow, provider, issuer
        self.policy, self._clock, self._ids, self._audit = policy, clock, ids, audit

    # -- 1. the app's authorization request -----------------------------------------------------

    async def authorize(self, params: Mapping[str, str]) -> str:
        """Where to send the browser: the provider's authorization endpoint. Raises
        AuthorizationError (without redirect for a missing client id or an unknown redirect
        URI, which are never redirected to)."""
        client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
        if not client_id:
            raise AuthorizationError("invalid_request", "client_id is required.")
        if redirect_uri is None or redirect_uri not in self.policy.redirect_uris:
            raise AuthorizationError("invalid_request", "redirect_uri is missing or not registered.")
        state = params.get("state")

        def refuse(error: str, description: str) -> AuthorizationError:
            return AuthorizationError(error, description, redirect_uri=redirect_uri, state=state)

        if params.get("response_type") != "code":
            raise refuse("unsupported_response_type", "response_type must be code.")
        challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
        if challenge is None:
            raise refuse("invalid_request", "PKCE is required: code_challenge and code_challenge_method=S256.")
        if method != "S256":
            raise refuse("invalid_request", "code_challenge_method must be S256.")
        if not is_s256_challenge(challenge):
            raise refuse("invalid_request", "code_challenge is not an S256 challenge.")
        scope = params.get("scope")
        if scope is not None and set(scope.split()) != {SCOPE}:
            raise refuse("invalid_scope", f"The only scope is '{SCOPE}'.")
        if state is not None and len(state) > 1024:
            raise refuse("invalid_request", "state is too long.")

        ours, nonce, verifier, now = new_secret(), new_secret(), new_secret(), self._clock.now()
        url = await self._provider.authorization_url(  # first: a provider that cannot be reached leaves no row
            redirect_uri=self.policy.callback_url, state=ours, nonce=nonce, code_verifier=verifier
        )
        login = PendingLogin(
            digest(ours), nonce, verifier, client_id, redirect_uri, challenge, state, now, now + PENDING_LIFETIME
        )
        async with self._uow() as uow:
            await uow.sign_in.add_pending(login)
            await uow.commit()
        return url

    # -- 2. the provider's answer ----------------------------------------------------------------

    async def callback(self, params: Mapping[str, str]) -> str:
        """Where to send the browser back: the app's redirect URI with `code` and `state` (and
        `iss`). Raises AuthorizationError: without redirect for an unknown, used or expired
        state; with the app's redirect URI for everything after that."""
        state, now = params.get("state"), self._clock.now()
        if not state:
            self._fail("no state")
            raise AuthorizationError("invalid_request", "The sign-in has no state: start again from the app.")
        async with self._uow() as uow:
            login = await uow.sign_in.take_pending(digest(state))
            await uow.commit()
        if login is None or now >= login.expires_at:
            self._fail("unknown, used or expired state")
            raise AuthorizationError("invalid_request", "This sign-in is unknown, used or expired: start again.")

        def refuse(error: str, description: str, reason: str) -> AuthorizationError:
            self._fail(reason, client_id=login.client_id)
            return AuthorizationError(
                error, description, redirect_uri=login.redirect_uri, state=login.app_state, reason=reason
            )

        if "error" in params:
            said = "".join(c for c in params["error"][:40] if c.isascii() and (c.isalnum() or c == "_"))
            raise refuse("access_denied", "The identity provider refused the sign-in.", f"provider: {said}")
        code = params.get("code")
        if not code:
            raise refuse("invalid_request", "The identity provider sent no code.", "no code")
        try:
            identity = await self._provider.redeem(
                redirect_uri=self.policy.callback_url, code=code, code_verifier=login.code_verifier, nonce=login.nonce
            )
        except SignInRefused as refused:
            raise refuse("access_denied", "The sign-in could not be verified.", refused.reason) from None
        except Unavailable:
            raise refuse(
                "temporarily_unavailable", "The identity provider cannot be reached.", "provider unreachable"
            ) from None

        if not self.policy.admits(identity):
            raise refuse("access_denied", "This account may not sign in here.", "email domain not allowed")
        app_code = new_secret()
        try:
            user = await self._record(identity, login, digest(app_code), now)
        except (Conflict, StaleVersion) as error:  # a concurrent sign-in of the same person won
            raise refuse("access_denied", "The sign-in raced another one: try again.", error.reason) from None
        if user is None or not user.is_active:
            reason = "no account" if user is None else "inactive user"
            raise refuse("access_denied", "This account may not sign in here.", reason)
        self._audit.record("sso.login", user_id=user.id, client_id=login.client_id, issuer=identity.issuer)
        return with_query(login.redirect_uri, {"code": app_code, "state": login.app_state, "iss": self.policy.issuer})

    async def _record(
        self, identity: ExternalIdentity, login: PendingLogin, code_digest: str, now: datetime
    ) -> User | None:
        """Find, link or provision the user and store the app's code, in one transaction; None
        (nothing stored) when nobody may sign in with this identity, the user as found when
        inactive (nothing stored either)."""
        events: list[tuple[str, dict[str, object]]] = []  # recorded once committed
        async with self._uow() as uow:
            user = await self._user_for(uow, identity, now, events)
            if user is None or not user.is_active:
                return user
            code = AuthorizationCode(
                code_digest,
                user.id,
                login.client_id,
                login.redirect_uri,
                login.code_challenge,
                now,
                now + CODE_LIFETIME,
            )
            await uow.sign_in.add_code(code)
            await uow.commit()
        for event, fields in events:
            self._audit.record(event, **fields)
        return user

    # -- 3. the app's token request --------------------------------------------------------------

    async def exchange(
        self, *, code: str, redirect_uri: str, client_id: str, code_verifier: str, user_agent: str | None = None
    ) -> TokenGrant:
        """The token pair for a one-time code. Raises InvalidGrant for an unknown, expired or
        used code, another client or redirect URI, or a verifier that does not match; any
        such attempt spends the code. A used code presented again ends the session it opened."""
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.sign_in.claim_code(digest(code))
            if stored is None:
                raise InvalidGrant("The authorization code is not valid.")
            if stored.used_at is not None:
                ended = stored.session_id is not None and await uow.identity.revoke_session(stored.session_id, now)
                await uow.commit()
                self._audit.record("authorization_code.reuse", user_id=stored.user_id, session_id=stored.session_id)
                if ended:
                    self._audit.record("session.revoked", session_id=stored.session_id, by="code_reuse")
                raise InvalidGrant("The authorization code was already used.")
            valid = (
                now < stored.expires_at
                and stored.client_id == client_id
                and stored.redirect_uri == redirect_uri
                and verifier_matches(code_verifier, stored.code_challenge)
            )
            user = await uow.repository(User).find(stored.user_id) if valid else None
            if user is None or not user.is_active:
                await uow.sign_in.use_code(stored.digest, now, None)
                await uow.commit()
                self._fail("code refused", client_id=client_id)
                raise InvalidGrant("The authorization code is not valid.")
            grant = await self._issuer.open_session(uow, user, client_id, user_agent, now, auth_method=OIDC)
            await uow.sign_in.use_code(stored.digest, now, grant.session_id)
            await uow.commit()
        self._audit.record(
            "login.success", user_id=user.id, session_id=grant.session_id, client_id=client_id, method=OIDC
        )
        return grant

    # -- accounts -------------------------------------------------------------------------------

    async def _user_for(
        self, uow: UnitOfWork, identity: ExternalIdentity, now: datetime, events: list[tuple[str, dict[str, object]]]
    ) -> User | None:
        """The user behind `identity`: by its link; else by a verified email (then linked);
        else a new employee when provisioning is on and the email is verified. The role claim,
        when configured and present, sets the role at every sign-in."""
        users = uow.repository(User)
        user_id = await uow.sign_in.user_by_link(identity.issuer, identity.subject)
        user = None if user_id is None else await users.find(user_id)
        email = normalise_email(identity.email) if identity.email else None
        if user is None and email is not None and identity.email_verified:
            user = await uow.identity.user_by_email(email)
            if user is not None:
                await self._link(uow, user, identity, email, now)
                events.append(("sso.linked", {"user_id": user.id, "issuer": identity.issuer}))
                user = await users.get(user.id)
            elif self.policy.auto_provision:
                user = await self._provision(uow, identity, email, now)
                events.append(("sso.provisioned", {"user_id": user.id, "issuer": identity.issuer}))
        if user is None:
            return None
        role = self.policy.role_from(identity.claims)
        if role is not None and role is not user.role and user.is_active:
            changed = user.evolve(role=role, version=user.version + 1, updated_at=now)
            user = await users.update(changed, expected_version=user.version)
            events.append(("user.role_set", {"actor": None, "user_id": user.id, "role": str(role), "by": "oidc_claim"}))
        return user

    async def _link(self, uow: UnitOfWork, user: User, identity: ExternalIdentity, email: str, now: datetime) -> None:
        try:
            await uow.sign_in.add_link(IdentityLink(identity.issuer, identity.subject, user.id, now, email))
        except Conflict:
            raise Conflict("This identity is linked to another account.") from None
        if not user.oidc_linked:
            marked = user.evolve(oidc_linked=True, version=user.version + 1, updated_at=now)
            await uow.repository(User).update(marked, expected_version=user.version)

    async def _provision(self, uow: UnitOfWork, identity: ExternalIdentity, email: str, now: datetime) -> User:
        query = EMPLOYEES.validate(ListQuery(filters=(Filter("email", Op.EQ, email),), limit=1))
        employees = await uow.repository(Employee).page(query, EVERYTHING)
        employee_id = employees.items[0].id if employees.items else None
        user = User(
            id=self._ids.new(),
            version=1,
            created_at=now,
            updated_at=now,
            email=email,
            role=Role.EMPLOYEE,
            employee_id=employee_id,
            oidc_linked=True,
        )
        await uow.repository(User).add(user)
        await uow.sign_in.add_link(IdentityLink(identity.issuer, identity.subject, user.id, now, email))
        return user

    def _fail(self, reason: str, **fields: object) -> None:
        self._audit.record("sso.failure", reason=reason, **fields)
