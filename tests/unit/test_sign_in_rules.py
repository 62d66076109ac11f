"""The pure rules of company sign-in: PKCE S256 (checked against authlib's independent
implementation), the role mapping from a claim, the email-domain admission, redirect URLs."""

from __future__ import annotations

import string

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from hypothesis import given
from hypothesis import strategies as st

from upskill.domain.principal import Role
from upskill.domain.signin import ExternalIdentity, is_s256_challenge, new_secret, s256, verifier_matches
from upskill.services.signin import SignInPolicy, with_query

UNRESERVED = string.ascii_letters + string.digits + "-._~"
verifiers = st.text(alphabet=UNRESERVED, min_size=43, max_size=128)


@given(verifiers)
def test_s256_is_rfc_7636s(verifier: str) -> None:
    assert s256(verifier) == create_s256_code_challenge(verifier)
    assert is_s256_challenge(s256(verifier))
    assert verifier_matches(verifier, s256(verifier))


@given(verifiers, verifiers)
def test_another_verifier_does_not_match(verifier: str, other: str) -> None:
    assert verifier_matches(other, s256(verifier)) == (other == verifier)


def test_rfc_7636_appendix_b() -> None:
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_a_malformed_verifier_never_matches() -> None:
    good = new_secret()
    assert verifier_matches(good, s256(good))
    short = good[:42]
    assert not verifier_matches(short, s256(short))
    spaced = good + " "
    assert not verifier_matches(spaced, s256(spaced))
    assert not verifier_matches("é" * 43, s256(good))
    assert not is_s256_challenge("a" * 42)
    assert not is_s256_challenge("a" * 42 + "=")


def _identity(email: str | None = "ann@corp.example", verified: bool = True, **claims: object) -> ExternalIdentity:
    return ExternalIdentity("https://idp.example", "sub-1", email, verified, claims)


POLICY = SignInPolicy(
    redirect_uris=frozenset({"https://app.example/cb"}),
    callback_url="https://upskill.example/api/v1/auth/oidc/callback",
    issuer="https://upskill.example",
    role_claim="groups",
    admin_values=frozenset({"admins"}),
    manager_values=frozenset({"leads"}),
)


def test_the_role_claim_maps_admin_before_manager_before_employee() -> None:
    assert POLICY.role_from({"groups": ["staff", "leads", "admins"]}) is Role.ADMIN
    assert POLICY.role_from({"groups": ["leads"]}) is Role.MANAGER
    assert POLICY.role_from({"groups": "leads"}) is Role.MANAGER
    assert POLICY.role_from({"groups": []}) is Role.EMPLOYEE
    assert POLICY.role_from({"groups": {"admins": True}}) is Role.EMPLOYEE  # not a string or list
    assert POLICY.role_from({}) is None
    assert SignInPolicy(frozenset(), "", "").role_from({"groups": ["admins"]}) is None


def test_email_domains_admit_only_verified_emails_of_those_domains() -> None:
    open_door = POLICY
    strict = SignInPolicy(frozenset(), "", "", email_domains=frozenset({"corp.example"}))
    assert open_door.admits(_identity(email=None, verified=False))
    assert strict.admits(_identity())
    assert strict.admits(_identity("Ann@CORP.example"))
    assert not strict.admits(_identity(verified=False))
    assert not strict.admits(_identity("ann@corp.example.evil"))
    assert not strict.admits(_identity("ann@sub.corp.example"))
    assert not strict.admits(_identity(None))


def test_with_query_keeps_the_registered_uri_and_encodes() -> None:
    assert with_query("https://app.example/cb", {"code": "a b", "state": None}) == "https://app.example/cb?code=a+b"
    assert with_query("https://app.example/cb?x=1#f", {"state": "s&t"}) == "https://app.example/cb?x=1&state=s%26t#f"
