#!/usr/bin/env bash
# Start the app in tmux at 120x40, press ctrl+r on the default form, wait, capture the pane and
# check that turns appear. Prints the captured screen. Exit 0 when the turns were seen.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-/work/venv/bin/python}"
session="pidgin-smoke-$$"
work="$(mktemp -d)"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT

tmux new-session -d -s "$session" -x 120 -y 40 \
  "cd '$here' && PIDGIN_CONFIG_DIR='$work/config' PIDGIN_OUTPUT_DIR='$work/out' \
   TEXTUAL_ANIMATIONS=none PYTHONPATH='$here' '$python' -m pidgin_tui; sleep 30"

wait_for() {  # wait_for TEXT SECONDS: poll the pane until TEXT shows up
  local text="$1" limit="$2" waited=0
  until tmux capture-pane -t "$session" -p | grep -q -- "$text"; do
    sleep 0.5; waited=$((waited + 1))
    if [ "$waited" -ge $((limit * 2)) ]; then
      echo "FAIL: '$text' did not appear within ${limit}s" >&2
      tmux capture-pane -t "$session" -p >&2
      return 1
    fi
  done
}

wait_for "Setup · design an experiment" 10
tmux send-keys -t "$session" C-r
wait_for "Live · conversation" 10
wait_for "Turn 2 / 10" 20
pane="$(tmux capture-pane -t "$session" -p)"
echo "$pane"
echo "---"
turns=$(grep -c "· turn [0-9]" <<<"$pane" || true)
echo "message headers visible: $turns"
grep -q "test (A) · turn 1" <<<"$pane" || { echo "FAIL: no turn-1 message" >&2; exit 1; }
grep -q "tokens in" <<<"$pane" || { echo "FAIL: no agent panel" >&2; exit 1; }

# quitting while the run goes on asks first; answer y and the run is stopped cleanly
tmux send-keys -t "$session" C-q
wait_for "Quit while experiments run?" 10
tmux send-keys -t "$session" y
sleep 3
manifest="$(find "$work/out" -name manifest.json | head -1)"
status="$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['status'])" "$manifest")"
echo "manifest status after quit: $status"
[ "$status" = "interrupted" ] || { echo "FAIL: expected interrupted" >&2; exit 1; }
after="$(tmux capture-pane -t "$session" -p | grep -v "^$" | tail -5 || true)"
if grep -qi "leak\|Traceback\|Error" <<<"$after"; then echo "FAIL: output after quitting:" >&2; echo "$after" >&2; exit 1; fi
echo "OK: turns streamed and the quit was recorded as interrupted"
