"""A small Chrome DevTools Protocol driver for headless Chromium: enough to load a page, type,
press keys, read what the page received and take screenshots.

Chromium is started with every host name resolving to nothing except 127.0.0.1, so a page can
never reach the internet (textual-serve's page asks for a web font; that request fails at once).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Keeps every byte of terminal output the page's websocket receives, decoded as UTF-8, so a test
# can read what the page drew (textual-serve renders into a canvas, whose text is not in the DOM).
CAPTURE_SCRIPT = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder("utf-8");
  window.__terminalOutput = "";
  function Capturing(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("message", (event) => {
      const keep = (buffer) => {
        window.__terminalOutput += decoder.decode(new Uint8Array(buffer), {stream: true});
      };
      if (event.data instanceof ArrayBuffer) keep(event.data);
      else if (event.data instanceof Blob) event.data.arrayBuffer().then(keep);
    });
    return socket;
  }
  Capturing.prototype = Native.prototype;
  for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Capturing[name] = Native[name];
  window.WebSocket = Capturing;
})();
"""

_ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                   r"|\x1b[()][0-9A-Za-z]|\x1b[=>78NOM]")

# (key, code, windowsVirtualKeyCode) for the keys the tests press.
KEYS: dict[str, tuple[str, str, int]] = {
    "Enter": ("Enter", "Enter", 13), "Tab": ("Tab", "Tab", 9), "Escape": ("Escape", "Escape", 27),
    "Backspace": ("Backspace", "Backspace", 8), "End": ("End", "End", 35),
    "Home": ("Home", "Home", 36), "ArrowDown": ("ArrowDown", "ArrowDown", 40),
    "ArrowUp": ("ArrowUp", "ArrowUp", 38),
    **{f"F{n}": (f"F{n}", f"F{n}", 111 + n) for n in range(1, 13)},
    **{c: (c, f"Key{c.upper()}", ord(c.upper())) for c in "abcdefghijklmnopqrstuvwxyz"},
}


def find_chromium() -> str | None:
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class Page:
    """One tab, driven through a flat DevTools session."""

    def __init__(self, browser: Browser, target_id: str, session_id: str) -> None:
        self.browser, self.target_id, self.session_id = browser, target_id, session_id

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.send(method, session_id=self.session_id, **params)

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                          awaitPromise=True)
        return reply.get("result", {}).get("value")

    def terminal_text(self) -> str:
        """Everything the page's terminal was sent so far, without escape sequences."""
        return strip_ansi(self.evaluate("window.__terminalOutput || ''") or "")

    def terminal_length(self) -> int:
        return int(self.evaluate("(window.__terminalOutput || '').length") or 0)

    def text_since(self, offset: int) -> str:
        raw = self.evaluate(f"(window.__terminalOutput || '').slice({int(offset)})") or ""
        return strip_ansi(raw)

    def press(self, name: str, *, ctrl: bool = False) -> None:
        key, code, vk = KEYS[name]
        modifiers = 2 if ctrl else 0
        text = "" if ctrl or len(key) > 1 else key
        if name == "Enter":
            text = "\r"
        for kind in ("keyDown", "keyUp"):
            params: dict[str, Any] = {"type": kind, "key": key, "code": code,
                                      "windowsVirtualKeyCode": vk, "modifiers": modifiers}
            if kind == "keyDown" and text:
                params["text"] = text
            self.send("Input.dispatchKeyEvent", **params)

    def focus_terminal(self) -> bool:
        """Give the terminal the keyboard (as a click on it would); False before it exists."""
        return bool(self.evaluate(
            "(() => { const input = document.querySelector('.xterm-helper-textarea');"
            " if (!input) return false; input.focus(); return document.activeElement === input;"
            " })()"))

    def type_text(self, text: str) -> None:
        self.send("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.browser.send("Target.closeTarget", targetId=self.target_id)


class Browser:
    """A headless Chromium process and its browser-level DevTools websocket."""

    def __init__(self, process: subprocess.Popen[str], socket: ClientConnection) -> None:
        self.process, self.socket = process, socket
        self._ids = itertools.count(1)

    def send(self, method: str, session_id: str | None = None, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session_id:
            message["sessionId"] = session_id
        self.socket.send(json.dumps(message))
        while True:  # events arrive between replies; nothing here needs them
            reply = json.loads(self.socket.recv(timeout=60))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def new_page(self, width: int = 1280, height: int = 800) -> Page:
        target_id = self.send("Target.createTarget", url="about:blank")["targetId"]
        session_id = self.send("Target.attachToTarget", targetId=target_id,
                               flatten=True)["sessionId"]
        page = Page(self, target_id, session_id)
        page.send("Page.enable")
        page.send("Runtime.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        page.send("Emulation.setFocusEmulationEnabled", enabled=True)
        page.send("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_SCRIPT)
        return page


@contextmanager
def chromium(executable: str) -> Iterator[Browser]:
    """Start headless Chromium with a throwaway profile; always ends the process."""
    with tempfile.TemporaryDirectory(prefix="pidgin-chromium-",
                                     ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [executable, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update",
             "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            url = _devtools_url(process)
            assert process.stderr is not None
            threading.Thread(target=process.stderr.read, daemon=True).start()  # never let it block
            with connect(url, max_size=None, open_timeout=30) as socket:
                yield Browser(process, socket)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _devtools_url(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return found.group(1)
    raise RuntimeError("chromium did not start its DevTools endpoint:\n" + "".join(seen[-20:]))
