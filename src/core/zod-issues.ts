import type { z } from 'zod';
import { formatPath, type Issue } from './issues.js';

/** A structural problem reported by zod, translated to appscope's {@link Issue} shape. */
export interface StructuralIssue extends Issue {
  /** The path as segments, for callers that refine codes by location. */
  readonly segments: ReadonlyArray<string | number>;
  /** zod's own code, for callers that refine codes by kind. */
  readonly zodCode: string;
}

/**
 * Translates zod issues into appscope issues with stable codes:
 * `missing_field`, `unknown_field`, `invalid_type`, `empty_value`, `too_few_items`,
 * `invalid_format`, `invalid_value`. Always `severity: 'error'`.
 */
export function fromZodIssues(issues: ReadonlyArray<z.core.$ZodIssue>): StructuralIssue[] {
  const out: StructuralIssue[] = [];
  for (const issue of issues) {
    const segments = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const base = { severity: 'error' as const, zodCode: issue.code };
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const keySegments = [...segments, key];
          out.push({
            ...base,
            code: 'unknown_field',
            path: formatPath(keySegments),
            segments: keySegments,
            message: `unknown field \`${key}\``,
          });
        }
        break;
      case 'invalid_type': {
        const missing = issue.input === undefined;
        out.push({
          ...base,
          code: missing ? 'missing_field' : 'invalid_type',
          path: formatPath(segments),
          segments,
          message: missing
            ? `missing required field \`${String(segments.at(-1) ?? '')}\``
            : `expected ${issue.expected}, got ${describe(issue.input)}`,
        });
        break;
      }
      case 'too_small':
        out.push({
          ...base,
          code: issue.origin === 'array' ? 'too_few_items' : 'empty_value',
          path: formatPath(segments),
          segments,
          message:
            issue.origin === 'array'
              ? `must have at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`
              : 'must not be empty',
        });
        break;
      case 'invalid_format':
        out.push({
          ...base,
          code: 'invalid_format',
          path: formatPath(segments),
          segments,
          message: `\`${String(issue.input)}\` ${issue.message.replace(/^Invalid.*?:\s*/, '')}`,
        });
        break;
      case 'invalid_value':
        out.push({
          ...base,
          code: 'invalid_value',
          path: formatPath(segments),
          segments,
          message: `expected ${issue.values.map((v) => `\`${String(v)}\``).join(' or ')}, got ${describe(issue.input)}`,
        });
        break;
      case 'invalid_union':
        out.push({
          ...base,
          code: 'invalid_type',
          path: formatPath(segments),
          segments,
          message: `unexpected value ${describe(issue.input)}`,
        });
        break;
      default:
        out.push({ ...base, code: 'invalid', path: formatPath(segments), segments, message: issue.message });
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `\`${value.length > 60 ? `${value.slice(0, 57)}...` : value}\``;
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  return `\`${String(value)}\``;
}
