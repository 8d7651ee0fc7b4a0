"""`PrefixFold` gives what a fold from the start gives, whatever happened to the list between
calls; the local model's input count, which uses it, is the count over the whole request."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from pidgin_tui.core.prefix_fold import PrefixFold
from pidgin_tui.core.provider import ProviderRequest, UsageChunk
from pidgin_tui.core.types import AgentId, ChatMessage
from pidgin_tui.providers.local import LocalProvider, estimate_tokens

_message = st.builds(ChatMessage, st.sampled_from(["user", "assistant"]),
                     st.text(alphabet="ab é", max_size=5))
_step = st.one_of(
    st.tuples(st.just("append"), st.lists(_message, min_size=1, max_size=3)),
    st.tuples(st.just("merge_last"), st.text(alphabet="xy", max_size=3)),
    st.tuples(st.just("drop_oldest"), st.integers(1, 3)),
    st.tuples(st.just("replace_at"), st.tuples(st.integers(0, 8), _message)),
    st.tuples(st.just("equal_copy"), st.none()),
)


def history_edit(messages: list[ChatMessage], kind: str, arg: object) -> list[ChatMessage]:
    """`messages` changed as a conversation's history is between two requests (a new list
    each call, as the Router makes); an unknown `kind` leaves them as they were."""
    messages = list(messages)
    if kind == "append":
        messages.extend(arg)  # type: ignore[call-overload]
    elif kind == "merge_last" and messages:
        messages[-1] = ChatMessage(messages[-1].role, f"{messages[-1].content}\n\n{arg}")
    elif kind == "drop_oldest":
        del messages[:arg]  # type: ignore[misc]
    elif kind == "replace_at" and messages:
        index, message = arg  # type: ignore[misc]
        messages[index % len(messages)] = message
    elif kind == "equal_copy":
        messages = [ChatMessage(m.role, m.content) for m in messages]
    return messages


def _fold_whole(messages: list[ChatMessage]) -> tuple[str, ...]:
    return tuple(f"{m.role}:{m.content}" for m in messages)


@settings(max_examples=300, deadline=None)
@given(st.lists(_message, max_size=4), st.lists(_step, min_size=1, max_size=25))
def test_the_fold_equals_a_fold_from_the_start(start: list[ChatMessage],
                                               steps: list[tuple[str, object]]) -> None:
    fold: PrefixFold[ChatMessage, tuple[str, ...]] = PrefixFold(
        (), lambda seen, m: (*seen, f"{m.role}:{m.content}"))
    messages = start
    assert fold(messages) == _fold_whole(messages)
    for kind, arg in steps:
        messages = history_edit(messages, kind, arg)
        assert fold(messages) == _fold_whole(messages)
    fold.restart(("again",))
    assert fold(messages) == ("again", *_fold_whole(messages))


async def _input_tokens(provider: LocalProvider, request: ProviderRequest) -> int:
    async for chunk in provider.stream(request):
        if isinstance(chunk, UsageChunk):
            return chunk.input_tokens
    raise AssertionError("no usage")


@settings(max_examples=60, deadline=None)
@given(st.lists(_message, max_size=4), st.lists(_step, min_size=1, max_size=12))
def test_the_local_model_counts_the_whole_request(start: list[ChatMessage],
                                                  steps: list[tuple[str, object]]) -> None:
    provider = LocalProvider()
    messages = start
    for kind, arg in [("equal_copy", None), *steps]:
        messages = history_edit(messages, kind, arg)
        request = ProviderRequest(model="instant", system="Be brief.", messages=messages,
                                  turn_number=2, agent_id=AgentId.A, seed=7)
        whole = estimate_tokens(request.system + "".join(m.content for m in messages))
        assert asyncio.run(_input_tokens(provider, request)) == whole + 4 * len(messages)
