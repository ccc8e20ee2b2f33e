import type { Catalog } from '../core/catalog/catalog.js';
import type { CompanionNote } from '../core/least-privilege/companion-notes.js';
import { compareWithManifest, type WiderPermission } from '../core/least-privilege/compare-with-manifest.js';
import { minimalSet } from '../core/least-privilege/minimal-set.js';
import { namedRequirements } from '../core/least-privilege/named-requirements.js';

/**
 * The least-privilege report that `appscope scan` and `appscope record` print: the calls found
 * (or observed) with what each requires, what could not be placed, the minimal set of
 * permissions for all of them, and — with a manifest — what it lacks and what it requests for
 * nothing. Computed by `minimalSet` and `compareWithManifest`; this file only assembles and
 * renders.
 */

/** A call the report covers: where it is (scan) or how often it was seen (record), and what it requires. */
export interface ReportCall {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly via: string;
  /** `METHOD /route/{template}` */
  readonly operation: string;
  readonly expand?: readonly string[];
  /** All-of groups, each the sorted any-of alternatives; an empty group: no permission allows it. */
  readonly requires: readonly (readonly string[])[];
  /** Recorded calls: how many times the program made it. */
  readonly count?: number;
}

/** Something that could not be placed, and why. */
export interface ReportUnresolved {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly via?: string;
  readonly code?: string;
  readonly reason: string;
}

/** The manifest side of the report. */
export interface ManifestReport {
  readonly path: string;
  readonly requested: readonly string[];
  /** The minimal addition that lets the manifest cover every call. */
  readonly missing: readonly string[];
  /** Requested permissions no call needs, directly or through what they imply. */
  readonly unused: readonly string[];
  /** Requested permissions another requested one implies. */
  readonly redundant: readonly string[];
  /** Requested permissions used only where something narrower would do. */
  readonly wider: readonly WiderPermission[];
}

export interface LeastPrivilegeReport {
  readonly calls: readonly ReportCall[];
  readonly unresolved: readonly ReportUnresolved[];
  /** The minimal set for every call: least effective access, then fewest names. */
  readonly permissions: readonly string[];
  /** Calls no permission an app can request allows (an endpoint or expansion not available to apps). */
  readonly unavailable: readonly { readonly operation: string; readonly reason: string }[];
  readonly companions: readonly CompanionNote[];
  readonly manifest?: ManifestReport;
}

/** A manifest's requested permissions, for {@link buildReport}. */
export interface RequestedPermissions {
  readonly path: string;
  readonly requested: readonly string[];
}

/**
 * Assembles the report. Ties between sets of the same effective access go to the permissions
 * the calls name (`invoice_read` for an invoice call, not `credit_note_read`, which it implies
 * and which implies it).
 * @example
 * const report = buildReport(catalog, scan.calls, scan.unresolved, { path: 'stripe-app.json', requested: ['customer_read'] });
 * report.manifest?.missing; // e.g. ['invoice_read']
 */
export function buildReport(
  catalog: Catalog,
  calls: readonly ReportCall[],
  unresolved: readonly ReportUnresolved[],
  manifest?: RequestedPermissions,
): LeastPrivilegeReport {
  const requirementOf = namedRequirements(catalog);
  const requirements = calls.map((call) => requirementOf(call.requires));
  const minimal = minimalSet(catalog, requirements, { prefer: 'named' });
  const unavailable: { operation: string; reason: string }[] = [];
  const seen = new Set<string>();
  calls.forEach((call) => {
    if (!call.requires.some((group) => !group.some((name) => catalog.has(name)))) return;
    if (seen.has(call.operation)) return;
    seen.add(call.operation);
    unavailable.push({ operation: call.operation, reason: 'no permission an app can request allows it' });
  });
  if (manifest === undefined) {
    return {
      calls,
      unresolved,
      permissions: minimal.permissions,
      unavailable,
      companions: minimal.companions,
    };
  }
  const comparison = compareWithManifest(catalog, manifest.requested, requirements, { prefer: 'named' });
  return {
    calls,
    unresolved,
    permissions: minimal.permissions,
    unavailable,
    companions: comparison.companions,
    manifest: {
      path: manifest.path,
      requested: [...manifest.requested].sort(),
      missing: comparison.missing,
      unused: comparison.unused,
      redundant: comparison.redundant,
      wider: comparison.wider,
    },
  };
}

/**
 * The exit code of a report: 1 when the manifest lacks a permission (with `strict`, also when it
 * requests one for nothing or one another implies), else 0.
 */
export function reportExitCode(report: LeastPrivilegeReport, strict: boolean): number {
  const manifest = report.manifest;
  if (manifest === undefined) return 0;
  if (manifest.missing.length > 0) return 1;
  return strict && (manifest.unused.length > 0 || manifest.redundant.length > 0) ? 1 : 0;
}

/** Where a call is, for text output: `src/a.ts:12:5`, or `×3` for a recorded call. */
function site(call: ReportCall): string {
  if (call.file !== undefined) return `${call.file}:${call.line ?? 0}:${call.column ?? 0}`;
  return call.count === undefined ? 'recorded' : `recorded ×${call.count}`;
}

/**
 * The report as text, grouped by permission: under each permission of the minimal set, the calls
 * that need it (a call is listed under each chosen permission that satisfies one of its groups),
 * so a developer sees why each is needed; then what could not be placed, and the manifest.
 */
export function formatReport(catalog: Catalog, report: LeastPrivilegeReport): string {
  const lines: string[] = [];
  const n = report.calls.length;
  lines.push(`${n} call${n === 1 ? '' : 's'} found, ${report.unresolved.length} unresolved`);
  lines.push('');
  if (report.permissions.length === 0) lines.push('permissions needed: none');
  else lines.push('permissions needed (least effective access):');
  for (const name of report.permissions) {
    lines.push(`  ${name}`);
    const closure = catalog.closure([name]);
    for (const call of report.calls) {
      const reasons = call.requires.filter((group) => group.some((g) => closure.has(catalog.indexOf(g))));
      if (reasons.length === 0) continue;
      lines.push(
        `    ${site(call)}  ${call.via}  ${call.operation}${call.expand?.length ? `  expand ${call.expand.join(', ')}` : ''}`,
      );
    }
  }
  for (const note of report.companions) lines.push(`  note (${note.of}): ${note.note}`);
  if (report.unavailable.length > 0) {
    lines.push('');
    lines.push('not available to apps (no permission allows these):');
    for (const entry of report.unavailable) lines.push(`  ${entry.operation}`);
  }
  if (report.unresolved.length > 0) {
    lines.push('');
    lines.push('unresolved (not counted above):');
    for (const entry of report.unresolved) {
      const where = entry.file === undefined ? '' : `${entry.file}:${entry.line ?? 0}:${entry.column ?? 0}  `;
      lines.push(`  ${where}${entry.via === undefined ? '' : `${entry.via}  `}${entry.reason}`);
    }
  }
  const manifest = report.manifest;
  if (manifest !== undefined) {
    lines.push('');
    lines.push(`${manifest.path}:`);
    lines.push(`  missing:   ${manifest.missing.join(', ') || '-'}`);
    lines.push(`  unused:    ${manifest.unused.join(', ') || '-'}`);
    lines.push(`  redundant: ${manifest.redundant.join(', ') || '-'}`);
    for (const wider of manifest.wider) {
      lines.push(`  wider:     ${wider.permission} (${wider.narrower.join(', ')} would do)`);
    }
    lines.push(
      manifest.missing.length === 0
        ? '  covers every call'
        : `  does not cover every call: request ${manifest.missing.join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
