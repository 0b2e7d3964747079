"""The REST routes a descriptor set declares: every ``google.api.http``
binding of the API's methods, walked in one place for each reader (the
OpenAPI document, the unknown-field check).

Reads only the descriptor bytes, never the generated Python stubs, so that
``server/codegen.py`` can use it while it regenerates them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

API_PACKAGE = "neurogate.v1"
HTTP_VERBS = ("get", "put", "post", "delete", "patch")
_VARIABLE = re.compile(r"\{([^}=]+)(?:=[^}]*)?\}")


@dataclass(frozen=True)
class HttpBinding:
    """One binding of a method: the primary rule or an additional one."""

    #: ``<Service>_<Method>``, then ``_2``, ``_3``... for additional bindings.
    operation_id: str
    #: Lower-case HTTP verb.
    verb: str
    #: The path template as declared (``/v1/devices/{device_id}``).
    template: str
    service: ServiceDescriptor
    method: MethodDescriptor
    method_proto: descriptor_pb2.MethodDescriptorProto
    #: The ``google.api.HttpRule`` (``body``, ``response_body``...).
    rule: Any
    #: The method's ``(neurogate.v1.access)`` option.
    access: Any

    @property
    def grpc_path(self) -> str:
        """The gRPC path the transcoder forwards this binding to."""
        return f"/{self.service.full_name}/{self.method.name}"

    @property
    def path_fields(self) -> list[str]:
        """The request fields the path binds (dotted for nested ones)."""
        return _VARIABLE.findall(self.template)

    @property
    def path(self) -> str:
        """The template with each ``{name=pattern}`` variable as ``{name}``."""
        return _VARIABLE.sub(r"{\1}", self.template)


class DescriptorSet:
    """A serialized ``FileDescriptorSet`` loaded into a pool of its own."""

    def __init__(self, descriptor_set: bytes) -> None:
        self.files = list(descriptor_pb2.FileDescriptorSet.FromString(descriptor_set).file)
        self.pool = descriptor_pool.DescriptorPool()
        for file in self.files:
            self.pool.Add(file)
        # Options are parsed with this pool's own MethodOptions so that its
        # extensions (google.api.http, neurogate.v1.access) are recognised.
        self._method_options = message_factory.GetMessageClass(
            self.pool.FindMessageTypeByName("google.protobuf.MethodOptions")
        )
        self._http = self.pool.FindExtensionByName("google.api.http")
        self._access = self.pool.FindExtensionByName(f"{API_PACKAGE}.access")

    def _service_protos(
        self,
    ) -> Iterator[tuple[ServiceDescriptor, descriptor_pb2.ServiceDescriptorProto]]:
        for file in self.files:
            if file.package == API_PACKAGE:
                for proto in file.service:
                    yield self.pool.FindServiceByName(f"{file.package}.{proto.name}"), proto

    def services(self) -> Iterator[ServiceDescriptor]:
        """The API's services, in declaration order."""
        return (service for service, _ in self._service_protos())

    def bindings(self) -> Iterator[HttpBinding]:
        """Every binding of every API method with an HTTP rule."""
        for service, service_proto in self._service_protos():
            for method_proto in service_proto.method:
                yield from self._method_bindings(service, method_proto)

    def _method_bindings(
        self, service: ServiceDescriptor, method_proto: descriptor_pb2.MethodDescriptorProto
    ) -> Iterator[HttpBinding]:
        options = self._method_options.FromString(method_proto.options.SerializeToString())
        if not options.HasExtension(self._http):
            return
        rule = options.Extensions[self._http]
        method = service.methods_by_name[method_proto.name]
        for index, binding in enumerate([rule, *rule.additional_bindings], start=1):
            verb = binding.WhichOneof("pattern")
            if verb not in HTTP_VERBS:
                continue  # "custom" verbs are not used by this API
            yield HttpBinding(
                operation_id=f"{service.name}_{method.name}" + (f"_{index}" if index > 1 else ""),
                verb=verb,
                template=getattr(binding, verb),
                service=service,
                method=method,
                method_proto=method_proto,
                rule=binding,
                access=options.Extensions[self._access],
            )
