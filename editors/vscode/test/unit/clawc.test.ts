// Unit tests of how the extension finds `clawc`.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findOnPath, resolveClawc } from '../../src/clawc';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'claw-vscode-'));
}

function executable(dir: string, name: string, mode = 0o755): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, mode);
  return file;
}

test('finds clawc on PATH, first directory first, skipping non-executables', { skip: process.platform === 'win32' }, () => {
  const a = tempDir();
  const b = tempDir();
  const c = tempDir();
  executable(a, 'clawc', 0o644);
  const inB = executable(b, 'clawc');
  executable(c, 'clawc');
  assert.equal(findOnPath('clawc', [a, '', b, c].join(':'), 'linux'), inB);
  assert.deepEqual(resolveClawc('', { PATH: [a, b].join(':') }), { kind: 'found', path: inB });
});

test('an empty setting with no clawc on PATH says so', () => {
  const result = resolveClawc('', { PATH: tempDir() });
  assert.equal(result.kind, 'not-found');
  assert.match(result.kind === 'not-found' ? result.message : '', /`clawc` was not found on PATH/);
});

test('a path setting is used as is, relative to the workspace folder', { skip: process.platform === 'win32' }, () => {
  const folder = tempDir();
  fs.mkdirSync(path.join(folder, 'bin'));
  const file = executable(path.join(folder, 'bin'), 'my-clawc');
  assert.deepEqual(resolveClawc(file, { PATH: '' }), { kind: 'found', path: file });
  assert.deepEqual(resolveClawc('bin/my-clawc', { PATH: '' }, folder), { kind: 'found', path: file });
  const missing = resolveClawc('/no/such/clawc', { PATH: '' });
  assert.equal(missing.kind, 'not-found');
  assert.match(missing.kind === 'not-found' ? missing.message : '', /claw\.server\.path setting names `\/no\/such\/clawc`/);
});

test('a bare command name in the setting is looked up on PATH', { skip: process.platform === 'win32' }, () => {
  const dir = tempDir();
  const file = executable(dir, 'clawc-nightly');
  assert.deepEqual(resolveClawc('clawc-nightly', { PATH: dir }), { kind: 'found', path: file });
  assert.equal(resolveClawc('clawc-other', { PATH: dir }).kind, 'not-found');
});
