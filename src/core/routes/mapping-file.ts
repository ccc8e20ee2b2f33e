import { z } from 'zod';
import { AppscopeError } from '../../errors.js';
import { formatIssues, formatPath, type Issue } from '../issues.js';
import { parseJson } from '../json.js';
import { fromZodIssues } from '../zod-issues.js';
import type { ResourceMapping } from './mapping.js';

/**
 * The mapping file of `appscope routes generate` (docs/routes.md): a {@link ResourceMapping} as
 * JSON. Checked here for structure (every problem named with its JSON path); the generator then
 * checks it against the OpenAPI document and the catalog (gaps, stale rules, unknown permissions
 * with did-you-mean).
 */

const nonEmpty = z.string().min(1);
const permissionNames = z.union([nonEmpty, z.array(nonEmpty).min(1)]);

const resourcePermissions = z
  .strictObject({
    read: permissionNames.optional(),
    write: permissionNames.optional(),
    unavailable: nonEmpty.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.read === undefined && value.write === undefined && value.unavailable === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          'give `read`, `write` or both, or say in `unavailable` why the resource is not available to apps',
        params: { code: 'missing_unavailable_reason' },
      });
    }
  });

const ruleObject = z
  .strictObject({
    resource: nonEmpty.optional(),
    access: z.enum(['read', 'write']).optional(),
    anyOf: z.array(nonEmpty).min(1).optional(),
    unavailable: nonEmpty.optional(),
    note: nonEmpty.optional(),
  })
  .superRefine((value, ctx) => {
    const kinds = (['resource', 'anyOf', 'unavailable'] as const).filter((k) => value[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          kinds.length === 0
            ? 'a rule needs one of `resource`, `anyOf` or `unavailable` (or is a resource name as a string)'
            : `a rule has exactly one of \`resource\`, \`anyOf\` and \`unavailable\`, not ${kinds.map((k) => `\`${k}\``).join(' and ')}`,
        params: { code: 'invalid_rule' },
      });
    }
    if (value.access !== undefined && value.resource === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['access'],
        message: '`access` goes with `resource`',
        params: { code: 'invalid_rule' },
      });
    }
    if (value.note !== undefined && value.unavailable !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['note'],
        message: '`note` goes with `resource` or `anyOf`; `unavailable` is its own reason',
        params: { code: 'invalid_rule' },
      });
    }
  });

/** A rule is a resource name, or an object (see {@link RouteRule}). */
const routeRule = z.union([nonEmpty, ruleObject]);

const expansionRule = z
  .strictObject({
    anyOf: z.array(nonEmpty).min(1).optional(),
    unavailable: nonEmpty.optional(),
    note: nonEmpty.optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.anyOf === undefined) === (value.unavailable === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'an expansion rule has exactly one of `anyOf` and `unavailable`',
        params: { code: 'invalid_rule' },
      });
    }
  });

const operationKey = /^(GET|POST|PUT|PATCH|DELETE) \/\S*$/;

export const mappingFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'must be lowercase letters, digits, `.`, `_` or `-`' }),
  source: nonEmpty.optional(),
  resources: z.record(nonEmpty, resourcePermissions),
  paths: z
    .record(
      z.string().regex(/^\/\S*$/, { error: 'a path template starts with `/` and has no spaces' }),
      routeRule,
    )
    .optional(),
  operations: z
    .record(
      z
        .string()
        .regex(operationKey, { error: 'an operation is `METHOD /path/template`, e.g. `POST /v1/notes`' }),
      routeRule,
    )
    .optional(),
  expansions: z
    .record(z.string().regex(/^[^.\s]+\.[^\s]+$/, { error: 'an expansion is `type.field`' }), expansionRule)
    .optional(),
  supplement: z
    .strictObject({
      source: nonEmpty,
      paths: z.record(z.string(), z.record(z.string(), z.unknown())),
      schemas: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    })
    .optional(),
});

/** The result of {@link validateMappingFile}. */
export type MappingValidation =
  | { readonly ok: true; readonly mapping: ResourceMapping }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/**
 * Checks a parsed mapping file's structure; returns the mapping, or every problem with its path.
 * @example
 * const result = validateMappingFile(JSON.parse(text));
 * if (!result.ok) console.error(formatIssues(result.issues));
 */
export function validateMappingFile(document: unknown): MappingValidation {
  const parsed = mappingFileSchema.safeParse(document, { reportInput: true });
  if (parsed.success) {
    const { $schema: _schema, ...mapping } = parsed.data;
    return { ok: true, mapping: mapping as ResourceMapping };
  }
  const issues: Issue[] = [];
  const translate = (issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): void => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'custom') {
      const code = (issue.params as { code?: string } | undefined)?.code ?? 'invalid_value';
      issues.push({ severity: 'error', code, path: formatPath(path), message: issue.message });
      return;
    }
    if (issue.code === 'invalid_key') {
      const inner = issue.issues[0];
      issues.push({
        severity: 'error',
        code: 'invalid_key',
        path: formatPath(path),
        message: inner === undefined ? issue.message : inner.message,
      });
      return;
    }
    if (issue.code === 'invalid_union') {
      // An object rule: its own problems (the string branch cannot apply). Anything else: what a rule is.
      const input = (issue as { input?: unknown }).input;
      const objectBranch = issue.errors[1];
      if (
        typeof input === 'object' &&
        input !== null &&
        !Array.isArray(input) &&
        objectBranch !== undefined
      ) {
        for (const inner of objectBranch) translate(inner, path);
        return;
      }
      issues.push({
        severity: 'error',
        code: 'invalid_type',
        path: formatPath(path),
        message: 'a rule is a resource name (string) or an object with `resource`, `anyOf` or `unavailable`',
      });
      return;
    }
    for (const translated of fromZodIssues([{ ...issue, path: path as PropertyKey[] }])) {
      issues.push({
        severity: translated.severity,
        code: translated.code,
        path: translated.path,
        message: translated.message,
      });
    }
  };
  for (const issue of parsed.error.issues) translate(issue, []);
  return { ok: false, issues };
}

/**
 * Parses and validates mapping file text. Throws `ERR_ROUTE_MAPPING_INVALID` listing every problem.
 * @example
 * const mapping = parseMappingFile(readFileSync('mapping.json', 'utf8'), 'mapping.json');
 */
export function parseMappingFile(text: string, source = 'mapping'): ResourceMapping {
  const json = parseJson(text);
  const result: MappingValidation = json.ok
    ? validateMappingFile(json.value)
    : { ok: false, issues: [json.issue] };
  if (result.ok) return result.mapping;
  const n = result.issues.length;
  throw new AppscopeError(
    'ERR_ROUTE_MAPPING_INVALID',
    `mapping \`${source}\` is invalid (${n} problem${n === 1 ? '' : 's'}):\n${formatIssues(result.issues)}`,
    { issues: result.issues },
  );
}
