// The Claw extension's entry point: starts the language server `clawc lsp`
// over stdio with vscode-languageclient, offers `Claw: Restart Language
// Server`, and puts a "Run test" code lens above every `test "name"` item
// that runs `clawc test FILE --filter=NAME` as a VS Code task. Highlighting
// (syntaxes/claw.tmLanguage.json) and the editing rules
// (language-configuration.json) need no code.

import { execFile } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { Executable, LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { ClawcLocation, resolveClawc } from './clawc';
import { findTests } from './testItems';

/** The language client's id: VS Code reads `claw.trace.server` because of it. */
const CLIENT_ID = 'claw';
const CLIENT_NAME = 'Claw Language Server';

let client: LanguageClient | undefined;
let extensionUri: vscode.Uri;
let outputChannel: vscode.LogOutputChannel;

/** Finds `clawc` as the settings say, for the folder of `uri` if given. */
function locateClawc(uri?: vscode.Uri): ClawcLocation {
  const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : vscode.workspace.workspaceFolders?.[0];
  const setting = vscode.workspace.getConfiguration('claw', uri).get<string>('server.path', '');
  return resolveClawc(setting, process.env, folder?.uri.fsPath);
}

/** Shows why `clawc` is missing, with a way to install it or change the setting. */
async function reportMissingClawc(message: string, withInstallHint = true): Promise<void> {
  const howToInstall = 'How to Install';
  const openSettings = 'Open Settings';
  const hint = withInstallHint ? ' Install it with `cargo install --path . --locked` in a Claw checkout, or set claw.server.path.' : '';
  const choice = await vscode.window.showErrorMessage(`${message}${hint}`, howToInstall, openSettings);
  if (choice === howToInstall) {
    await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(extensionUri, 'README.md'));
  } else if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'claw.server.path');
  }
}

/**
 * Whether `clawc` has the `lsp` command: `clawc lsp --help` exits with 0
 * when it does, and clap's usage error (exit code 2) when it does not. A
 * clawc older than the language server would otherwise be started, exit at
 * once, and leave only the client library's generic crash messages.
 */
function hasLspCommand(clawc: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(clawc, ['lsp', '--help'], { timeout: 10000 }, (error) => {
      // An exit code means clawc answered; anything else (a timeout, say)
      // is left for the language client to report.
      resolve(!error || typeof error.code !== 'number');
    });
  });
}

/** Starts `clawc lsp`; reports (and leaves `client` unset) when it cannot. */
async function startClient(): Promise<void> {
  const clawc = locateClawc();
  if (clawc.kind === 'not-found') {
    outputChannel.error(clawc.message);
    void reportMissingClawc(clawc.message);
    return;
  }
  if (!(await hasLspCommand(clawc.path))) {
    const message = `Claw: ${clawc.path} has no \`lsp\` command, so it cannot run the language server. It is older than the language server: install a newer clawc, or point claw.server.path at one.`;
    outputChannel.error(message);
    void reportMissingClawc(message, false);
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const executable: Executable = { command: clawc.path, args: ['lsp'], options: folder ? { cwd: folder } : {} };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'claw' },
      { scheme: 'untitled', language: 'claw' },
    ],
    outputChannel,
    // `clawc lsp` adds these WIT directories (relative to the workspace
    // root) to the bundled packages for every document.
    initializationOptions: { wit: vscode.workspace.getConfiguration('claw').get<string[]>('wit', []) },
  };
  const starting = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client = starting;
  try {
    outputChannel.info(`Starting ${clawc.path} lsp`);
    await starting.start();
  } catch (error) {
    client = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    const showOutput = 'Show Output';
    const choice = await vscode.window.showErrorMessage(
      `Claw: \`${clawc.path} lsp\` did not start (${reason}). Does this clawc have the \`lsp\` command?`,
      showOutput,
    );
    if (choice === showOutput) outputChannel.show();
    await starting.dispose().catch(() => undefined);
  }
}

/** Stops the running server, if any. */
async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop().catch(() => undefined);
    await running.dispose().catch(() => undefined);
  }
}

/** Shows "▶ Run test" above every top-level `test "name"` item. */
class TestCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('claw', document.uri).get<boolean>('testLens.enabled', true)) return [];
    return findTests(document.getText()).map((test) => {
      const range = new vscode.Range(test.line, test.character, test.line, test.character + 4);
      return new vscode.CodeLens(range, {
        title: '▶ Run test',
        tooltip: `clawc test --filter "${test.name}"`,
        command: 'claw.runTest',
        arguments: [document.uri.toString(), test.name],
      });
    });
  }
}

/**
 * Runs `clawc test FILE --filter=NAME` as a task in the terminal panel. The
 * filter keeps the tests whose names contain NAME. The process is started
 * without a shell, so the name needs no quoting; `--filter=` keeps a name
 * that starts with `-` from reading as an option.
 */
async function runTest(uriText: string, name: string): Promise<void> {
  const uri = vscode.Uri.parse(uriText);
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uriText);
  if (document?.isDirty) await document.save();
  const clawc = locateClawc(uri);
  if (clawc.kind === 'not-found') {
    await reportMissingClawc(clawc.message);
    return;
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const cwd = folder?.uri.fsPath ?? path.dirname(uri.fsPath);
  const relative = path.relative(cwd, uri.fsPath);
  const file = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : uri.fsPath;
  const task = new vscode.Task(
    { type: 'claw-test', file, filter: name },
    folder ?? vscode.TaskScope.Workspace,
    `test "${name}"`,
    'claw',
    new vscode.ProcessExecution(clawc.path, ['test', file, `--filter=${name}`], { cwd }),
    [],
  );
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true, panel: vscode.TaskPanelKind.Shared };
  await vscode.tasks.executeTask(task);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionUri = context.extensionUri;
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  const lenses = new TestCodeLensProvider();
  context.subscriptions.push(
    outputChannel,
    vscode.commands.registerCommand('claw.restartServer', async () => {
      await stopClient();
      await startClient();
    }),
    vscode.commands.registerCommand('claw.runTest', runTest),
    vscode.languages.registerCodeLensProvider({ language: 'claw' }, lenses),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('claw.testLens.enabled')) lenses.refresh();
      if (event.affectsConfiguration('claw.server.path') || event.affectsConfiguration('claw.wit')) {
        await stopClient();
        await startClient();
      }
    }),
  );
  // Not awaited: activation (and with it the grammar-independent features,
  // the commands and the code lens) does not wait for the server.
  void startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
