"""`UPSKILL_DATABASE_URL` as platforms hand it out, read once, the same way everywhere.

Accepted: `postgresql://`, `postgres://` (libpq's URI form) and `postgresql+asyncpg://`
(SQLAlchemy's), with these libpq query parameters:

- `sslmode`: `disable` (no TLS), `allow` / `prefer` (TLS if the server offers it, asyncpg's
  default), `require` (TLS, certificate not checked — checked against `sslrootcert` when one
  is given, as libpq does), `verify-ca` (certificate signed by `sslrootcert`, else by the
  system's CAs), `verify-full` (and issued for the host name);
- `sslrootcert` (a PEM file, or `system`), `sslcert` + `sslkey` (client certificate);
- `application_name`, `options` (e.g. `-c search_path=app`): sent to the server at start-up;
- `connect_timeout` (seconds): overrides `UPSKILL_DB_CONNECT_TIMEOUT_S`;
- `host` (e.g. a Unix socket folder), `port`, `user`, `password`, `dbname`, as in libpq.

Anything else — another scheme, an unknown parameter, a bad value, a certificate file that
cannot be read — raises `DatabaseURLError`, whose message names what is wrong and never
contains the password (nor the URL).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
PARAMETERS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "application_name",
        "options",
        "connect_timeout",
        "host",
        "port",
        "user",
        "password",
        "dbname",
    }
)


class DatabaseURLError(ValueError):
    """The URL cannot be used; the message says why (without secrets)."""


@dataclass(frozen=True, slots=True)
class DatabaseURL:
    """A parsed database URL: what asyncpg needs to connect."""

    hosts: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    sslmode: str | None = None
    sslrootcert: str | None = None
    sslcert: str | None = None
    sslkey: str | None = None
    application_name: str | None = None
    options: str | None = None
    connect_timeout_s: float | None = None

    def ssl(self) -> ssl.SSLContext | bool | str | None:
        """asyncpg's `ssl` argument: None (asyncpg's default, `prefer`), False, a mode name
        (`allow`, `prefer`) or a context (raises DatabaseURLError if a file cannot be read)."""
        mode = self.sslmode
        if mode is None:
            return None
        if mode == "disable":
            return False
        if mode in ("allow", "prefer"):
            return mode
        if mode == "require" and self.sslrootcert is not None:
            mode = "verify-ca"  # libpq: require with a root certificate verifies it
        try:
            if mode == "require":
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif self.sslrootcert in (None, "system"):
                context = ssl.create_default_context()
            else:
                context = ssl.create_default_context(cafile=self.sslrootcert)
            context.check_hostname = mode == "verify-full"
            if self.sslcert is not None:
                context.load_cert_chain(self.sslcert, self.sslkey)
        except (OSError, ssl.SSLError) as error:
            files = ", ".join(
                f"{name}={path}"
                for name, path in (
                    ("sslrootcert", self.sslrootcert),
                    ("sslcert", self.sslcert),
                    ("sslkey", self.sslkey),
                )
                if path is not None
            )
            reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
            raise DatabaseURLError(f"cannot load the TLS files ({files}): {reason}") from None
        return context

    def connect_kwargs(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Keyword arguments for `asyncpg.connect` (and SQLAlchemy's `connect_args`). A
        `connect_timeout` in the URL wins over `timeout`."""
        kwargs: dict[str, Any] = {}
        if self.hosts:
            kwargs["host"] = list(self.hosts) if len(self.hosts) > 1 else self.hosts[0]
        if self.ports:
            kwargs["port"] = list(self.ports) if len(self.ports) > 1 else self.ports[0]
        for name in ("user", "password", "database"):
            if getattr(self, name) is not None:
                kwargs[name] = getattr(self, name)
        ssl_argument = self.ssl()
        if ssl_argument is not None:
            kwargs["ssl"] = ssl_argument
        settings = {k: v for k, v in (("application_name", self.application_name), ("options", self.options)) if v}
        if settings:
            kwargs["server_settings"] = settings
        chosen = self.connect_timeout_s if self.connect_timeout_s is not None else timeout
        if chosen is not None:
            kwargs["timeout"] = chosen
        return kwargs

    def with_database(self, name: str) -> DatabaseURL:
        return replace(self, database=name)

    def render(self) -> str:
        """The URL in the `postgresql://` form (with the password: not for logs)."""
        auth = ""
        if self.user is not None:
            auth = quote(self.user, safe="")
            if self.password is not None:
                auth += ":" + quote(self.password, safe="")
            auth += "@"
        query: list[tuple[str, str]] = []
        netloc = ""
        if any(h.startswith("/") for h in self.hosts):
            query += [("host", ",".join(self.hosts))]
            if self.ports:
                query += [("port", ",".join(str(p) for p in self.ports))]
        else:
            ports = [str(p) for p in self.ports] or [""] * len(self.hosts)
            if len(ports) == 1 and len(self.hosts) > 1:
                ports *= len(self.hosts)
            netloc = ",".join(_host(h) + (f":{p}" if p else "") for h, p in zip(self.hosts, ports, strict=False))
        for name in ("sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "options"):
            if getattr(self, name) is not None:
                query.append((name, getattr(self, name)))
        if self.connect_timeout_s is not None:
            query.append(("connect_timeout", f"{self.connect_timeout_s:g}"))
        path = "/" + quote(self.database, safe="") if self.database is not None else ""
        return f"postgresql://{auth}{netloc}{path}" + (f"?{urlencode(query, quote_via=quote)}" if query else "")

    def __str__(self) -> str:
        """Where it points, for logs: never the password."""
        where = ",".join(self.hosts) or "(default host)"
        return f"postgresql://{self.user or ''}@{where}/{self.database or ''}"


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _port(text: str, setting: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise DatabaseURLError(f"{setting}: the port must be a number from 1 to 65535")
    return int(text)


def parse_database_url(url: str) -> DatabaseURL:
    """Read `url`; raises DatabaseURLError (message without secrets) if it is not usable."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        raise DatabaseURLError("not a URL: expected postgresql://user:password@host:port/database")
    if scheme.lower() not in SCHEMES:
        shown = scheme if scheme.replace("+", "").replace("-", "").replace(".", "").isalnum() else "?"
        raise DatabaseURLError(f"unsupported scheme {shown!r}: use postgresql://, postgres:// or postgresql+asyncpg://")
    # as libpq: the credentials end at the first '@' met before any '/' (so '?' or '#' may stand in a
    # password, which is then never taken for the query)
    end = min((i for i in (rest.find("@"), rest.find("/")) if i >= 0), default=-1)
    user: str | None = None
    password: str | None = None
    if end >= 0 and rest[end] == "@":
        name, colon, secret = rest[:end].partition(":")
        user = unquote(name) or None
        password = unquote(secret) if colon else None
        rest = rest[end + 1 :]
    rest, _, query = rest.partition("?")
    rest, _, fragment = rest.partition("#")
    if fragment:
        raise DatabaseURLError("a URL fragment ('#...') is not allowed")
    hostspec, _, path = rest.partition("/")
    if "/" in path:
        raise DatabaseURLError("the database name must not contain '/' (percent-encode it as %2F)")
    if "@" in hostspec:
        raise DatabaseURLError("the host part contains '@': percent-encode '@' in a user or password as %40")
    hosts: list[str] = []
    ports: list[int] = []
    if hostspec:
        for part in hostspec.split(","):
            host, port = _split_host(part)
            hosts.append(host)
            if port is not None:
                ports.append(port)
        if ports and len(ports) != len(hosts):
            raise DatabaseURLError("give a port for every host or for none")
    fields: dict[str, Any] = {"user": user, "password": password, "database": unquote(path) or None}
    seen: set[str] = set()
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise DatabaseURLError("the query string is malformed: expected name=value&name=value") from None
    for key, value in pairs:
        if key not in PARAMETERS:
            raise DatabaseURLError(f"unknown parameter {key!r} (known: {', '.join(sorted(PARAMETERS))})")
        if key in seen:
            raise DatabaseURLError(f"parameter {key!r} is given twice")
        seen.add(key)
        _read(key, value, fields, hosts, ports)
    if not hosts and not ports and fields["database"] is None and not seen and user is None:
        raise DatabaseURLError("no host, user or database: expected postgresql://user:password@host:port/database")
    return DatabaseURL(hosts=tuple(hosts), ports=tuple(ports), **fields)


def _split_host(part: str) -> tuple[str, int | None]:
    if part.startswith("["):
        host, bracket, after = part[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise DatabaseURLError("a bracketed IPv6 host is malformed")
        port_text = after[1:] if after else None
    else:
        host, colon, port_text_ = part.partition(":")
        port_text = port_text_ if colon else None
    if not host:
        raise DatabaseURLError("a host is empty")
    return unquote(host), _port(port_text, "port") if port_text is not None else None


def _read(key: str, value: str, fields: dict[str, Any], hosts: list[str], ports: list[int]) -> None:
    if key == "sslmode":
        if value not in SSL_MODES:
            raise DatabaseURLError(f"sslmode {value!r} is not one of {', '.join(SSL_MODES)}")
        fields["sslmode"] = value
    elif key == "connect_timeout":
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds < 3600:
            raise DatabaseURLError("connect_timeout must be a number of seconds above 0 (and under 3600)")
        fields["connect_timeout_s"] = max(seconds, 2.0)  # libpq: at least 2 s
    elif key == "host":
        hosts[:] = [h for h in value.split(",") if h]
        if not hosts:
            raise DatabaseURLError("the host parameter is empty")
    elif key == "port":
        ports[:] = [_port(p, "port parameter") for p in value.split(",")]
    elif key == "dbname":
        fields["database"] = value or None
    elif key in ("user", "password"):
        fields[key] = value
    else:
        if not value:
            raise DatabaseURLError(f"parameter {key!r} is empty")
        fields[key] = value
