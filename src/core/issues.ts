/**
 * Author-facing validation (catalogs, manifests) reports every problem it finds as an
 * {@link Issue}: a stable `code`, a `path` into the document, a message for people and,
 * where one exists, a suggestion ("did you mean `customer_read`?").
 */
export type Severity = 'error' | 'warning';

export interface Issue {
  readonly severity: Severity;
  /** Stable, snake_case identifier of the kind of problem; documented in docs/. */
  readonly code: string;
  /** Where the problem is, e.g. `permissions[2].permission`; `` for the whole document. */
  readonly path: string;
  /** Lowercase, no trailing period, user input in backticks. */
  readonly message: string;
  /** The likely intended value, when one can be guessed. */
  readonly suggestion?: string;
}

/** Joins path segments the way issues print them: `a.b[2].c`. */
export function formatPath(segments: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

export function hasErrors(issues: ReadonlyArray<Issue>): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/** One line per issue, for terminals: `error   unknown_permission  permissions[0].permission: …`. */
export function formatIssues(issues: ReadonlyArray<Issue>): string {
  return issues
    .map((issue) => {
      const where = issue.path === '' ? '' : `${issue.path}: `;
      const hint = issue.suggestion === undefined ? '' : ` (did you mean \`${issue.suggestion}\`?)`;
      const message = issue.message.includes('did you mean') ? issue.message : `${issue.message}${hint}`;
      return `${issue.severity.padEnd(7)} ${issue.code.padEnd(28)} ${where}${message}`;
    })
    .join('\n');
}
