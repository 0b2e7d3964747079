"""The one rule for every name or label a caller gives (device, dataset,
account, model and API key names, session experiment types and tags, marker
types): surrounding white space is dropped, and a name that holds a
character which could corrupt a log line, a terminal or a database row, or
disguise what the name says, is INVALID_PARAMETER naming the parameter.

Refused: control characters (C0 with NUL, CR, LF, tab and the ESC of ANSI
escapes; DEL; C1), line and paragraph separators, and invisible format
characters, among them the bidirectional embeddings, overrides and isolates
(U+202A-U+202E, U+2066-U+2069). Zero-width (non-)joiners stay allowed:
Persian and Indic scripts and emoji sequences need them.
"""

from __future__ import annotations

import unicodedata

from neurogate.server.errors import InvalidParameter

MAX_NAME_LENGTH = 200

#: Unicode categories refused: controls, format characters, line and
#: paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
#: Format characters that ordinary text needs.
_JOINERS = frozenset({"\u200c", "\u200d"})
#: How much of a refused name the error repeats.
_SHOWN = 50


def is_refused(character: str) -> bool:
    """True for a character no name may hold."""
    return unicodedata.category(character) in _REFUSED_CATEGORIES and character not in _JOINERS


def has_refused_characters(text: str) -> bool:
    return any(is_refused(character) for character in text)


def _shown(text: str) -> str:
    """``text`` as an error may repeat it: cut short, refused characters
    written as escapes."""
    head = "".join(f"\\u{ord(c):04x}" if is_refused(c) else c for c in text[:_SHOWN])
    return head + "..." if len(text) > _SHOWN else head


def checked_name(
    value: str,
    parameter: str,
    label: str,
    max_length: int = MAX_NAME_LENGTH,
    required: bool = False,
) -> str:
    """``value`` without surrounding white space (empty is allowed unless
    ``required``); ``label`` says what it is in the message ("a device name")."""
    name = value.strip()
    if required and not name:
        raise InvalidParameter(
            f"{label} must have 1 to {max_length} characters",
            parameter=parameter,
            value=name,
        )
    if len(name) > max_length:
        raise InvalidParameter(
            f"{label} has at most {max_length} characters (this one has {len(name)})",
            parameter=parameter,
            value=_shown(name),
            max_length=max_length,
        )
    refused = next((c for c in name if is_refused(c)), None)
    if refused is not None:
        raise InvalidParameter(
            f"{label} cannot contain control characters, line breaks or invisible "
            f"formatting characters (found U+{ord(refused):04X})",
            parameter=parameter,
            value=_shown(name),
            character=f"U+{ord(refused):04X}",
        )
    return name
