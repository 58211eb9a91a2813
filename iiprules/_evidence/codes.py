"""The evidence contract in numbers: problem codes and input limits.

Codes are stable (tools match on them; people read the messages): ``IIP30x``
for reading a document, ``IIP31x`` for its shape against the evidence format,
``IIP32x`` for its fit with the rulesets judging it. The limits bound what one
evidence document may cost to read, so that an upload written to hurt (a
YAML alias bomb, a list of a million ids, a 50 MB name) is refused quickly
with a message saying which limit and by how much, instead of exhausting the
machine. They are far above anything an assessment needs: the largest ruleset
has a few hundred requirements.
"""

from __future__ import annotations

from typing import Final

# -- codes ----------------------------------------------------------------------------

#: The file cannot be read: missing, a folder, not UTF-8, empty.
UNREADABLE: Final = "IIP301"
#: The text is not valid YAML or JSON.
SYNTAX: Final = "IIP302"
#: A key is written twice in one mapping (the document would say two things).
DUPLICATE_KEY: Final = "IIP303"
#: A limit below is exceeded.
TOO_LARGE: Final = "IIP304"
#: A field that evidence does not have.
UNKNOWN_FIELD: Final = "IIP310"
#: A required field (or a fact without a default) is missing.
MISSING_FIELD: Final = "IIP311"
#: A value of the wrong type (a list where text is expected, and so on).
WRONG_TYPE: Final = "IIP312"
#: A date not written ``YYYY-MM-DD``, or no such day.
BAD_DATE: Final = "IIP313"
#: A requirement listed twice in one list.
DUPLICATE_ID: Final = "IIP314"
#: Two fields contradict each other (met and pending; an earlier assessment dated later).
CONFLICT: Final = "IIP315"
#: A requirement id the rulesets judging the evidence do not have.
UNKNOWN_ID: Final = "IIP320"
#: An id that evidence cannot list: an unnamed group, or met through a mapping.
NOT_LISTABLE: Final = "IIP321"
#: An unnamed-group count that is not a group, or more than the group holds.
BAD_COUNT: Final = "IIP322"
#: A fact the rulesets do not declare.
UNKNOWN_FACT: Final = "IIP323"
#: A level that none of the rulesets has.
UNKNOWN_LEVEL: Final = "IIP324"

#: Every evidence code with what it means, for the docs and the schemas.
CODES: Final[dict[str, str]] = {
    "IIP300": "malformed evidence (no more precise code applies)",
    UNREADABLE: "the file cannot be read",
    SYNTAX: "not valid YAML or JSON",
    DUPLICATE_KEY: "a key written twice in one mapping",
    TOO_LARGE: "a limit on evidence size is exceeded",
    UNKNOWN_FIELD: "a field that evidence does not have",
    MISSING_FIELD: "a required field or fact is missing",
    WRONG_TYPE: "a value of the wrong type",
    BAD_DATE: "a date not written YYYY-MM-DD, or no such day",
    DUPLICATE_ID: "a requirement listed twice",
    CONFLICT: "two fields contradict each other",
    UNKNOWN_ID: "a requirement id the rulesets do not have",
    NOT_LISTABLE: "an id that evidence cannot list (unnamed group, or met through a mapping)",
    BAD_COUNT: "an unnamed-group count that is not a group or is out of range",
    UNKNOWN_FACT: "a fact the rulesets do not declare",
    UNKNOWN_LEVEL: "a level that none of the rulesets has",
}

# -- limits ---------------------------------------------------------------------------

#: Largest evidence file read, in bytes.
MAX_FILE_BYTES: Final = 8 * 1024 * 1024
#: Most values in one document, counting every expansion of a YAML alias.
MAX_NODES: Final = 250_000
#: Deepest nesting of mappings and lists in one document.
MAX_DEPTH: Final = 32
#: Longest text value or key, in characters.
MAX_STRING_CHARS: Final = 100_000
#: Most items in one list: requirement ids in ``met`` or ``pending``, earlier assessments.
MAX_LIST_ITEMS: Final = 10_000

#: The limits by name, for the docs and the schemas.
LIMITS: Final[dict[str, int]] = {
    "MAX_FILE_BYTES": MAX_FILE_BYTES,
    "MAX_NODES": MAX_NODES,
    "MAX_DEPTH": MAX_DEPTH,
    "MAX_STRING_CHARS": MAX_STRING_CHARS,
    "MAX_LIST_ITEMS": MAX_LIST_ITEMS,
}
