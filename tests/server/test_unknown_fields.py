"""The unknown-field check of REST request bodies, on the real descriptor set
that Envoy's transcoder loads."""

from __future__ import annotations

import json

import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor

from neurogate.server.error_mapping import envelope_json
from neurogate.server.errors import InvalidParameter
from neurogate.server.gateway import DESCRIPTOR
from neurogate.server.unknown_fields import BodyBinding, UnknownField, UnknownFieldCheck, bindings
from neurogate.v1 import analysis_pb2, device_control_pb2

CHECK = UnknownFieldCheck.from_descriptor_set(DESCRIPTOR.read_bytes())
T_TEST = "/neurogate.v1.Analysis/HypothesisTest"
FILTER = "/neurogate.v1.Processing/Filter"
UPDATE_CONFIG = "/neurogate.v1.DeviceControl/UpdateConfig"


def check(
    method: str, body: object, verb: str = "POST", checker: UnknownFieldCheck = CHECK
) -> UnknownField | None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return checker.check(method, verb, raw)


def only(message: Descriptor, body_field: str | None = None) -> UnknownFieldCheck:
    """A check with one binding, ``POST /x.Y/Z``, whose body is ``message``."""
    field = message.fields_by_name[body_field] if body_field else None
    return UnknownFieldCheck({("/x.Y/Z", "POST"): BodyBinding(message, field)})


# ---------------------------------------------------------------- bindings


def test_every_json_body_the_rest_reference_declares_is_checked() -> None:
    document = json.loads(DESCRIPTOR.with_name("openapi.json").read_text())
    declared = {
        (f"/neurogate.v1.{service}/{method}", verb.upper())
        for operations in document["paths"].values()
        for verb, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
        for service, method in [operation["operationId"].split("_")[:2]]
    }
    checked = {key for key, body in CHECK.bindings.items() if body is not None}
    assert declared == checked
    assert {verb for _, verb in checked} == {"POST", "PATCH"}


def test_a_binding_with_a_body_field_checks_that_field() -> None:
    binding = CHECK.bindings[(UPDATE_CONFIG, "PATCH")]
    assert binding is not None
    assert binding.body_field is not None
    assert binding.body_field.name == "config"


def test_uploads_and_bindings_without_a_body_are_not_checked() -> None:
    assert CHECK.bindings[("/neurogate.v1.DataService/UploadDataset", "POST")] is None
    assert CHECK.bindings[("/neurogate.v1.SPC/ControlChartImage", "GET")] is None
    assert CHECK.bindings[("/neurogate.v1.SPC/ControlChartImage", "POST")] is not None
    assert check("/neurogate.v1.SPC/ControlChartImage", {"oops": 1}, verb="GET") is None


@pytest.mark.parametrize(
    ("method", "verb"),
    [
        (T_TEST, "PUT"),
        ("/neurogate.v1.Analysis/Nothing", "POST"),
        ("/v1/analysis/hypothesis-test", "POST"),  # a path the transcoder did not resolve
        ("", ""),
    ],
)
def test_requests_of_no_known_binding_are_left_to_the_transcoder(method: str, verb: str) -> None:
    assert check(method, {"surely_unknown": 1}, verb=verb) is None


def test_bindings_of_one_method_and_verb_must_agree_on_their_body() -> None:
    # ControlChartImage: POST with a body; make its bodiless GET a POST too.
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR.read_bytes())
    spc = next(file for file in files.file if file.name == "neurogate/v1/spc.proto")
    method = next(m for s in spc.service for m in s.method if m.name == "ControlChartImage")
    extra = method.options.Extensions[annotations_pb2.http].additional_bindings[0]
    extra.post = extra.get
    with pytest.raises(ValueError, match=r"POST bindings of /neurogate\.v1\.SPC/ControlChartImage"):
        bindings(files.SerializeToString())


# ---------------------------------------------------------------- bodies


def test_the_mu_t_test_is_refused_naming_mu() -> None:
    found = check(
        T_TEST,
        {"dataset_id": "ds_1", "test_type": "one_sample_t", "column": "x", "mu": 15000},
    )
    assert found is not None
    assert found.path == "mu"
    error = found.error()
    assert isinstance(error, InvalidParameter)
    assert error.code == "INVALID_PARAMETER"
    assert error.details["parameter"] == "mu"
    assert error.details["value"] == 15000
    assert "population_mean" in error.details["valid_fields"]
    assert "'mu'" in error.message


def test_a_misspelt_field_gets_the_closest_real_name_as_a_suggestion() -> None:
    found = check(T_TEST, {"dataset_id": "ds_1", "populaton_mean": 3})
    assert found is not None
    error = found.error()
    assert error.details == {
        "parameter": "populaton_mean",
        "value": 3,
        "suggestion": "population_mean",
    }
    assert "did you mean 'population_mean'?" in error.message


def test_a_misspelt_lower_camel_name_suggests_the_proto_name() -> None:
    found = check(T_TEST, {"populationMaen": 3})
    assert found is not None
    assert found.suggestion == "population_mean"


def test_proto_names_and_lower_camel_names_are_both_known() -> None:
    body = {"dataset_id": "ds_1", "testType": "one_sample_t", "populationMean": 2.5}
    assert check(T_TEST, body) is None
    assert check(T_TEST, {"population_mean": 1, "equalVar": True, "groups": ["a"]}) is None


def test_a_nested_unknown_field_is_named_by_its_path() -> None:
    body = {"sample_rate": 250, "filters": [{"type": "notch"}, {"type": "notch", "notch_hz": 50}]}
    found = check(FILTER, body)
    assert found is not None
    assert found.path == "filters[1].notch_hz"
    assert found.suggestion is None
    assert "frequency" in found.valid_fields


def test_top_level_mistakes_are_named_first_and_every_one_is_listed() -> None:
    body = {"filters": [{"notch_hz": 50}], "sampleRat": 250}
    found = check(FILTER, body)
    assert found is not None
    assert found.path == "sampleRat"
    assert found.error().details["unknown_fields"] == ["sampleRat", "filters[0].notch_hz"]


def test_a_body_bound_to_one_field_is_checked_against_that_field() -> None:
    assert check(UPDATE_CONFIG, {"sample_rate": 250}, verb="PATCH") is None
    found = check(UPDATE_CONFIG, {"sample_rate": 250, "device_id": "dev_1"}, verb="PATCH")
    assert found is not None
    assert found.path == "device_id"  # a field of the request, not of its body


def test_free_form_and_single_value_well_known_types_are_not_entered() -> None:
    registered = {"name": "a", "type": "synthetic", "params": {"anything": {"goes": [1]}}}
    assert check("/neurogate.v1.DeviceControl/RegisterDevice", registered) is None
    filtered = {"data": [[1, 2], [3, {"x": 1}]], "sample_rate": 250}
    assert check(FILTER, filtered) is None


def test_map_values_of_scalars_take_any_key() -> None:
    body = {"expected_proportions": {"anything": 0.5, "else": 0.5}}
    assert check(T_TEST, body) is None


def test_map_values_that_are_messages_are_checked_with_the_key_in_the_path() -> None:
    checker = only(analysis_pb2.AnalysisDescriptiveResponse.DESCRIPTOR)
    assert check("/x.Y/Z", {"results": {"a": {"mean": 1}}}, checker=checker) is None
    found = check("/x.Y/Z", {"results": {"a b": {"average": 1}}}, checker=checker)
    assert found is not None
    assert found.path == 'results["a b"].average'


def test_oneof_members_are_fields_like_any_other() -> None:
    checker = only(device_control_pb2.ControlRequest.DESCRIPTOR)
    assert check("/x.Y/Z", {"start": {"config": {"sample_rate": 1}}}, checker=checker) is None
    found = check("/x.Y/Z", {"start": {"config": {"rate": 1}}}, checker=checker)
    assert found is not None
    assert found.path == "start.config.rate"


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"{not json", b"[1, 2]", b'"text"', b"null", b"[" * 100_000 + b"]" * 100_000],
)
def test_bodies_that_are_not_json_objects_are_left_to_the_transcoder(body: bytes) -> None:
    assert check(T_TEST, body) is None


def test_values_of_the_wrong_json_type_are_left_to_the_transcoder() -> None:
    assert check(FILTER, {"filters": {"type": "notch"}}) is None
    assert check(FILTER, {"filters": ["notch"]}) is None


def test_a_deeply_nested_body_of_a_recursive_message_does_not_exhaust_the_stack() -> None:
    # DescriptorProto nests itself (nested_type), as a recursive API message would.
    checker = only(descriptor_pb2.DescriptorProto.DESCRIPTOR)
    depth = 400  # 800 JSON levels: about as deep as Python's JSON parser goes
    text = '{"nested_type":[' * depth + '{"oops":1}' + "]}" * depth
    found = checker.check("/x.Y/Z", "POST", text.encode())
    assert found is not None
    assert found.path == "nested_type[0]." * depth + "oops"


def test_a_large_unknown_value_is_bounded_in_the_envelope() -> None:
    found = check(T_TEST, {"mu": "x" * 100_000})
    assert found is not None
    rendered = envelope_json(found.error(), "req_1")
    assert len(rendered) < 4000
    assert json.loads(rendered)["error"]["details"]["parameter"] == "mu"
