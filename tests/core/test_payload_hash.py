"""The recorded payload hash: its value is part of the record, and the Conductor's incremental
chain must give exactly it for every request, whatever happened to the history in between."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from pidgin_tui.core.payload_hash import PayloadChain, payload_sha256
from pidgin_tui.core.provider import ProviderRequest
from pidgin_tui.core.types import ChatMessage
from tests.core.test_prefix_fold import history_edit

SAMPLE = ProviderRequest(
    model="instant", system="You are A.",
    messages=[ChatMessage("user", "Hello"), ChatMessage("assistant", "Hi — there"),
              ChatMessage("user", "ünïcode 🌱")],
    temperature=0.7, max_output_tokens=256, think=True, think_budget=1024)


def test_the_hash_is_the_released_one() -> None:
    # Digests of releases 1-3: a rebuilt request is checked against recorded hashes.
    assert payload_sha256(SAMPLE) == \
        "ed4c90d926cc24bffd47ac7f1e69129795f0bab37606ed62370a6cf27386e7fc"
    assert payload_sha256(ProviderRequest(model="m", system="", messages=[])) == \
        "46a08e26c7820b4cd88b180938ba5390c75a9552ceceb65048197847f7100302"


def test_the_chain_gives_the_released_hash() -> None:
    chain = PayloadChain()
    assert chain.hexdigest(SAMPLE) == payload_sha256(SAMPLE)
    assert chain.hexdigest(SAMPLE) == payload_sha256(SAMPLE)  # a retry of the same request


_text = st.text(alphabet="ab \n\0é🌱", max_size=6)
_message = st.builds(ChatMessage, st.sampled_from(["user", "assistant"]), _text)
_step = st.one_of(
    st.tuples(st.just("append"), st.lists(_message, min_size=1, max_size=3)),
    st.tuples(st.just("merge_last"), _text),        # the view merges a same-role entry
    st.tuples(st.just("drop_oldest"), st.integers(1, 3)),  # truncation
    st.tuples(st.just("replace_at"), st.tuples(st.integers(0, 8), _message)),  # any other change
    st.tuples(st.just("equal_copy"), st.none()),     # equal messages, other objects
    st.tuples(st.just("header"), st.sampled_from(["system", "temperature", "think"])),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_message, max_size=4), st.lists(_step, min_size=1, max_size=25))
def test_the_chain_equals_the_whole_hash_for_any_history(
        start: list[ChatMessage], steps: list[tuple[str, object]]) -> None:
    chain = PayloadChain()
    request = dataclasses.replace(SAMPLE, messages=list(start))
    assert chain.hexdigest(request) == payload_sha256(request)
    for kind, arg in steps:
        messages = history_edit(request.messages, kind, arg)  # a header change keeps them
        if kind == "header":
            changes = {"system": {"system": request.system + "!"},
                       "temperature": {"temperature": (request.temperature or 0) + 0.1},
                       "think": {"think": not request.think}}[arg]  # type: ignore[index]
            request = dataclasses.replace(request, **changes)
        request = dataclasses.replace(request, messages=messages)
        assert chain.hexdigest(request) == payload_sha256(request)
