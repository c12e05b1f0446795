// Tokenizes every `.claw` file of the repository's examples/ and of the
// valid programs under tests/, and every ```claw block of the book that must
// compile, with the grammar, and fails when one leaves the grammar inside an
// unclosed region at its end (a runaway string, comment, block or type) or
// has a token scoped `invalid`. The fixtures in
// test/grammar/ check scopes in detail; this checks the grammar on real code.
//
// Usage: node test/corpus.js [FILE_OR_DIR...]
// (default: examples/, the valid programs under tests/, and book/src/)
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = __dirname;
const repo = path.resolve(here, '..', '..', '..');

/** The Claw sources under `entry`: `.claw` files, and the book's ```claw blocks. */
function clawSources(entry) {
  const stat = fs.statSync(entry);
  if (stat.isDirectory()) return fs.readdirSync(entry).sort().flatMap((name) => clawSources(path.join(entry, name)));
  if (entry.endsWith('.claw')) return [{ name: entry, text: fs.readFileSync(entry, 'utf8') }];
  if (entry.endsWith('.md')) return bookBlocks(entry);
  return [];
}

/**
 * The ```claw blocks of a book page that tests/book.rs compiles as whole
 * files or fragments (not `fails=` or `ignore` ones, which may hold code
 * that does not lex), with the `~` of hidden lines removed.
 */
function bookBlocks(file) {
  const blocks = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```claw([^`]*)$/.exec(lines[i].trim());
    if (!fence || /fails=|ignore/.test(fence[1])) continue;
    const start = i + 1;
    const body = [];
    for (i = start; i < lines.length && lines[i].trim() !== '```'; i++) body.push(lines[i].replace(/^(\s*)~/, '$1'));
    blocks.push({ name: `${file}:${start}`, text: body.join('\n') });
  }
  return blocks;
}

async function main() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.claw') return null;
      const file = path.join(here, '..', 'syntaxes', 'claw.tmLanguage.json');
      return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const grammar = await registry.loadGrammar('source.claw');
  const roots = process.argv.length > 2
    ? process.argv.slice(2)
    : ['examples', 'tests/run', 'tests/testing', 'tests/resources', 'tests/defined', 'tests/bindgen', 'book/src']
      .map((dir) => path.join(repo, dir))
      .filter((dir) => fs.existsSync(dir));
  const files = roots.flatMap(clawSources);
  let failures = 0;
  for (const { name: file, text } of files) {
    const lines = text.split(/\r?\n/);
    let stack = vsctm.INITIAL;
    const problems = [];
    lines.forEach((line, i) => {
      const result = grammar.tokenizeLine(line, stack);
      for (const token of result.tokens) {
        const invalid = token.scopes.find((s) => s.startsWith('invalid'));
        if (invalid) {
          problems.push(`${i + 1}:${token.startIndex + 1}: \`${line.slice(token.startIndex, token.endIndex)}\` is ${invalid}`);
        }
      }
      stack = result.ruleStack;
    });
    if (stack.depth !== 1) {
      problems.push(`the file ends inside an unclosed region (rule stack depth ${stack.depth})`);
    }
    if (problems.length > 0) {
      failures += 1;
      console.log(`✖ ${path.relative(repo, file)}`);
      for (const p of problems.slice(0, 5)) console.log(`    ${p}`);
    }
  }
  console.log(`${files.length - failures} of ${files.length} files and book blocks tokenized cleanly`);
  if (files.length === 0 || failures > 0) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
