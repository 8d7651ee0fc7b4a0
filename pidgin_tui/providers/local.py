"""Built-in deterministic local models: no key, no network.

`local:test` streams at about 40 tokens/s, `local:instant` is the same model without delay,
`local:silent` always answers "…", and `local:fail-at-N` behaves like `instant` but fails when
asked for turn N, counted from 1 (for tests of error handling).
"""

from __future__ import annotations

import asyncio
import random
import re
import zlib
from collections.abc import AsyncIterator

from pidgin_tui.core.events import FIRST_TURN
from pidgin_tui.core.prefix_fold import PrefixFold
from pidgin_tui.core.provider import (
    ChatMessage,
    Chunk,
    FinishChunk,
    ProviderError,
    ProviderRequest,
    TextChunk,
    ThinkingChunk,
    UsageChunk,
)
from pidgin_tui.core.provider_table import adapter_name

TOKENS_PER_SECOND = 40.0
"""Streaming pace of `local:test`: close to a real model, so the live screen looks alive."""

FAIL_AT_PATTERN = re.compile(r"fail-at-([1-9][0-9]*)$")
"""`fail-at-N`: N is a turn as shown, from 1 (`fail-at-0` names no model)."""

_STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just let me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
really same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves i'm it's that's there's what's let's
something thing things much many well yes like together little shall
""".split())

_TOPICS = (
    "language", "memory", "patterns", "meaning", "silence", "rhythm", "curiosity", "structure",
    "metaphor", "attention", "echoes", "boundaries", "symmetry", "translation", "emergence",
    "ambiguity", "signal", "noise", "gardens", "rivers", "maps", "threads", "lanterns", "tides",
    "architecture", "music", "weather", "mirrors", "questions", "stories", "grammar", "play",
    "recursion", "horizons", "seeds", "bridges", "light", "distance", "context", "surprise",
)
_OPENERS = (
    "That's a fascinating point about {w}.",
    "I keep returning to what you said about {w}.",
    "You're right that {w} matters here.",
    "Interesting — {w} feels central to this.",
    "I hadn't considered {w} in that way.",
    "Let me build on the idea of {w}.",
    "There's something compelling about {w}.",
    "Your mention of {w} opens a new direction.",
)
_MIDDLES = (
    "Perhaps {w} and {v} are two views of the same process.",
    "When I think about {w}, I notice how it shapes {v}.",
    "It reminds me of how {v} emerges from small repeated choices.",
    "Maybe the real question is whether {w} can exist without {v}.",
    "I wonder if {v} is what gives {w} its texture.",
    "Consider how {w} changes once {v} enters the picture.",
    "In a way, {w} is a kind of {v} that we rarely name.",
    "Each exchange seems to fold {w} back into {v}.",
    "We could treat {w} as a map and {v} as the territory.",
    "Something about {v} keeps pulling the thread of {w} tighter.",
    "I suspect {w} is less a thing than a relationship with {v}.",
    "The more we talk about {w}, the more {v} seems to matter.",
)
_CLOSERS = (
    "What do you make of {w}?",
    "How does {w} look from where you stand?",
    "Shall we follow {w} a little further?",
    "I'm curious where {w} leads us next.",
    "Does {w} resonate with you too?",
    "Where would you take {w} from here?",
)
_THOUGHTS = (
    "They mentioned {w}; I should connect it to {v} without repeating myself.",
    "The conversation keeps circling {w}. Maybe introduce {v} as a contrast.",
    "I want to acknowledge {w} and then ask a question about {v}.",
)


def content_words(text: str) -> list[str]:
    """Lower-cased words worth echoing back: longer than three letters, not stopwords."""
    words = re.findall(r"[a-zA-Z][a-zA-Z'-]{3,}", text.lower())
    return [w for w in words if w not in _STOPWORDS]


def estimate_tokens(text: str) -> int:
    """Rough token count (~4 characters per token); the local models' usage estimate."""
    return tokens_for_chars(len(text))


def tokens_for_chars(chars: int) -> int:
    """`estimate_tokens` of a text of `chars` characters."""
    return max(1, (chars + 3) // 4) if chars else 0


def _add_chars(total: int, message: ChatMessage) -> int:
    return total + len(message.content)


_HISTORIES_KEPT = 256
"""Agents' histories whose character counts are kept (more in flight start over: still exact)."""


class LocalProvider:
    """The deterministic local model family (`local:*`)."""

    def __init__(self, fail_at_turns: frozenset[int] = frozenset(), fail_kind: str = "bad_request",
                 tokens_per_second: float | None = None) -> None:
        self.name = adapter_name(type(self))
        self.fail_at_turns = fail_at_turns
        self.fail_kind = fail_kind
        self.tokens_per_second = tokens_per_second
        self._history_chars: dict[tuple[int, str | None], PrefixFold[ChatMessage, int]] = {}
        """Characters of each agent's history so far (by seed and agent), so counting a
        request's input costs O(new messages)."""

    def _input_chars(self, request: ProviderRequest) -> int:
        key = (request.seed, request.agent_id)
        fold = self._history_chars.get(key)
        if fold is None:
            if len(self._history_chars) >= _HISTORIES_KEPT:
                self._history_chars.clear()
            fold = self._history_chars[key] = PrefixFold(0, _add_chars)
        return len(request.system) + fold(request.messages)

    def _delay_for(self, model: str) -> float:
        if self.tokens_per_second is not None:
            return 1.0 / self.tokens_per_second if self.tokens_per_second > 0 else 0.0
        return 1.0 / TOKENS_PER_SECOND if model == "test" else 0.0

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        fail_match = FAIL_AT_PATTERN.match(request.model)
        fail_turns = self.fail_at_turns | ({int(fail_match.group(1))} if fail_match else set())
        if request.turn_number in fail_turns:
            raise ProviderError(self.fail_kind, f"local model failed on purpose at turn "  # type: ignore[arg-type]
                                f"{request.turn_number}", status_code=400, provider="local")
        delay = self._delay_for(request.model)
        rng = random.Random(zlib.crc32(
            f"{request.seed}:{request.agent_id or ''}:{_turns_before(request)}".encode()))
        if request.model == "silent":
            thinking, reply = None, "…"
        else:
            thinking, reply = compose_reply(rng, request)
        if thinking and request.think:
            for piece in _pieces(thinking, fine=delay > 0):
                if delay:
                    await asyncio.sleep(delay)
                yield ThinkingChunk(piece)
        for piece in _pieces(reply, fine=delay > 0):
            if delay:
                await asyncio.sleep(delay)
            yield TextChunk(piece)
        input_chars = self._input_chars(request)
        output = estimate_tokens(reply)
        reasoning = estimate_tokens(thinking) if thinking and request.think else 0
        yield UsageChunk(input_tokens=tokens_for_chars(input_chars) + 4 * len(request.messages),
                         output_tokens=output + reasoning, reasoning_tokens=reasoning)
        yield FinishChunk("stop")


def _pieces(text: str, fine: bool) -> list[str]:
    """Word-sized pieces for lifelike streaming, sentence-sized ones when there is no delay."""
    if fine:
        return re.findall(r"\S+\s*|\s+", text)
    return re.findall(r"[^.!?\n]*[.!?\n]*\s*", text)[:-1] or [text]


def _turns_before(request: ProviderRequest) -> int:
    """Turns before the requested one: what the replies (and their random draws) depend on."""
    return max(0, request.turn_number - FIRST_TURN)


def compose_reply(rng: random.Random, request: ProviderRequest) -> tuple[str, str]:
    """Return (thinking, reply). Replies borrow more of the partner's words as turns go on."""
    before = _turns_before(request)
    partner_text = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    opening = request.messages[0].content if request.messages else ""
    echoable = set(_TOPICS) | {w for w in content_words(opening)
                               if len(w) >= 6 and not w.endswith(("es", "ed", "ing", "ly"))}
    borrowed = [w for w in dict.fromkeys(content_words(partner_text)) if w in echoable]
    borrow_p = min(0.9, 0.3 + 0.06 * before)

    def word() -> str:
        if borrowed and rng.random() < borrow_p:
            return rng.choice(borrowed)
        return rng.choice(_TOPICS)

    def fill(template: str) -> str:
        w = word()
        v = word()
        if v == w:
            v = rng.choice(_TOPICS)
        return template.format(w=w, v=v)

    partner_sentences = [x.strip() for x in re.split(r"(?<=[.!?])\s+", partner_text)
                         if len(x.split()) > 4 and not x.strip().endswith("?")]
    echo_p = min(0.8, 0.05 + 0.07 * before)

    def middle(template: str) -> str:
        # As a conversation goes on, agents increasingly repeat each other's sentences.
        if partner_sentences and rng.random() < echo_p:
            return rng.choice(partner_sentences)
        return fill(template)

    sentences = [fill(rng.choice(_OPENERS))]
    sentences += [middle(t) for t in rng.sample(_MIDDLES, rng.randint(1, 3))]
    if rng.random() < 0.75:
        sentences.append(fill(rng.choice(_CLOSERS)))
    if len(sentences) > 3 and rng.random() < 0.4:
        split = rng.randint(2, len(sentences) - 1)
        reply = " ".join(sentences[:split]) + "\n\n" + " ".join(sentences[split:])
    else:
        reply = " ".join(sentences)
    thinking = fill(rng.choice(_THOUGHTS))
    return thinking, reply
