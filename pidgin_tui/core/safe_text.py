"""Making untrusted text (model output, names, file contents) inert before it reaches a terminal.

A reply can carry escape sequences that write the clipboard (OSC 52), retitle the window, clear
the screen or hide text. `terminal_safe` removes every such sequence whole (its payload too) and
every remaining control character, keeping only newline and tab. The JSONL keeps the exact bytes;
this is for what is printed. Rich/Textual markup is a separate concern: plain `print` never
interprets it, and the app renders untrusted text as `Content`/`Text`, never as markup.
"""

from __future__ import annotations

import re

# ESC/C1 sequences, longest forms first. String sequences (OSC, DCS, SOS, PM, APC) run to their
# terminator (BEL or ST, in 7- or 8-bit form) or, when unterminated, to the end of the text.
_STRING_END = r"(?:\x07|\x1b\\|\x9c|\Z)"
_SEQUENCES = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?" + _STRING_END  # OSC DCS SOS PM APC
    + r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"          # CSI
    + r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"                                   # nF/Fp/Fe/Fs, lone ESC
)
# Every C0 control but tab and newline, DEL and every C1 control.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A lone surrogate (from JSON such as "\ud800") cannot be encoded for any terminal.
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\n\t]")
# Legal raw inside JSON strings (json.dumps escapes only C0), yet acted on by terminals.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def terminal_safe(text: str, *, single_line: bool = False) -> str:
    """`text` with escape sequences and control characters removed (newline and tab kept).

    With `single_line`, newlines and tabs become spaces too, for table cells and names.
    """
    if not text:
        return text
    if text.isprintable() and not single_line:
        return text  # the common case: nothing to remove (isprintable is false for \n and \t)
    cleaned = _SEQUENCES.sub("", text)
    cleaned = _CONTROLS.sub("", cleaned)
    cleaned = _SURROGATES.sub("\ufffd", cleaned)
    if single_line:
        cleaned = _LINE_BREAKS.sub(" ", cleaned)
    return cleaned


def inert_json(encoded: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with DEL, C1 controls and line
    separators escaped as `\\uXXXX`: the same JSON value, inert on a terminal. Such characters
    can only occur inside JSON strings, where the escape means the same character."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)
