"""``multipart/form-data`` bodies, as the REST upload sends them, split into
text fields and files.

Envoy hands the gRPC server the raw body and its content type; this module
runs python-multipart's streaming parser over it, which searches for the
boundary in C-speed ``bytes.find`` steps, so a 50 MB file part is cheap.
A part with a ``filename`` parameter is a file, any other part a UTF-8 text
field. A name used by two parts is refused rather than one silently winning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from neurogate.server.errors import InvalidParameter

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks


@dataclass(frozen=True)
class UploadedFile:
    """A file part: its client-side name, declared type ("" if none) and bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Form:
    """A parsed form: text fields and files, each by part name."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


def parse_form(body: bytes, content_type: str) -> Form:
    """The fields and files of a ``multipart/form-data`` ``body``.

    Raises InvalidParameter naming ``content_type`` when it is not
    multipart/form-data with a boundary, ``body`` when the body is malformed
    or truncated, and the field's name when a text field is not UTF-8.
    """
    mime, options = parse_options_header(content_type)
    if mime != b"multipart/form-data":
        raise InvalidParameter(
            "the request must be multipart/form-data",
            parameter="content_type",
            value=content_type,
        )
    boundary = options.get(b"boundary")
    if not boundary:
        raise InvalidParameter(
            "the multipart/form-data content type has no boundary parameter",
            parameter="content_type",
            value=content_type,
        )
    parts = _PartCollector()
    try:
        parser = MultipartParser(boundary, parts.callbacks())
    except FormParserError as exc:
        raise InvalidParameter(
            f"the multipart boundary is unusable: {exc}",
            parameter="content_type",
            value=content_type,
        ) from exc
    try:
        parser.write(body)
    except FormParserError as exc:
        raise InvalidParameter(
            f"the multipart body is malformed: {exc}",
            parameter="body",
        ) from exc
    if not parts.complete:
        raise InvalidParameter(
            "the multipart body ends before its closing boundary; it may be truncated",
            parameter="body",
        )
    return parts.form()


@dataclass
class _Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)


class _PartCollector:
    """Receives the parser's callbacks and assembles the parts."""

    def __init__(self) -> None:
        self.parts: list[_Part] = []
        self.complete = False
        self._header_name = bytearray()
        self._header_value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_end": self._end,
        }

    def form(self) -> Form:
        fields: dict[str, str] = {}
        files: dict[str, UploadedFile] = {}
        for index, part in enumerate(self.parts, start=1):
            name, filename = _disposition(part, index)
            if name in fields or name in files:
                raise InvalidParameter(
                    f"the form has more than one part named {name!r}", parameter=name
                )
            data = b"".join(part.chunks)
            if filename is None:
                fields[name] = _text_field(name, data)
            else:
                content_type = _header_text(part.headers.get("content-type", b""))
                files[name] = UploadedFile(filename, content_type, data)
        return Form(fields=fields, files=files)

    def _part_begin(self) -> None:
        self.parts.append(_Part())

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self.parts[-1].headers[name] = bytes(self._header_value).strip()
        self._header_name.clear()
        self._header_value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self.parts[-1].chunks.append(data[start:end])

    def _end(self) -> None:
        self.complete = True


def _disposition(part: _Part, index: int) -> tuple[str, str | None]:
    """The part's name and, for a file, its filename."""
    kind, options = parse_options_header(part.headers.get("content-disposition", b""))
    name = _header_text(options.get(b"name", b""))
    if kind != b"form-data" or not name:
        raise InvalidParameter(
            f"part {index} of the multipart body has no Content-Disposition form-data name",
            parameter="body",
            part=index,
        )
    filename = options.get(b"filename")
    return name, None if filename is None else _header_text(filename)


def _header_text(value: bytes) -> str:
    """Header bytes as text: browsers send UTF-8, older clients Latin-1."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _text_field(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidParameter(
            f"form field {name!r} is not valid UTF-8 (bad byte at offset {exc.start})",
            parameter=name,
            offset=exc.start,
        ) from exc
