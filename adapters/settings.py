"""Every setting of the service: environment variables prefixed `UPSKILL_` (or a `.env` file).

`.env.example` lists each one with its default; keep the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UPSKILL_", env_file=".env", extra="ignore")

    # Where and how to run
    env: Literal["dev", "prod", "test"] = "dev"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    log_level: str = "INFO"
    log_json: bool | None = None  # default: JSON lines unless env=dev
    data_dir: Path = Path(".data")

    # Storage
    storage: Literal["postgres", "memory"] = "postgres"
    database_url: SecretStr | None = None  # unset: the embedded PostgreSQL under data_dir
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    db_pool_timeout_s: float = Field(default=3.0, gt=0)
    db_connect_timeout_s: float = Field(default=3.0, gt=0)
    db_statement_timeout_ms: int = Field(default=5000, ge=0)
    migrate_on_start: bool = True  # dev convenience; the Helm chart runs a migration Job instead

    # HTTP
    cors_origins: Annotated[list[str], NoDecode] = []
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    retry_after_s: int = Field(default=5, ge=1)
    cursor_secret: SecretStr = SecretStr("upskill-dev-cursor-secret-change-me")

    # Authentication (the auth issue fills these in)
    admin_email: str | None = None
    admin_password: SecretStr | None = None
    allow_signup: bool = False

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.env != "dev"
