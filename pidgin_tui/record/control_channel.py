"""The control channel of an experiment: requests to whichever process runs it, as files.

Any process (`pidgin-tui stop`, another app, a script) asks the process running an experiment
to do something by dropping a request file in `<experiment dir>/control/requests/`: a request
type (`stop`, `pause`, `resume`, `interject`, ...) and a JSON payload. The run session of the
process that runs the experiment (`experiments.session`) watches that folder, acts at the
run's next safe point, removes the request and writes a reply in `control/replies/`.

While a session watches, `control/listener.json` names its pid and host (`app` or `cli`), so a
sender knows whether anyone will answer; without a listener, a sender falls back to signals.

Requests are data, never code: the type is a short lower-case word, the payload a JSON object
of bounded size; the session refuses (with a reply) any type it has no handler for.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.core.events import utc_now
from pidgin_tui.core.files import write_atomic
from pidgin_tui.record.layout import (
    control_dir,
    control_listener_file,
    control_replies_dir,
    control_requests_dir,
)

MAX_REQUEST_BYTES = 64 * 1024
"""A request file larger than this is refused unread."""
REPLY_KEEP_S = 300.0
"""Replies nobody collected are removed this long after they were written, when the run ends."""
_TYPE = re.compile(r"^[a-z][a-z_]{0,31}$")


class BadRequest(ValueError):
    """A request that cannot be sent or read; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """One request to the process running an experiment."""

    request_id: str
    type: str
    payload: dict[str, Any] = field(default_factory=dict)
    requested_at: str = ""
    sender_pid: int | None = None


@dataclass(frozen=True, slots=True)
class ControlReply:
    """What the process running the experiment did with a request."""

    request_id: str
    type: str
    ok: bool
    outcome: str
    """One line for a person (e.g. `stopping 3 conversations`, `unknown request type`)."""
    by_pid: int | None = None
    pending: bool = False
    """Accepted but not carried out yet (an interjection waiting for its conversation's next
    safe point): a final reply replaces this one under the same request id."""


@dataclass(frozen=True, slots=True)
class Listener:
    pid: int
    host: str
    """`app` (the full-screen app, possibly with other experiments) or `cli` (`run`/`resume`)."""


def _check(type_: Any, payload: Any) -> dict[str, Any]:
    if not isinstance(type_, str) or not _TYPE.match(type_):
        raise BadRequest(f"not a request type: {type_!r}")
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise BadRequest("a request payload is a JSON object")
    return payload


def send_request(experiment_dir: Path, type_: str,
                 payload: dict[str, Any] | None = None) -> ControlRequest:
    """Drop a request for the process running `experiment_dir`; returns it (with its id)."""
    body = _check(type_, payload)
    request = ControlRequest(secrets.token_hex(6), type_, body, utc_now(), os.getpid())
    data = json.dumps({"request_id": request.request_id, "type": request.type,
                       "payload": request.payload, "requested_at": request.requested_at,
                       "sender_pid": request.sender_pid}, ensure_ascii=False).encode()
    if len(data) > MAX_REQUEST_BYTES:
        raise BadRequest(f"the request is larger than {MAX_REQUEST_BYTES // 1024} KiB")
    folder = control_requests_dir(experiment_dir)
    folder.mkdir(parents=True, exist_ok=True)
    # time first in the name: a listing sorted by name is the order the requests were sent
    write_atomic(folder / f"{time.time_ns():020d}_{request.request_id}.json", data,
                 durable=False)
    return request


def _request_files(experiment_dir: Path) -> list[Path]:
    try:
        names = sorted(entry.name for entry in os.scandir(control_requests_dir(experiment_dir))
                       if entry.name.endswith(".json") and not entry.name.startswith("."))
    except OSError:
        return []
    return [control_requests_dir(experiment_dir) / name for name in names]


def _read_request(path: Path) -> ControlRequest:
    if path.stat().st_size > MAX_REQUEST_BYTES:
        raise BadRequest(f"the request is larger than {MAX_REQUEST_BYTES // 1024} KiB")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"not a JSON request: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("a request is a JSON object")
    request_id = data.get("request_id")
    if not isinstance(request_id, str) or not re.fullmatch(r"[0-9a-f]{1,32}", request_id):
        raise BadRequest("a request needs a hex request_id")
    sender = data.get("sender_pid")
    return ControlRequest(request_id, str(data.get("type")), _check(data.get("type"),
                          data.get("payload")), str(data.get("requested_at") or ""),
                          sender if isinstance(sender, int) else None)


def take_requests(experiment_dir: Path) -> list[ControlRequest]:
    """The requests waiting for `experiment_dir`, oldest first, removed from the folder.

    An unreadable request file is answered with a refusal (under the id in its name) and removed.
    """
    taken = []
    for path in _request_files(experiment_dir):
        try:
            request = _read_request(path)
        except FileNotFoundError:
            continue
        except (OSError, BadRequest) as exc:
            request_id = path.stem.rpartition("_")[2]
            if re.fullmatch(r"[0-9a-f]{1,32}", request_id):
                _write_reply(experiment_dir, ControlReply(request_id, "?", False,
                                                          f"refused: {exc}", os.getpid()))
            path.unlink(missing_ok=True)
            continue
        path.unlink(missing_ok=True)
        taken.append(request)
    return taken


def _write_reply(experiment_dir: Path, reply: ControlReply) -> None:
    folder = control_replies_dir(experiment_dir)
    data = json.dumps({
        "request_id": reply.request_id, "type": reply.type, "ok": reply.ok,
        "outcome": reply.outcome, "by_pid": reply.by_pid, "pending": reply.pending,
        "answered_at": utc_now(),
    }, ensure_ascii=False).encode()
    for attempt in (1, 2):  # a sender tidying the empty folder may remove it in between
        folder.mkdir(parents=True, exist_ok=True)
        try:
            write_atomic(folder / f"{reply.request_id}.json", data, durable=False)
            return
        except FileNotFoundError:
            if attempt == 2:
                raise


def _remove_empty_folders(experiment_dir: Path) -> None:
    for folder in (control_requests_dir(experiment_dir), control_replies_dir(experiment_dir),
                   control_dir(experiment_dir)):
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass


def answer(experiment_dir: Path, request: ControlRequest, ok: bool, outcome: str, *,
           pending: bool = False) -> ControlReply:
    """Record what was done with a request taken by `take_requests` (`pending`: accepted, and
    a final reply follows)."""
    reply = ControlReply(request.request_id, request.type, ok, outcome, os.getpid(), pending)
    _write_reply(experiment_dir, reply)
    return reply


def read_reply(experiment_dir: Path, request_id: str, *,
               remove: bool = True) -> ControlReply | None:
    """The reply to a request, or None while there is none (collected: removed by default)."""
    path = control_replies_dir(experiment_dir) / f"{request_id}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if remove:
        path.unlink(missing_ok=True)
        if listener(experiment_dir) is None:
            _remove_empty_folders(experiment_dir)  # the run ended before its reply was read
    by = data.get("by_pid")
    return ControlReply(request_id, str(data.get("type")), bool(data.get("ok")),
                        str(data.get("outcome") or ""), by if isinstance(by, int) else None,
                        data.get("pending") is True)


def wait_for_reply(experiment_dir: Path, request_id: str, timeout_s: float,
                   poll_s: float = 0.05) -> ControlReply | None:
    """Poll for the reply to a request for up to `timeout_s` (blocking; not for an event loop)."""
    deadline = time.monotonic() + timeout_s
    while True:
        reply = read_reply(experiment_dir, request_id)
        if reply is not None or time.monotonic() >= deadline:
            return reply
        time.sleep(poll_s)


def listen(experiment_dir: Path, host: str) -> None:
    """Announce that this process answers the experiment's requests."""
    control_dir(experiment_dir).mkdir(parents=True, exist_ok=True)
    write_atomic(control_listener_file(experiment_dir), json.dumps(
        {"pid": os.getpid(), "host": host, "since": utc_now()}).encode(), durable=False)


def listener(experiment_dir: Path) -> Listener | None:
    """Who announced to answer requests (it may have died since: compare with the run's pid)."""
    try:
        data = json.loads(control_listener_file(experiment_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("pid") if isinstance(data, dict) else None
    if not isinstance(pid, int) or isinstance(pid, bool):
        return None
    return Listener(pid, str(data.get("host") or ""))


def stop_listening(experiment_dir: Path) -> None:
    """The run ended: refuse what is still waiting, withdraw the listener, tidy old replies."""
    for request in take_requests(experiment_dir):
        answer(experiment_dir, request, False, "the run had already ended")
    mine = listener(experiment_dir)
    if mine is not None and mine.pid == os.getpid():
        control_listener_file(experiment_dir).unlink(missing_ok=True)
    cutoff = time.time() - REPLY_KEEP_S
    try:
        for entry in os.scandir(control_replies_dir(experiment_dir)):
            if entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
    except OSError:
        pass
    _remove_empty_folders(experiment_dir)
