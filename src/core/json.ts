import { type ParseError, parse as parseLenient, printParseErrorCode } from 'jsonc-parser';
import type { Issue } from './issues.js';

/**
 * Parses JSON text; on a syntax error returns an `invalid_json` issue that names the line and
 * column (1-based) and what was expected there, instead of throwing, so callers can report it
 * with the rest of a document's issues. A leading byte-order mark is ignored.
 *
 * @example
 * parseJson('{"a": 1,}');
 * // { ok: false, issue: { code: 'invalid_json', message: 'not valid JSON at line 1, column 9: trailing comma before `}`', … } }
 */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; issue: Issue } {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(source) as unknown };
  } catch (error) {
    return { ok: false, issue: invalidJson(source, error) };
  }
}

function invalidJson(source: string, error: unknown): Issue {
  const issue = (message: string): Issue => ({ severity: 'error', code: 'invalid_json', path: '', message });
  if (source.trim() === '') return issue('not valid JSON: the text is empty');
  const errors: ParseError[] = [];
  parseLenient(source, errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  });
  const first = errors[0];
  if (first !== undefined) {
    return issue(`not valid JSON${where(source, first.offset)}: ${reason(source, first)}`);
  }
  // JSON.parse and the tolerant parser disagree (rare): fall back to JSON.parse's own words
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message)?.[1];
  const at = position === undefined ? '' : where(source, Number(position));
  const words = message.replace(/ in JSON at position \d+.*$/s, '');
  return issue(`not valid JSON${at}: ${lowerFirst(words)}`);
}

function where(source: string, offset: number): string {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}

function reason(source: string, error: ParseError): string {
  const found = source.slice(error.offset, error.offset + Math.max(1, Math.min(error.length, 20)));
  const atEnd = error.offset >= source.length;
  const previous = source.slice(0, error.offset).trimEnd().at(-1);
  switch (printParseErrorCode(error.error)) {
    case 'PropertyNameExpected':
      if (found.startsWith('}') && previous === ',') return 'trailing comma before `}`';
      if (found.startsWith("'")) return 'property names must use double quotes';
      return atEnd
        ? 'unexpected end of text, expected a property name'
        : 'expected a property name in double quotes';
    case 'ValueExpected':
      if (found.startsWith(']') && previous === ',') return 'trailing comma before `]`';
      if (found.startsWith("'")) return 'strings must use double quotes';
      return atEnd
        ? 'unexpected end of text, expected a value'
        : `expected a value, found \`${found.trim()}\``;
    case 'ColonExpected':
      return 'expected `:` after the property name';
    case 'CommaExpected':
      return 'expected `,` between items';
    case 'CloseBraceExpected':
      return atEnd ? 'unexpected end of text, expected `}`' : 'expected `,` or `}`';
    case 'CloseBracketExpected':
      return atEnd ? 'unexpected end of text, expected `]`' : 'expected `,` or `]`';
    case 'EndOfFileExpected':
      return 'unexpected text after the end of the JSON value';
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return 'comments are not allowed in JSON';
    case 'UnexpectedEndOfString':
      return 'unterminated string';
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return 'invalid number';
    case 'InvalidUnicode':
      return 'invalid unicode escape in string';
    case 'InvalidEscapeCharacter':
      return 'invalid escape character in string';
    case 'InvalidCharacter':
      return 'control characters in strings must be escaped';
    default:
      return `unexpected \`${found.trim()}\``;
  }
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}
