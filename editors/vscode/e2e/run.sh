#!/usr/bin/env bash
# The end-to-end test of the VS Code extension in a real VS Code, in one
# command from a plain clone: installs code-server, chromium and
# playwright-core (setup.sh; about 3 minutes the first time, then nothing),
# packages the extension, builds clawc unless CLAW_E2E_CLAWC names one, and
# runs e2e/test.js (about 1 minute). Screenshots go to e2e/artifacts/.
#
# Usage: editors/vscode/e2e/run.sh
#   CLAW_E2E_CLAWC=/path/to/clawc   use this clawc instead of building one
#   VSCODE_E2E=DIR                  where setup.sh installs (default ~/.cache/vscode-e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
extension=$(pwd)
repo=$(cd ../.. && pwd)

bash e2e/setup.sh
[ -d node_modules ] || npm ci
npm run package
version=$(node -p 'require("./package.json").version')

if [ -z "${CLAW_E2E_CLAWC:-}" ]; then
    (cd "$repo" && cargo build --locked --bin clawc)
    CLAW_E2E_CLAWC="${CARGO_TARGET_DIR:-$repo/target}/debug/clawc"
fi
export CLAW_E2E_CLAWC

. "${VSCODE_E2E:-${XDG_CACHE_HOME:-$HOME/.cache}/vscode-e2e}/env.sh"
NODE_PATH="$PLAYWRIGHT_DIR" node e2e/test.js "$extension/claw-$version.vsix"
