"""The API surface read from the descriptors: every RPC declares who may call
it, and the declared scopes are exactly the documented ones."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import neurogate.v1
from neurogate.server import api
from neurogate.server.auth.scopes import SCOPES

ANONYMOUS = {
    "/neurogate.v1.AuthService/IssueToken",
    "/neurogate.v1.AuthService/Login",
    "/neurogate.v1.AuthService/CreateApiKey",
}


def _published_methods() -> set[str]:
    """Every RPC of every service in the generated ``neurogate.v1`` package."""
    methods = set()
    for module_info in pkgutil.iter_modules(neurogate.v1.__path__):
        if not module_info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"neurogate.v1.{module_info.name}")
        for service in module.DESCRIPTOR.services_by_name.values():
            methods |= {f"/{service.full_name}/{method.name}" for method in service.methods}
    return methods


RULES = api.access_rules()


def test_every_published_rpc_has_an_access_rule():
    assert set(RULES) == _published_methods()


def test_the_documented_services_are_all_present():
    names = {service.full_name for service in api.services()}

    assert {
        "neurogate.v1.AuthService",
        "neurogate.v1.DataService",
        "neurogate.v1.Analysis",
        "neurogate.v1.Analytics",
        "neurogate.v1.Segmentation",
        "neurogate.v1.ModelService",
        "neurogate.v1.SPC",
        "neurogate.v1.Processing",
        "neurogate.v1.DeviceControl",
        "neurogate.v1.NeuralService",
        "neurogate.v1.WebhookService",
        "neurogate.v1.StreamService",
    } <= names


@pytest.mark.parametrize("method", sorted(RULES))
def test_each_rule_is_either_anonymous_or_names_a_known_scope(method):
    rule = RULES[method]

    if rule.anonymous:
        assert rule.scope == ""
    else:
        assert rule.scope in SCOPES


def test_only_token_issuance_is_anonymous():
    anonymous = {method for method, rule in RULES.items() if rule.anonymous}

    assert anonymous == ANONYMOUS


def test_every_scope_is_needed_by_some_method():
    used = {rule.scope for rule in RULES.values() if not rule.anonymous}

    assert used == set(SCOPES)


@pytest.mark.parametrize(
    ("method", "scope"),
    [
        ("/neurogate.v1.DataService/ListDatasets", "data.read"),
        ("/neurogate.v1.DataService/UploadDataset", "data.write"),
        ("/neurogate.v1.DataService/DeleteDataset", "data.write"),
        ("/neurogate.v1.AuthService/ListApiKeys", "apikeys.read"),
        ("/neurogate.v1.AuthService/RevokeApiKey", "apikeys.write"),
        ("/neurogate.v1.SPC/ControlChart", "analytics.read"),
        ("/neurogate.v1.NeuralService/StreamNeuralData", "streams.read"),
    ],
)
def test_methods_need_the_scope_their_purpose_suggests(method, scope):
    assert RULES[method] == api.AccessRule(scope=scope, anonymous=False)


@pytest.mark.parametrize(
    "method",
    [
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "grpc.health.v1.Health/Check",
    ],
)
def test_health_and_reflection_are_public(method):
    assert api.is_public(method)


@pytest.mark.parametrize(
    "method",
    [
        "/neurogate.v1.AuthService/IssueToken",
        "/neurogate.v1.DataService/ListDatasets",
        "/grpc.health.v1.HealthX/Check",
        "/grpc.health.v1/Check",
        "",
    ],
)
def test_other_methods_are_not_public(method):
    assert not api.is_public(method)


def test_the_server_package_exports_settings_and_serve():
    import neurogate.server

    assert neurogate.server.__all__ == ["Settings", "serve"]
    assert callable(neurogate.server.serve)
