// Unit tests of the scanner behind the "Run test" code lens.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { findTests, unescapeString } from '../../src/testItems';

test('finds top-level tests with their positions', () => {
  const source = [
    'test component "calc.wasm";',
    '',
    'test "divides" {',
    '    assert div(6, 3) == 2;',
    '}',
    '  test   "dividing by zero traps" traps { div(1, 0); }',
    'test "reverses" (text: string) { assert reverse(reverse(text)) == text; }',
  ].join('\n');
  assert.deepEqual(findTests(source), [
    { name: 'divides', line: 2, character: 0 },
    { name: 'dividing by zero traps', line: 5, character: 2 },
    { name: 'reverses', line: 6, character: 0 },
  ]);
});

test('skips comments, strings, chars, nested blocks and `test` as a name', () => {
  const source = [
    '// test "in a line comment" {}',
    '/* test "in a block" /* nested */ test "still in it" */',
    'let s = "test \\"x\\" { test \\"y\\" }";',
    'let c = \'"\'; let test = 1;',
    'mock a:b/c { func f() { test "inside a block" } }',
    'func test-it() { let x = {test: 1}; }',
    'export func test() -> u32 { test }',
    'test "real" {}',
  ].join('\n');
  assert.deepEqual(findTests(source).map((t) => t.name), ['real']);
});

test('unescapes names and leaves out interpolated ones', () => {
  const source = 'test "say \\"hi\\"\\t\\u{1F600}" {}\ntest "not \\{a} name" {}\ntest "x\\\\{y}" {}';
  assert.deepEqual(findTests(source).map((t) => t.name), ['say "hi"\t\u{1F600}', 'x\\{y}']);
});

test('columns are UTF-16 code units, lines count every newline', () => {
  const source = '/* 😀 */ test "a" {}\r\ntest "b" {}';
  assert.deepEqual(findTests(source), [
    { name: 'a', line: 0, character: 9 },
    { name: 'b', line: 1, character: 0 },
  ]);
});

test('an unterminated string or comment ends the scan without a test', () => {
  assert.deepEqual(findTests('test "never closed {'), []);
  assert.deepEqual(findTests('/* test "x" {}'), []);
});

test('unescapeString handles every escape of the lexer', () => {
  assert.equal(unescapeString('a\\nb\\rc\\td\\0e\\\\f\\"g\\\'h\\u{4_1}'), 'a\nb\rc\td\0e\\f"g\'hA');
  assert.equal(unescapeString('\\{x}'), undefined);
  assert.equal(unescapeString('bad \\q kept'), 'bad \\q kept');
});
