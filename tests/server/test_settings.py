"""Settings: every ``NEUROGATE_*`` variable, its default, and the values the
server refuses to start with (a ConfigurationError naming the variable)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neurogate.server.settings import ConfigurationError, Settings


def test_an_empty_environment_gives_the_documented_defaults():
    settings = Settings.from_env({})

    assert settings == Settings()
    assert settings.grpc_host == "127.0.0.1"
    assert settings.grpc_port == 50051
    assert settings.http_host == "127.0.0.1"
    assert settings.http_port == 8080
    assert settings.envoy_admin_port == 9901
    assert settings.data_dir == Path("data")
    assert settings.database_url is None
    assert settings.jwt_secret is None
    assert settings.redis_url is None
    assert settings.access_token_ttl == 3600
    assert settings.log_level == "INFO"
    assert settings.shutdown_grace == 10.0
    assert settings.compute_workers == (os.cpu_count() or 1)
    assert settings.tier_limits == ()


def test_every_variable_is_read():
    env = {
        "NEUROGATE_GRPC_HOST": "0.0.0.0",
        "NEUROGATE_GRPC_PORT": "6000",
        "NEUROGATE_HTTP_HOST": "::1",
        "NEUROGATE_HTTP_PORT": "6001",
        "NEUROGATE_ENVOY_ADMIN_PORT": "6002",
        "NEUROGATE_DATA_DIR": "/srv/neurogate",
        "NEUROGATE_DATABASE_URL": "postgresql://db.internal/neurogate",
        "NEUROGATE_JWT_SECRET": "k" * 40,
        "NEUROGATE_REDIS_URL": "redis://cache:6379/2",
        "NEUROGATE_ACCESS_TOKEN_TTL": "900",
        "NEUROGATE_LOG_LEVEL": "debug",
        "NEUROGATE_SHUTDOWN_GRACE": "2.5",
        "NEUROGATE_COMPUTE_WORKERS": "3",
        "NEUROGATE_TIER_LIMITS": "pro=120/20000,enterprise=600/200000",
    }

    settings = Settings.from_env(env)

    assert settings == Settings(
        grpc_host="0.0.0.0",
        grpc_port=6000,
        http_host="::1",
        http_port=6001,
        envoy_admin_port=6002,
        data_dir=Path("/srv/neurogate"),
        database_url="postgresql://db.internal/neurogate",
        jwt_secret="k" * 40,
        redis_url="redis://cache:6379/2",
        access_token_ttl=900,
        log_level="DEBUG",
        shutdown_grace=2.5,
        compute_workers=3,
        tier_limits=(("pro", 120, 20000), ("enterprise", 600, 200000)),
    )


def test_values_are_stripped_and_blank_values_mean_the_default():
    settings = Settings.from_env(
        {
            "NEUROGATE_GRPC_PORT": " 7000 ",
            "NEUROGATE_GRPC_HOST": "   ",
            "NEUROGATE_DATABASE_URL": "",
            "NEUROGATE_JWT_SECRET": "  ",
        }
    )

    assert settings.grpc_port == 7000
    assert settings.grpc_host == "127.0.0.1"
    assert settings.database_url is None
    assert settings.jwt_secret is None


def test_variables_without_the_neurogate_prefix_are_ignored():
    settings = Settings.from_env({"GRPC_PORT": "1234", "DATABASE_URL": "sqlite:///x.db"})

    assert settings == Settings()


def test_reads_the_process_environment_when_given_none(monkeypatch):
    monkeypatch.setenv("NEUROGATE_GRPC_PORT", "6123")

    assert Settings.from_env().grpc_port == 6123


@pytest.mark.parametrize("port", ["1", "65535"])
def test_ports_at_the_ends_of_the_tcp_range_are_accepted(port):
    assert Settings.from_env({"NEUROGATE_HTTP_PORT": port}).http_port == int(port)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GRPC_PORT", "fifty"),
        ("GRPC_PORT", "8080.5"),
        ("GRPC_PORT", "0"),
        ("GRPC_PORT", "-1"),
        ("GRPC_PORT", "70000"),
        ("HTTP_PORT", "65536"),
        ("HTTP_PORT", "http"),
        ("ENVOY_ADMIN_PORT", "0"),
        ("ACCESS_TOKEN_TTL", "59"),
        ("ACCESS_TOKEN_TTL", "1h"),
        ("SHUTDOWN_GRACE", "-1"),
        ("SHUTDOWN_GRACE", "soon"),
        ("COMPUTE_WORKERS", "0"),
        ("COMPUTE_WORKERS", "2.5"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({f"NEUROGATE_{name}": value})

    assert f"NEUROGATE_{name}" in str(raised.value)


def test_a_configuration_error_is_a_value_error():
    assert issubclass(ConfigurationError, ValueError)


def test_a_zero_shutdown_grace_is_allowed():
    assert Settings.from_env({"NEUROGATE_SHUTDOWN_GRACE": "0"}).shutdown_grace == 0.0


def test_an_unknown_log_level_is_refused_naming_the_variable():
    with pytest.raises(ConfigurationError, match="NEUROGATE_LOG_LEVEL"):
        Settings.from_env({"NEUROGATE_LOG_LEVEL": "verbose"})


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_non_finite_shutdown_grace_is_refused(value):
    with pytest.raises(ConfigurationError, match="NEUROGATE_SHUTDOWN_GRACE"):
        Settings.from_env({"NEUROGATE_SHUTDOWN_GRACE": value})


def test_resolved_database_url_defaults_to_a_sqlite_file_in_the_data_dir(tmp_path):
    settings = Settings(data_dir=tmp_path / "state")

    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'state' / 'neurogate.db'}"


def test_resolved_database_url_of_a_relative_data_dir_is_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    url = Settings.from_env({"NEUROGATE_DATA_DIR": "rel"}).resolved_database_url

    assert url == f"sqlite:///{tmp_path.resolve() / 'rel' / 'neurogate.db'}"


def test_resolved_database_url_is_the_given_url_when_set():
    settings = Settings.from_env({"NEUROGATE_DATABASE_URL": "postgresql://h/db"})

    assert settings.resolved_database_url == "postgresql://h/db"


def test_grpc_target_joins_host_and_port():
    settings = Settings.from_env({"NEUROGATE_GRPC_HOST": "10.0.0.5", "NEUROGATE_GRPC_PORT": "7"})

    assert settings.grpc_target == "10.0.0.5:7"


def test_tier_limits_tolerate_spaces_and_empty_items():
    settings = Settings.from_env({"NEUROGATE_TIER_LIMITS": " enterprise=1/2 , ,pro=3/4, "})

    assert settings.tier_limits == (("enterprise", 1, 2), ("pro", 3, 4))


@pytest.mark.parametrize(
    "value",
    [
        "free=1/1",
        "pro=0/100",
        "pro=60/0",
        "pro=60",
        "pro=a/b",
        "pro:60/100",
        "pro=60/100;enterprise=1/1",
        "pro=-1/100",
    ],
)
def test_a_bad_tier_limit_is_refused_naming_the_variable(value):
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({"NEUROGATE_TIER_LIMITS": value})

    assert "NEUROGATE_TIER_LIMITS" in str(raised.value)


def test_database_timeouts_default_to_bounded_waits():
    settings = Settings.from_env({})

    assert (
        settings.database_connect_timeout,
        settings.database_statement_timeout,
        settings.database_lock_timeout,
        settings.database_pool_timeout,
    ) == (5.0, 30.0, 10.0, 5.0)


def test_database_timeouts_are_read_in_seconds():
    settings = Settings.from_env(
        {
            "NEUROGATE_DATABASE_CONNECT_TIMEOUT": "2",
            "NEUROGATE_DATABASE_STATEMENT_TIMEOUT": "0.5",
            "NEUROGATE_DATABASE_LOCK_TIMEOUT": "1.5",
            "NEUROGATE_DATABASE_POOL_TIMEOUT": "3",
        }
    )

    assert (
        settings.database_connect_timeout,
        settings.database_statement_timeout,
        settings.database_lock_timeout,
        settings.database_pool_timeout,
    ) == (2.0, 0.5, 1.5, 3.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_CONNECT_TIMEOUT", "0.5"),
        ("DATABASE_CONNECT_TIMEOUT", "never"),
        ("DATABASE_STATEMENT_TIMEOUT", "0"),
        ("DATABASE_STATEMENT_TIMEOUT", "inf"),
        ("DATABASE_LOCK_TIMEOUT", "-1"),
        ("DATABASE_POOL_TIMEOUT", "0"),
    ],
)
def test_a_database_timeout_that_would_wait_forever_or_never_is_refused(name, value):
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({f"NEUROGATE_{name}": value})

    assert f"NEUROGATE_{name}" in str(raised.value)


def test_the_compute_time_limit_defaults_to_envoys_600_seconds_and_is_read():
    assert Settings.from_env({}).compute_timeout == 600.0
    assert Settings.from_env({"NEUROGATE_COMPUTE_TIMEOUT": "90"}).compute_timeout == 90.0


@pytest.mark.parametrize("value", ["0", "0.5", "inf", "soon"])
def test_a_compute_time_limit_below_a_second_or_unending_is_refused(value):
    with pytest.raises(ConfigurationError, match="NEUROGATE_COMPUTE_TIMEOUT"):
        Settings.from_env({"NEUROGATE_COMPUTE_TIMEOUT": value})
