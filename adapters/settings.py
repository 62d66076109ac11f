"""Every setting of the service: environment variables prefixed `UPSKILL_` (or a `.env` file).

`.env.example` lists each one with its default; keep the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.database_url import parse_database_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UPSKILL_", env_file=".env", extra="ignore")

    # Where and how to run
    env: Literal["dev", "prod", "test"] = "dev"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    shutdown_drain_s: int = Field(default=20, ge=0)  # on SIGTERM: finish in-flight requests for at most this long
    log_level: str = "INFO"
    log_json: bool | None = None  # default: JSON lines unless env=dev
    otel: bool = False  # FastAPI's native OpenTelemetry, to the global providers the deployment sets up
    data_dir: Path = Path(".data")

    # Storage
    storage: Literal["postgres", "memory"] = "postgres"
    database_url: SecretStr | None = None  # unset: the embedded PostgreSQL; forms: database_url.py
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    db_pool_timeout_s: float = Field(default=3.0, gt=0)
    db_connect_timeout_s: float = Field(default=3.0, gt=0)
    db_statement_timeout_ms: int = Field(default=5000, ge=0)
    access_cache_s: float = Field(default=1.0, ge=0, le=1.0)  # remember a token's access check (0: off)
    migrate_on_start: bool = True  # dev convenience; the Helm chart runs a migration Job instead

    # HTTP
    cors_origins: Annotated[list[str], NoDecode] = []
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    retry_after_s: int = Field(default=5, ge=1)
    idempotency_ttl_s: int = Field(default=86400, ge=60)  # how long a POST's Idempotency-Key is remembered
    cursor_secret: SecretStr = SecretStr("upskill-dev-cursor-secret-change-me")

    # Authentication: accounts
    admin_email: str | None = None  # with admin_password: this admin is created at start when none exists
    admin_password: SecretStr | None = None
    allow_signup: bool = False
    seed_demo: bool = False  # demo organisation and accounts at start unless present (not in prod); on with embedded PG

    # Authentication: access tokens (EdDSA JWT) and their keys
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "upskill-api"
    access_token_ttl_s: int = Field(default=900, ge=60, le=3600)
    token_leeway_s: int = Field(default=30, ge=0, le=300)
    jwt_keys: SecretStr | None = None  # a JWK set (JSON) with private keys: the active one signs, others verify
    jwt_key_file: Path | None = None  # or PEM files: the active private key ...
    jwt_previous_key_files: Annotated[list[Path], NoDecode] = []  # ... and older ones, verify only
    # with none of the three: a key generated once under data_dir/keys (refused when env=prod)

    # Authentication: sessions, lockout, passwords
    session_idle_days: float = Field(default=14, gt=0)
    session_absolute_days: float = Field(default=30, gt=0)
    refresh_reuse_grace_s: float = Field(default=10, ge=0, le=10)
    lockout_threshold: int = Field(default=10, ge=1)
    lockout_base_s: int = Field(default=60, ge=1)
    lockout_max_s: int = Field(default=3600, ge=1)
    token_rate_per_ip: float = Field(default=5.0, gt=0)  # token-endpoint requests per second per client IP
    token_burst_per_ip: int = Field(default=20, ge=1)  # (per replica)
    argon2_memory_kib: int = Field(default=19456, ge=1024)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)
    password_hash_concurrency: int | None = Field(default=None, ge=1)  # default: CPU count
    password_login: bool = True  # false: no password grant (company sign-in only)

    # Company sign-in (OpenID Connect): off unless oidc_issuer is set
    oidc_issuer: str | None = None  # the provider's issuer; discovery at <issuer>/.well-known/openid-configuration
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid email profile"
    oidc_auto_provision: bool = False  # create unknown people (verified email) as employees
    oidc_role_claim: str | None = None  # e.g. "groups" or "roles": sets the role at every sign-in
    oidc_admin_values: Annotated[list[str], NoDecode] = []  # claim values that make an admin
    oidc_manager_values: Annotated[list[str], NoDecode] = []  # ... a manager (else employee)
    oidc_email_domains: Annotated[list[str], NoDecode] = []  # if set: only verified emails of these domains
    oidc_timeout_s: float = Field(default=10.0, gt=0)
    oauth_redirect_uris: Annotated[list[str], NoDecode] = []  # the apps' redirect URIs, exact match

    # Events: the outbox, its CloudEvents `source`, and the relay to NATS JetStream
    event_source: str = Field(default="/upskill", min_length=1)  # CloudEvents `source` of every event
    nats_url: str | None = None  # e.g. nats://nats:4222; unset: no relay (the feed still works)
    events_stream: str = Field(default="UPSKILL", pattern=r"^[A-Za-z0-9_-]{1,64}$")  # JetStream stream

    @field_validator(
        "cors_origins",
        "jwt_previous_key_files",
        "oidc_admin_values",
        "oidc_manager_values",
        "oidc_email_domains",
        "oauth_redirect_uris",
        mode="before",
    )
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @model_validator(mode="after")
    def _sign_in_complete(self) -> Settings:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise ValueError("UPSKILL_OIDC_ISSUER needs UPSKILL_OIDC_CLIENT_ID and UPSKILL_OIDC_CLIENT_SECRET")
        if self.oidc_issuer and "openid" not in self.oidc_scopes.split():
            raise ValueError("UPSKILL_OIDC_SCOPES must include openid")
        return self

    @field_validator("database_url")
    @classmethod
    def _readable_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_database_url(value.get_secret_value()).ssl()  # raises, naming what is wrong
        return value

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.env != "dev"
