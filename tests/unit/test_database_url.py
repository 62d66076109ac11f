"""`UPSKILL_DATABASE_URL` in every form platforms hand out, and every way it can be wrong."""

from __future__ import annotations

import datetime as dt
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from adapters.database_url import DatabaseURLError, parse_database_url
from adapters.settings import Settings

SECRET = "s3cr%40t-pass"  # percent-encoded '@'


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+asyncpg", "POSTGRESQL"])
def test_the_three_schemes_read_alike(scheme: str) -> None:
    url = parse_database_url(f"{scheme}://app:{SECRET}@db.example:6432/upskill")
    assert url.connect_kwargs() == {
        "host": "db.example",
        "port": 6432,
        "user": "app",
        "password": "s3cr@t-pass",
        "database": "upskill",
    }


def test_defaults_are_left_to_asyncpg() -> None:
    assert parse_database_url("postgresql://db/upskill").connect_kwargs() == {"host": "db", "database": "upskill"}


def test_a_unix_socket_folder_and_several_hosts() -> None:
    socket = parse_database_url("postgresql+asyncpg://postgres@/upskill?host=/run/postgresql")
    assert socket.connect_kwargs() == {"host": "/run/postgresql", "user": "postgres", "database": "upskill"}
    several = parse_database_url("postgresql://u@a.example:5432,[::1]:5433/d")
    assert several.connect_kwargs()["host"] == ["a.example", "::1"]
    assert several.connect_kwargs()["port"] == [5432, 5433]


def test_libpq_parameters_reach_the_server_and_the_timeout() -> None:
    url = parse_database_url(
        "postgres://u@h/d?application_name=hr-app&options=-c%20search_path%3Dapp&connect_timeout=7"
    )
    kwargs = url.connect_kwargs(timeout=3)
    assert kwargs["server_settings"] == {"application_name": "hr-app", "options": "-c search_path=app"}
    assert kwargs["timeout"] == 7  # the URL's wins over the setting
    assert parse_database_url("postgres://u@h/d").connect_kwargs(timeout=3)["timeout"] == 3


@pytest.mark.parametrize("secret", ["pa?ss=x", "pa#ss", "p&q=r"])
def test_a_password_may_hold_query_characters_as_in_libpq(secret: str) -> None:
    url = parse_database_url(f"postgresql://app:{secret}@db.example/upskill?sslmode=disable")
    assert (url.password, url.hosts, url.database, url.sslmode) == (secret, ("db.example",), "upskill", "disable")


def test_user_password_and_dbname_as_parameters() -> None:
    url = parse_database_url("postgresql://h?user=u&password=p%26q&dbname=d")
    assert (url.user, url.password, url.database) == ("u", "p&q", "d")


def test_sslmode_disable_turns_tls_off_and_prefer_is_asyncpg_s_default() -> None:
    assert parse_database_url("postgresql://h/d?sslmode=disable").connect_kwargs()["ssl"] is False
    assert parse_database_url("postgresql://h/d?sslmode=prefer").connect_kwargs()["ssl"] == "prefer"
    assert parse_database_url("postgresql://h/d?sslmode=allow").connect_kwargs()["ssl"] == "allow"
    assert "ssl" not in parse_database_url("postgresql://h/d").connect_kwargs()


def test_sslmode_require_encrypts_without_checking_the_certificate() -> None:
    context = parse_database_url("postgresql://h/d?sslmode=require").ssl()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_NONE
    assert not context.check_hostname


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "upskill-test-ca")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.mark.parametrize(("mode", "checks_host"), [("verify-ca", False), ("verify-full", True), ("require", False)])
def test_verifying_modes_trust_the_given_root_certificate(tmp_path: Path, mode: str, checks_host: bool) -> None:
    cert, key = _certificate(tmp_path)
    context = parse_database_url(
        f"postgresql://h/d?sslmode={mode}&sslrootcert={cert}&sslcert={cert}&sslkey={key}"
    ).ssl()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED  # require + a root certificate verifies, as in libpq
    assert context.check_hostname is checks_host
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "upskill-test-ca"),),)]


def test_verify_full_without_a_root_certificate_uses_the_system_s() -> None:
    for url in ("postgresql://h/d?sslmode=verify-full", "postgresql://h/d?sslmode=verify-full&sslrootcert=system"):
        context = parse_database_url(url).ssl()
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname


def test_the_url_renders_back_to_what_it_says(tmp_path: Path) -> None:
    for text in (
        f"postgresql://app:{SECRET}@db.example:6432/upskill?sslmode=require&application_name=x",
        "postgresql+asyncpg://postgres@/upskill?host=/tmp/pg%20socket",
        "postgres://u@a:1,b:2/d?connect_timeout=5&options=-c%20x%3D1",
    ):
        url = parse_database_url(text)
        assert parse_database_url(url.render()) == url
        assert parse_database_url(url.with_database("other").render()).database == "other"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mysql://u:hunter2@h/d", "unsupported scheme 'mysql'"),
        ("postgresql+psycopg://u:hunter2@h/d", "unsupported scheme 'postgresql+psycopg'"),
        ("u:hunter2@h/d", "not a URL"),
        ("postgresql://u:hunter2@h:99999/d", "port must be a number"),
        ("postgresql://u:hunter2@h:5432x/d", "port must be a number"),
        ("postgresql://u:hunter2@h/d?sslmode=on", "sslmode 'on' is not one of"),
        ("postgresql://u:hunter2@h/d?ssl=true", "unknown parameter 'ssl'"),
        ("postgresql://u:hunter2@h/d?sslmode=require&sslmode=disable", "given twice"),
        ("postgresql://u:hunter2@h/d?connect_timeout=soon", "connect_timeout must be"),
        ("postgresql://u:hunter2@h/d?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem", "cannot load the TLS files"),
        ("postgresql://u:hunter2@h/d#x", "fragment"),
        ("postgresql://u:hun@ter2@h/d", "percent-encode '@'"),
        ("postgresql://u:hunter2/x@h/d", "must not contain '/'"),
        ("postgresql://u:hunter2@h/d/e", "must not contain '/'"),
        ("postgresql://u:hunter2@[::1/d", "IPv6"),
        ("postgresql://u:hunter2@a:1,b/d", "a port for every host"),
        ("postgresql://", "no host, user or database"),
        ("postgresql://u:hunter2@h/d?=x&&", "query string is malformed"),
    ],
)
def test_an_unusable_url_is_refused_with_the_reason_and_never_the_password(text: str, says: str) -> None:
    with pytest.raises(DatabaseURLError) as refused:
        parse_database_url(text).ssl()
    assert says in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_settings_refuse_an_unusable_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSKILL_DATABASE_URL", "mysql://u:hunter2@h/d")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert "unsupported scheme" in str(refused.value.errors()[0]["msg"])


def test_the_password_is_kept_out_of_repr_and_str() -> None:
    url = parse_database_url("postgresql://app:hunter2@h/d")
    assert "hunter2" not in repr(url)
    assert "hunter2" not in str(url)


@pytest.mark.parametrize("command", ["migrate", "serve"])
def test_the_cli_stops_with_one_line_naming_the_setting(command: str, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "UPSKILL_DATABASE_URL": "mysql://app:hunter2@db/upskill"}
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "upskill: UPSKILL_DATABASE_URL: unsupported scheme 'mysql': "
        "use postgresql://, postgres:// or postgresql+asyncpg://"
    ]
