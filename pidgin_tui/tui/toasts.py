"""Toasts and screenshots for the app: plain text, one toast per distinct problem.

Every toast is plain text: its message names files, models and errors, and square brackets in
them ("[keys]", "[/]") are shown as written, never parsed as markup, whoever raised it. A toast
repeating one still on screen (same title, severity and text) replaces it and counts
("Run failed · ×5"), so a burst of identical failures shows one toast, not a stack over the
panels. The palette's Screenshot saves to the downloads directory, or to the output root when
that directory does not exist, and its toast says where.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from platformdirs import user_downloads_path
from textual import events
from textual.app import App
from textual.notifications import Notification, Notify

ToastKey = tuple[str, str, str]
"""What makes two toasts the same problem: title, severity and message."""


def toast_key(notification: Notification) -> ToastKey:
    return notification.title, notification.severity, notification.message


def counted_title(title: str, count: int) -> str:
    """The title of a toast shown `count` times."""
    return f"{title} · ×{count}" if title else f"×{count}"


class ToastApp(App[int]):
    """An App whose repeated toasts coalesce and whose screenshots always land somewhere."""

    output_root: Path
    """Where a screenshot goes when the downloads directory does not exist (set by the app)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._toast_counts: dict[ToastKey, tuple[Notification, int]] = {}
        """The toast on screen for each distinct problem and how often it was raised."""
        self._screenshot_fallback = False

    def _on_notify(self, event: Notify) -> None:
        """Show the toast, replacing a live one for the same problem with a counted one."""
        event.prevent_default()  # App's own handler would add it a second time
        notification = replace(event.notification, markup=False)
        key = toast_key(notification)
        self._toast_counts = {k: v for k, v in self._toast_counts.items() if self._live(v[0])}
        shown = self._toast_counts.get(key)
        count = 1
        if shown is not None:
            count = shown[1] + 1
            self._unnotify(shown[0], refresh=False)
            notification = replace(notification, title=counted_title(notification.title, count))
        self._toast_counts[key] = (notification, count)
        self._notifications.add(notification)
        self._refresh_notifications()

    def _live(self, notification: Notification) -> bool:
        return not notification.has_expired and notification in self._notifications

    def action_help_quit(self) -> None:
        """ctrl+c says how to quit (Textual's own hint is markup)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit the app", title="Do you want to quit?")
                return

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Save to the downloads directory, or to the output root when there is none."""
        self._screenshot_fallback = False
        if path is None and not user_downloads_path().is_dir():
            try:
                self.output_root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self.notify(f"Could not save the screenshot: {exc}", title="Screenshot",
                            severity="error", markup=False)
                return None
            path = str(self.output_root)
            self._screenshot_fallback = True
        return super().deliver_screenshot(filename, path, time_format)

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        if event.name != "screenshot":
            return
        event.prevent_default()  # App's own toast would say it again, with less
        where = "" if event.path is None else f" to {event.path}"
        why = f" ({user_downloads_path()} does not exist)" if self._screenshot_fallback else ""
        self.notify(f"Saved the screenshot{where}{why}", title="Screenshot", markup=False)

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        if event.name != "screenshot":
            return
        event.prevent_default()
        self.notify(f"Could not save the screenshot: {event.exception}", title="Screenshot",
                    severity="error", markup=False)
