// Finds the `clawc` executable that the extension runs: the one the
// `claw.server.path` setting names, or else `clawc` on `PATH`. No `vscode`
// import, so this is unit-tested with plain Node.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Where `clawc` is, or why it could not be found. */
export type ClawcLocation =
  | { kind: 'found'; path: string }
  | { kind: 'not-found'; message: string };

/** Whether `file` exists, is a file, and (off Windows) is executable. */
function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Searches the directories of `pathVariable` (in the platform's `PATH`
 * syntax) for the executable `command`; on Windows also with each of
 * `PATHEXT`'s extensions. Returns its full path, or `undefined`.
 */
export function findOnPath(command: string, pathVariable: string | undefined, platform: NodeJS.Platform = process.platform, pathExt?: string): string | undefined {
  const separator = platform === 'win32' ? ';' : ':';
  const extensions = platform === 'win32' ? ['', ...(pathExt ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)] : [''];
  for (const dir of (pathVariable ?? '').split(separator)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = path.join(dir, command + extension);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Resolves the `claw.server.path` setting. Empty: `clawc` on `PATH`. A bare
 * command name (no slash): that name on `PATH`. Otherwise a path, with a
 * leading `~` for the home directory, relative paths taken from
 * `workspaceFolder` (when there is one).
 */
export function resolveClawc(setting: string, env: NodeJS.ProcessEnv, workspaceFolder?: string): ClawcLocation {
  const configured = setting.trim();
  const pathVariable = env.PATH ?? env.Path;
  if (configured === '' || !/[\\/]/.test(configured)) {
    const command = configured === '' ? 'clawc' : configured;
    const found = findOnPath(command, pathVariable, process.platform, env.PATHEXT);
    if (found) return { kind: 'found', path: found };
    return {
      kind: 'not-found',
      message: configured === ''
        ? 'Claw: `clawc` was not found on PATH, so the language server (`clawc lsp`) cannot start.'
        : `Claw: \`${configured}\` (the claw.server.path setting) was not found on PATH.`,
    };
  }
  let file = configured.startsWith('~') ? path.join(os.homedir(), configured.slice(1)) : configured;
  if (!path.isAbsolute(file) && workspaceFolder) file = path.join(workspaceFolder, file);
  if (isExecutable(file)) return { kind: 'found', path: file };
  return {
    kind: 'not-found',
    message: `Claw: the claw.server.path setting names \`${configured}\`, which is not an executable file.`,
  };
}
