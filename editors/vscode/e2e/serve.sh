#!/usr/bin/env bash
# Starts code-server on 127.0.0.1:PORT with a fresh profile (a new temporary
# directory), the given .vsix installed and FOLDER open. Prints one line on
# stdout: the workbench URL, the server's PID and the profile directory.
# The server leads its own process group: stop it with `kill -- -PID`, then
# remove the profile directory.
#
# SETTINGS_JSON, if set, is a JSON object of settings added to the defaults
# below (for example {"claw.server.path": "/path/to/clawc"}). They go into
# both the user and the machine settings: the extension host runs on the
# server side ("remote"), where a setting of machine scope, such as
# claw.server.path, is read from the machine settings only.
#
# Usage: serve.sh EXTENSION.vsix FOLDER PORT     (after setup.sh)
set -euo pipefail
VSIX=$1 FOLDER=$(cd "$2" && pwd) PORT=$3
ROOT=${VSCODE_E2E:-${XDG_CACHE_HOME:-$HOME/.cache}/vscode-e2e}
. "$ROOT/env.sh"
P=$(mktemp -d)
mkdir -p "$P/user/User" "$P/user/Machine" "$P/ext" "$P/xdg/config" "$P/xdg/data"
# Restricted Mode (workspace trust) would keep extensions from running.
# Word-based suggestions are off so that every completion item comes from
# the language server; the DOM terminal renderer lets the test read the
# terminal's text.
SETTINGS_JSON=${SETTINGS_JSON:-'{}'} node -e '
const defaults = { "security.workspace.trust.enabled": false, "workbench.startupEditor": "none",
  "chat.disableAIFeatures": true, "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false, "update.mode": "none",
  "editor.wordBasedSuggestions": "off", "terminal.integrated.gpuAcceleration": "off",
  "workbench.tips.enabled": false };
const settings = Object.assign(defaults, JSON.parse(process.env.SETTINGS_JSON));
require("fs").writeFileSync(process.argv[1], JSON.stringify(settings, null, 2));
require("fs").writeFileSync(process.argv[2], process.env.SETTINGS_JSON);
' "$P/user/User/settings.json" "$P/user/Machine/settings.json"
export XDG_CONFIG_HOME="$P/xdg/config" XDG_DATA_HOME="$P/xdg/data"
"$CODE_SERVER" --user-data-dir "$P/user" --extensions-dir "$P/ext" --install-extension "$VSIX" >"$P/install.log" 2>&1 || {
    cat "$P/install.log" >&2; rm -rf "$P"; exit 1; }
setsid "$CODE_SERVER" --auth none --bind-addr "127.0.0.1:$PORT" --user-data-dir "$P/user" --extensions-dir "$P/ext" \
    --disable-telemetry --disable-update-check --disable-workspace-trust "$FOLDER" >"$P/server.log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.5; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || {
    echo "code-server did not answer on port $PORT; see $P/server.log" >&2; kill -- "-$pid" 2>/dev/null; exit 1; }
echo "http://127.0.0.1:$PORT/?folder=$FOLDER $pid $P"
