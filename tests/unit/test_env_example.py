"""`.env.example` is the settings reference: it lists every setting, and parses to the defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"


def test_every_setting_is_listed_and_nothing_else() -> None:
    settings = {"UPSKILL_" + name.upper() for name in Settings.model_fields}
    listed = set(re.findall(r"^#?\s*(UPSKILL_[A-Z0-9_]+)=", EXAMPLE.read_text(), re.MULTILINE))
    assert settings - listed == set()
    assert listed - settings == {"UPSKILL_TEST_DATABASE_URL"}


def test_the_example_parses_to_the_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv("UPSKILL_" + name.upper(), raising=False)
    (tmp_path / ".env").write_text(EXAMPLE.read_text())
    monkeypatch.chdir(tmp_path)
    assert Settings() == Settings(_env_file=None)
