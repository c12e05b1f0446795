// Finds the `test "name"` items of a Claw file, for the "Run test" code
// lens, without the language server: a small scanner that skips comments,
// strings and chars and counts braces, so only top-level items count (the
// language reference, book/src/testing.md: a test is a top-level item
// `test "NAME" [(PARAMS)] [traps] { ... }`, and `test` is a keyword only
// directly before a string). This module does not import `vscode`, so it is
// unit-tested with plain Node.

/** A `test "name"` item found in a file. */
export interface TestItem {
  /** The test's name: its string literal, unescaped. */
  name: string;
  /** Where the `test` keyword is: a zero-based line... */
  line: number;
  /** ...and a zero-based column in UTF-16 code units, as in VS Code positions. */
  character: number;
}

const IDENTIFIER = /%?[a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z][a-zA-Z0-9]*)*/y;
const STRING = /"((?:[^"\\]|\\[\s\S])*)"/y;
const CHAR = /'(?:[^'\\\n]|\\[^\n])*'/y;
const WHITESPACE = /[ \t\r\n\f]*/y;

/**
 * The value of a string literal's inside, or `undefined` when it has an
 * interpolation (`\{...}`), which a test name cannot have. Unknown escapes
 * are kept as written; the compiler reports them.
 */
export function unescapeString(inside: string): string | undefined {
  let out = '';
  for (let i = 0; i < inside.length; i++) {
    const c = inside[i];
    if (c !== '\\' || i + 1 >= inside.length) {
      out += c;
      continue;
    }
    const next = inside[++i];
    switch (next) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case '\\': case '"': case '\'': out += next; break;
      case '{': return undefined;
      case 'u': {
        const match = /^\{([0-9a-fA-F_]{1,8})\}/.exec(inside.slice(i + 1));
        const code = match ? parseInt(match[1].replace(/_/g, ''), 16) : NaN;
        if (match && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) {
          out += String.fromCodePoint(code);
          i += match[0].length;
        } else {
          out += '\\u';
        }
        break;
      }
      default: out += '\\' + next;
    }
  }
  return out;
}

/** The top-level `test "name"` items of `text`, in source order. */
export function findTests(text: string): TestItem[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') lineStarts.push(i + 1);
  }
  const position = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid; else high = mid - 1;
    }
    return { line: low, character: offset - lineStarts[low] };
  };
  const sticky = (re: RegExp, at: number) => {
    re.lastIndex = at;
    return re.exec(text);
  };

  const tests: TestItem[] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      let nesting = 0;
      do {
        if (text.startsWith('/*', i)) { nesting++; i += 2; }
        else if (text.startsWith('*/', i)) { nesting--; i += 2; }
        else i++;
      } while (nesting > 0 && i < text.length);
    } else if (c === '"') {
      const string = sticky(STRING, i);
      i = string ? STRING.lastIndex : text.length;
    } else if (c === '\'') {
      i = sticky(CHAR, i) ? CHAR.lastIndex : i + 1;
    } else if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      depth = Math.max(0, depth - 1);
      i++;
    } else if (/[%a-zA-Z]/.test(c) && (i === 0 || !/[a-zA-Z0-9_]/.test(text[i - 1]))) {
      const word = sticky(IDENTIFIER, i);
      if (!word) { i++; continue; }
      i = IDENTIFIER.lastIndex;
      if (word[0] !== 'test' || depth !== 0) continue;
      const afterSpace = sticky(WHITESPACE, i) ? WHITESPACE.lastIndex : i;
      const string = text[afterSpace] === '"' ? sticky(STRING, afterSpace) : null;
      if (!string) continue;
      const name = unescapeString(string[1]);
      if (name !== undefined) tests.push({ name, ...position(word.index) });
      i = STRING.lastIndex;
    } else {
      i++;
    }
  }
  return tests;
}
