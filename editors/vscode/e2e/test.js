// End-to-end test of the Claw extension in a real VS Code (code-server, see
// setup.sh), driven with Playwright through Debian's chromium. It installs
// the packaged .vsix into a fresh profile, opens a workspace of .claw files
// and checks what a user sees:
//
// Session "no clawc" (clawc not on PATH, no setting):
//   - the Claw language mode in the status bar;
//   - grammar colours: a keyword, a string, a name and a comment get four
//     different colours, and a kebab-case name is one token;
//   - the error notification saying clawc was not found;
//   - the "Run test" code lens above each test (it needs no server).
// Session "clawc" (claw.server.path set to $CLAW_E2E_CLAWC):
//   - Run test: clicking the lens runs `clawc test` in the terminal panel;
//   - when that clawc has the `lsp` command: an error squiggle and the
//     Problems count for a broken file, a hover and a completion item from
//     `clawc lsp`, and a hover again after Claw: Restart Language Server;
//     without it, the notification that this clawc has no `lsp`.
//
// Screenshots of every step go to $E2E_ARTIFACTS (default e2e/artifacts/).
// code-server is started by serve.sh in its own process group and stopped
// by its PID (the group) when the session ends, whether it passed or not.
//
// Usage: NODE_PATH=$PLAYWRIGHT_DIR node e2e/test.js EXTENSION.vsix
//   env: CLAW_E2E_CLAWC=/path/to/clawc (without it, only the "no clawc" session runs)
'use strict';
const { chromium } = require('playwright-core');
const { execFile, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const here = __dirname;
const artifacts = path.resolve(process.env.E2E_ARTIFACTS || path.join(here, 'artifacts'));
const vsix = path.resolve(process.argv[2] || '');
const clawc = process.env.CLAW_E2E_CLAWC ? path.resolve(process.env.CLAW_E2E_CLAWC) : undefined;

/** The workspace the test opens: a valid file, a broken one and a test file. */
const WORKSPACE = {
  'hello.claw': [
    '/// Adds one to `x`.',
    'export func add-one(x: u32) -> u32 {',
    '    let get-HTTP-status: u32 = x + 1;',
    '    return get-HTTP-status;',
    '}',
    '',
    '// Greets by name.',
    'export func greet(name: string) -> string {',
    '    return "hello, \\{name}";',
    '}',
    '',
  ].join('\n'),
  'broken.claw': [
    'export func broken() -> u32 {',
    '    return "not a number";',
    '}',
    '',
  ].join('\n'),
  'math.test.claw': [
    'func double(x: s32) -> s32 { x * 2 }',
    '',
    'test "doubles" {',
    '    assert double(2) == 4;',
    '}',
    '',
    'test "doubles negatives" {',
    '    assert double(-3) == -6;',
    '}',
    '',
    '// A name a shell would mangle: the lens passes it without one.',
    'test "-x \\"quoted\\" $HOME; done" {',
    '    assert double(0) == 0;',
    '}',
    '',
  ].join('\n'),
};

const results = [];
let screenshotCount = 0;

/** Runs one named check, recording its result; a failure does not stop the others. */
async function check(page, name, body) {
  const started = Date.now();
  try {
    const detail = await body();
    results.push({ name, ok: true, detail });
    console.log(`ok      ${name}${detail ? ` (${detail})` : ''} [${Date.now() - started} ms]`);
  } catch (error) {
    results.push({ name, ok: false, detail: String(error && error.message || error) });
    console.log(`FAILED  ${name}: ${String(error && error.message || error).split('\n')[0]}`);
    await screenshot(page, `failed-${name}`);
  }
}

async function screenshot(page, label) {
  const file = path.join(artifacts, `${String(++screenshotCount).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}.png`);
  await page.screenshot({ path: file }).catch(() => undefined);
  console.log(`        screenshot ${path.relative(process.cwd(), file)}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The code-server process groups running now, killed if the test is interrupted. */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of running) {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    process.exit(130);
  });
}

/** Starts code-server with serve.sh; resolves to { url, pid, profile }. */
function serve(folder, settings, env) {
  return freePort().then((port) => new Promise((resolve, reject) => {
    execFile('bash', [path.join(here, 'serve.sh'), vsix, folder, String(port)],
      { env: { ...env, SETTINGS_JSON: JSON.stringify(settings) }, timeout: 120000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`serve.sh failed: ${error.message}\n${stderr}`));
        const [url, pid, profile] = stdout.trim().split('\n').pop().split(' ');
        running.add(Number(pid));
        resolve({ url, pid: Number(pid), profile });
      });
  }));
}

/** The text of the extension's output channel, from the log files of code-server's profile. */
function clawLog(server) {
  const logs = path.join(server.profile, 'user', 'logs');
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'Claw Language Server.log') found.push(fs.readFileSync(full, 'utf8'));
    }
  };
  if (fs.existsSync(logs)) walk(logs);
  return found.join('\n');
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the code-server process group started by serve.sh, then removes its profile. */
async function stop(server) {
  if (!server) return;
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    try { process.kill(-server.pid, signal); } catch { /* already gone */ }
    for (let i = 0; i < 50 && alive(server.pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (!alive(server.pid)) break;
  }
  if (alive(server.pid)) console.log(`warning: code-server (PID ${server.pid}) did not stop`);
  else running.delete(server.pid);
  if (process.env.E2E_KEEP_PROFILE) console.log(`profile kept in ${server.profile}`);
  else fs.rmSync(server.profile, { recursive: true, force: true });
}

async function openWorkbench(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 90000 });
  return page;
}

/** Opens FILE from the explorer and waits for its text in the editor. */
async function openFile(page, file) {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first().click();
  await page.waitForFunction((name) => {
    const tab = document.querySelector('.tabs-container .tab.active');
    return tab && tab.textContent.includes(name) && document.querySelector('.monaco-editor .view-lines .view-line');
  }, file, { timeout: 30000 });
  await page.waitForTimeout(1000);
}

/** The visible editor's tokens: [text, colour] per span, line by line (Monaco renders spaces as U+00A0). */
function tokens(page) {
  return page.evaluate(() => [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')]
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .map((line) => [...line.querySelectorAll('span > span')].map((s) => [s.textContent.replace(/\u00a0/g, ' '), getComputedStyle(s).color])));
}

/** Moves the cursor to LINE:COLUMN (1-based) with Go to Line. */
async function goTo(page, line, column) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10000 });
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
}

async function notificationText(page, pattern, timeout = 30000) {
  const message = page.locator('.notification-toast .notification-list-item-message', { hasText: pattern }).first();
  await message.waitFor({ state: 'visible', timeout });
  return (await message.innerText()).trim();
}

/** Whether `clawc` has the `lsp` command (`clawc lsp --help` succeeds), as the extension checks. */
function hasLsp(executable) {
  try {
    execFileSync(executable, ['lsp', '--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function pathWithout(command) {
  return (process.env.PATH || '').split(':').filter((dir) => dir && !fs.existsSync(path.join(dir, command))).join(':');
}

async function sessionWithoutClawc(browser, folder) {
  console.log('\n# session: no clawc on PATH');
  const env = { ...process.env, PATH: pathWithout('clawc') };
  const server = await serve(folder, {}, env);
  console.log(`code-server PID ${server.pid} at ${server.url}`);
  let page;
  try {
    page = await openWorkbench(browser, server.url);
    await openFile(page, 'hello.claw');

    await check(page, 'language mode is Claw', async () => {
      const mode = page.locator('[id="status.editor.mode"]');
      await mode.waitFor({ timeout: 20000 });
      const text = (await mode.textContent()).trim();
      if (text !== 'Claw') throw new Error(`status bar language mode is "${text}"`);
      return text;
    });

    await check(page, 'grammar colours tokens', async () => {
      // The grammar loads after the first render: wait for `export` to be a token of its own.
      await page.waitForFunction(() => [...document.querySelectorAll('.view-line span > span')].some((s) => s.textContent === 'export'),
        undefined, { timeout: 20000 });
      const lines = await tokens(page);
      // A token's span may hold neighbours of the same colour (the string
      // and its `\{`), so a string is found by its start.
      const colourOf = (text) => {
        const token = lines.flat().find(([t]) => t.trim() === text || (text.startsWith('"') && t.startsWith(text)));
        if (!token) throw new Error(`no token "${text}" in ${JSON.stringify(lines.map((l) => l.map(([t]) => t)))}`);
        return token[1];
      };
      const keyword = colourOf('export');
      const string = colourOf('"hello, ');
      const name = colourOf('get-HTTP-status');
      const comment = colourOf('// Greets by name.');
      const distinct = new Set([keyword, string, name, comment]);
      if (distinct.size !== 4) {
        throw new Error(`keyword ${keyword}, string ${string}, name ${name}, comment ${comment} are not all different`);
      }
      return `keyword ${keyword}, string ${string}, kebab name ${name} (one token), comment ${comment}`;
    });
    await screenshot(page, 'hello-highlighted');

    await check(page, 'double-click selects a whole kebab-case name', async () => {
      await page.locator('.view-line span > span', { hasText: /^get-HTTP-status$/ }).first().dblclick();
      const selection = page.locator('[id="status.editor.selection"]');
      await page.waitForFunction(() => /\(15 selected\)/.test(document.querySelector('[id="status.editor.selection"]')?.textContent || ''),
        undefined, { timeout: 10000 });
      return (await selection.textContent()).trim();
    });

    await check(page, 'missing clawc is reported', async () =>
      notificationText(page, 'was not found on PATH'));
    await screenshot(page, 'clawc-not-found');

    await openFile(page, 'math.test.claw');
    await check(page, 'Run test code lens above each test', async () => {
      const lenses = page.locator('.codelens-decoration', { hasText: 'Run test' });
      await lenses.first().waitFor({ timeout: 20000 });
      const count = await lenses.count();
      if (count !== 3) throw new Error(`${count} Run test lenses, expected 3`);
      return `${count} lenses`;
    });
    await screenshot(page, 'test-file-code-lenses');
  } finally {
    if (page) await page.close().catch(() => undefined);
    await stop(server);
  }
}

async function sessionWithClawc(browser, folder) {
  const lsp = hasLsp(clawc);
  console.log(`\n# session: claw.server.path = ${clawc} (${lsp ? 'has' : 'has no'} \`lsp\`)`);
  const server = await serve(folder, { 'claw.server.path': clawc }, process.env);
  console.log(`code-server PID ${server.pid} at ${server.url}`);
  let page;
  try {
    page = await openWorkbench(browser, server.url);

    if (lsp) {
      await openFile(page, 'broken.claw');
      await check(page, 'diagnostic squiggle from clawc lsp', async () => {
        await page.waitForSelector('.editor-instance .monaco-editor .squiggly-error', { timeout: 30000 });
        return `${await page.locator('.editor-instance .monaco-editor .squiggly-error').count()} squiggle(s)`;
      });
      await check(page, 'Problems count in the status bar', async () => {
        const problems = page.locator('[id="status.problems"]');
        await page.waitForFunction(() => {
          const item = document.querySelector('[id="status.problems"]');
          return item && /Errors?: [1-9]/i.test(item.getAttribute('aria-label') || item.textContent);
        }, undefined, { timeout: 20000 });
        return (await problems.getAttribute('aria-label')) || (await problems.textContent());
      });
      await screenshot(page, 'broken-diagnostics');

      await openFile(page, 'hello.claw');
      await check(page, 'hover from clawc lsp', async () => {
        await page.locator('.view-line span > span', { hasText: /^add-one$/ }).first().hover();
        const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents').first();
        await hover.waitFor({ state: 'visible', timeout: 20000 });
        await page.waitForTimeout(500);
        const text = (await hover.textContent()).trim();
        if (!/u32/.test(text)) throw new Error(`hover says "${text}", expected the signature with u32`);
        return text.replace(/\s+/g, ' ').slice(0, 120);
      });
      await screenshot(page, 'hover');
      await page.keyboard.press('Escape');

      await check(page, 'completion from clawc lsp', async () => {
        await goTo(page, 8, 1);
        await page.keyboard.press('End');
        await page.keyboard.press('Enter');
        await page.keyboard.type('let n = add');
        await page.keyboard.press('Control+Space');
        const rows = page.locator('.suggest-widget.visible .monaco-list-row');
        await rows.first().waitFor({ timeout: 20000 });
        const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.textContent));
        if (!labels.some((l) => /add-one/.test(l))) throw new Error(`completion items: ${JSON.stringify(labels)}`);
        return labels.slice(0, 5).join(' | ');
      });
      await screenshot(page, 'completion');
      await page.keyboard.press('Escape');

      await check(page, 'Claw: Restart Language Server, then hover again', async () => {
        await page.keyboard.press('F1');
        await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
        await page.keyboard.type('Claw: Restart Language Server');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Restart Language Server' }).first().waitFor({ timeout: 10000 });
        await page.keyboard.press('Enter');
        await page.waitForTimeout(3000);
        await page.locator('.view-line span > span', { hasText: /^greet$/ }).first().hover();
        const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents').first();
        await hover.waitFor({ state: 'visible', timeout: 20000 });
        const text = (await hover.textContent()).trim();
        if (!/greet/.test(text) || !/string/.test(text)) throw new Error(`hover after the restart says "${text}"`);
        const starts = (clawLog(server).match(/Starting .* lsp/g) || []).length;
        if (starts !== 2) throw new Error(`the Claw output channel shows ${starts} server starts, expected 2`);
        return `2 server starts; ${text.replace(/\s+/g, ' ').slice(0, 120)}`;
      });
      await screenshot(page, 'hover-after-restart');
      await page.keyboard.press('Escape');
    } else {
      await openFile(page, 'hello.claw');
      await check(page, 'a clawc without lsp is reported', async () =>
        notificationText(page, 'has no `lsp` command'));
      await screenshot(page, 'clawc-without-lsp');
    }

    await openFile(page, 'math.test.claw');
    await check(page, 'Run test runs clawc test in the terminal', async () => {
      const lens = page.locator('.codelens-decoration a', { hasText: 'Run test' }).nth(2);
      await lens.waitFor({ timeout: 20000 });
      await lens.click();
      await page.waitForFunction(() => {
        const rows = document.querySelector('.terminal .xterm-rows');
        return rows && /test result: ok\. 1 passed, 0 failed; 2 filtered out/.test(rows.textContent.replace(/\u00a0/g, ' '));
      }, undefined, { timeout: 60000 });
      const text = (await page.locator('.terminal .xterm-rows').first().textContent()).replace(/\u00a0/g, ' ');
      if (!text.includes('test -x "quoted" $HOME; done ... ok')) throw new Error(`terminal: ${text}`);
      return 'test -x "quoted" $HOME; done ... ok; 1 passed, 2 filtered out';
    });
    await screenshot(page, 'run-test-terminal');

    await check(page, 'the setting is used throughout (no clawc-not-found message)', async () => {
      const stray = await page.locator('.notification-toast', { hasText: 'was not found on PATH' }).count();
      if (stray > 0) throw new Error('a "not found on PATH" notification appeared although claw.server.path is set');
    });
  } finally {
    if (page) await page.close().catch(() => undefined);
    await stop(server);
  }
}

async function main() {
  if (!fs.existsSync(vsix) || !vsix.endsWith('.vsix')) throw new Error(`usage: node e2e/test.js EXTENSION.vsix (got "${vsix}")`);
  fs.mkdirSync(artifacts, { recursive: true });
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'claw-e2e-workspace-'));
  for (const [name, text] of Object.entries(WORKSPACE)) fs.writeFileSync(path.join(folder, name), text);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    await sessionWithoutClawc(browser, folder);
    if (clawc) await sessionWithClawc(browser, folder);
    else console.log('\nCLAW_E2E_CLAWC is not set: the clawc session (Run test, LSP checks) is skipped');
  } finally {
    await browser.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(artifacts, 'results.json'), JSON.stringify(results, null, 2));
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${results.length - failed.length} passed, ${failed.length} failed; screenshots in ${artifacts}`);
  if (failed.length > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
