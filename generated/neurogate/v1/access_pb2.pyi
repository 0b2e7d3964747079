from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor
ACCESS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor

class MethodAccess(_message.Message):
    __slots__ = ("scope", "anonymous")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    scope: str
    anonymous: bool
    def __init__(self, scope: _Optional[str] = ..., anonymous: _Optional[bool] = ...) -> None: ...
