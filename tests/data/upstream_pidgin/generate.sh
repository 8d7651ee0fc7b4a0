#!/usr/bin/env bash
# Regenerates the upstream Pidgin fixtures by running upstream Pidgin 1.x itself (pidgin-ai from
# the package index) with its local test model, in a throwaway virtualenv. The folders beside this
# script were made this way (pidgin-ai 1.1.0) and are committed as upstream wrote them.
set -euo pipefail
work=$(mktemp -d)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pidgin-ai==1.1.0
cd "$work"
export HOME="$work/home" NO_COLOR=1
"$work/venv/bin/pidgin" run -a local:test -b local:test -t 4 -r 2 --name upstream-basic </dev/null
"$work/venv/bin/pidgin" run -a local:test -b local:test -t 6 -r 1 --name upstream-aware \
  -w research --awareness-b firm -p "What do lanterns and tides share?" --choose-names \
  --convergence-threshold 0.6 --convergence-action stop --temperature 0.7 </dev/null
echo "generated in $work/pidgin_output/experiments"
