"""Control characters in rendered text never reach the terminal from the app.

Textual's `Content` and Rich's `Text` strip only BEL, BS, VT, FF and CR from the strings they are
built from; ESC and the rest of C0 and C1 pass through to the terminal, so a model reply, a name
or a file shown in the app could write the clipboard (OSC 52), retitle the window or clear the
screen. `make_control_codes_inert` widens both libraries' strip tables (each is one dict, bound
as a default argument, so it is widened in place) to every control character but newline and
tab. Every widget then shows untrusted text inert, whichever path brought it in; what is left of
a sequence (say `]52;c;...`) shows as plain text. Markup is separate: untrusted text is passed as
text (`Content`, `markup=False`) or through `textual.markup.escape`, never as markup.
"""

from __future__ import annotations

import rich.control
import textual.content

CONTROL_CODES: frozenset[int] = frozenset(
    [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])
"""Every C0 control but tab (0x09) and newline (0x0A), DEL and every C1 control."""


def make_control_codes_inert() -> None:
    """Widen Textual's and Rich's control-code strip tables (idempotent)."""
    for table in (textual.content._CONTROL_STRIP_TRANSLATE,
                  rich.control._CONTROL_STRIP_TRANSLATE):
        table.update(dict.fromkeys(CONTROL_CODES))
