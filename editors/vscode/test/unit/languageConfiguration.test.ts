// Unit tests of language-configuration.json: the word pattern (what
// double-click selects, what the editor's word-based features see) and the
// indentation rules, read the way VS Code reads them.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const configuration = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'language-configuration.json'), 'utf8'));

function words(text: string): string[] {
  return text.match(new RegExp(configuration.wordPattern, 'g')) ?? [];
}

test('a kebab-case name is one word, and so is a %-escaped name', () => {
  assert.deepEqual(words('get-HTTP-status - counter-s32'), ['get-HTTP-status', 'counter-s32']);
  assert.deepEqual(words('%type a-b'), ['%type', 'a-b']);
});

test('a hyphen before a digit is subtraction, not part of a word', () => {
  assert.deepEqual(words('x-1 + a - b'), ['x', '1', 'a', 'b']);
});

test('number literals are words', () => {
  assert.deepEqual(words('0x2a 0b101 1_000 2.5e-3'), ['0x2a', '0b101', '1_000', '2.5e-3']);
});

test('the word pattern never matches the empty string', () => {
  assert.equal(new RegExp(configuration.wordPattern).test(''), false);
});

test('indentation grows after an open bracket and shrinks at a closing one', () => {
  const increase = new RegExp(configuration.indentationRules.increaseIndentPattern);
  const decrease = new RegExp(configuration.indentationRules.decreaseIndentPattern);
  assert.ok(increase.test('export func run() -> u32 {'));
  assert.ok(increase.test('let xs = ['));
  assert.ok(!increase.test('if x { return 1; }'));
  assert.ok(decrease.test('    }'));
  assert.ok(decrease.test('] ;'));
  assert.ok(!decrease.test('x = 1;'));
});

test('comments and brackets are declared', () => {
  assert.deepEqual(configuration.comments, { lineComment: '//', blockComment: ['/*', '*/'] });
  const pairs = configuration.autoClosingPairs.map((p: { open: string }) => p.open);
  for (const open of ['{', '[', '(', '"', '\'']) assert.ok(pairs.includes(open), open);
});
