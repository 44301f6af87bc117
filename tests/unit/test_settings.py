from pathlib import Path

import pytest

from webbscope.settings import DEV_JWT_SECRET, Environment, SettingsError, load_settings

STRONG = "x" * 40


def test_development_defaults_load() -> None:
    s = load_settings(environment="development")
    assert s.is_development
    assert s.jwt_secret.get_secret_value() == DEV_JWT_SECRET
    assert s.storage_provider == "local"


@pytest.mark.parametrize("env", ["staging", "production"])
def test_outside_development_default_secrets_are_refused(env: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(environment=env)
    msg = str(info.value)
    assert "JWT_SECRET must be set to a non-default secret" in msg
    assert "INTERNAL_SERVICE_TOKEN must be set" in msg


def test_without_an_environment_production_rules_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBBSCOPE_ENV", raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no .env here
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "WEBBSCOPE_ENV=production" in str(info.value)
    assert "WEBBSCOPE_ENV is not set" in str(info.value)
    s = load_settings(jwt_secret=STRONG, service_token=STRONG + "y")
    assert s.environment is Environment.production and not s.is_development


def test_production_with_real_secrets_loads() -> None:
    s = load_settings(environment="production", jwt_secret=STRONG, service_token=STRONG + "y")
    assert s.environment is Environment.production


def test_short_secret_is_refused_everywhere() -> None:
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        load_settings(jwt_secret="short")


def test_malformed_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "lots")
    monkeypatch.setenv("STORAGE_PROVIDER", "ftp")
    with pytest.raises(SettingsError) as info:
        load_settings()
    msg = str(info.value)
    assert "MAX_UPLOAD_BYTES" in msg
    assert "STORAGE_PROVIDER" in msg


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://db.example:27017")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    s = load_settings()
    assert s.mongodb_uri == "mongodb://db.example:27017"
    assert s.cors_origin_list == ["https://a.example", "https://b.example"]


def test_env_example_documents_every_variable() -> None:
    from webbscope.settings import Settings

    text = (Path(__file__).parents[2] / ".env.example").read_text()
    for field in Settings.model_fields.values():
        assert f"{field.alias}=" in text, f"{field.alias} is not documented in .env.example"


def test_the_configuration_page_documents_every_variable() -> None:
    from webbscope.settings import Settings

    text = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    missing = [f.alias for f in Settings.model_fields.values() if f"`{f.alias}`" not in text]
    assert missing == [], f"not in docs/configuration.md: {missing}"
