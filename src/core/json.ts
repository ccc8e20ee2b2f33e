import type { Issue } from './issues.js';

/**
 * Parses JSON text; on a syntax error returns an issue that names the line and column
 * instead of throwing, so callers can report it with the rest of a document's issues.
 */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; issue: Issue } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    let where = '';
    if (position !== undefined) {
      const offset = Number(position);
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
    }
    const reason = message.replace(/^(?:JSON\.parse: )?/, '').replace(/ in JSON at position \d+.*$/s, '');
    return {
      ok: false,
      issue: {
        severity: 'error',
        code: 'invalid_json',
        path: '',
        message: `not valid JSON${where}: ${lowerFirst(reason)}`,
      },
    };
  }
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}
