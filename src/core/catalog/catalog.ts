import { didYouMean } from '../did-you-mean.js';
import type { Issue } from '../issues.js';
import { fromZodIssues } from '../zod-issues.js';
import { type CatalogFile, catalogFileSchema } from './format.js';
import { PermissionSet } from './permission-set.js';

export type Access = 'read' | 'write';

/** A note shown to app developers and admins: "you must also request `elements_write`". Never a grant. */
export interface Companion {
  readonly permission: string;
  readonly note: string;
}

export interface Permission {
  readonly name: string;
  readonly index: number;
  readonly resource: string;
  readonly access: Access;
  readonly description: string;
  /** Permissions this one implies directly (the catalog's lists, plus write ⇒ read), sorted. */
  readonly directlyImplies: readonly string[];
  readonly companions: readonly Companion[];
}

export interface Resource {
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
}

/**
 * A compiled catalog: names mapped to indices and every permission's implication
 * closure computed once, so that an install's effective set is a few word-wide ORs
 * and a check is a bit test.
 */
export class Catalog {
  readonly name: string;
  readonly title: string | undefined;
  readonly writeImpliesRead: boolean;
  readonly permissions: readonly Permission[];
  readonly resources: readonly Resource[];
  readonly #byName: ReadonlyMap<string, Permission>;
  /** closure row per permission, including itself */
  readonly #rows: readonly PermissionSet[];
  readonly #impliedBy: readonly (readonly string[])[];
  readonly #implies: readonly (readonly string[])[];

  /** @internal use {@link compileCatalog} */
  constructor(init: {
    name: string;
    title: string | undefined;
    writeImpliesRead: boolean;
    permissions: Permission[];
    resources: Resource[];
  }) {
    this.name = init.name;
    this.title = init.title;
    this.writeImpliesRead = init.writeImpliesRead;
    this.permissions = Object.freeze(init.permissions.map((p) => Object.freeze(p)));
    this.resources = Object.freeze(init.resources);
    this.#byName = new Map(this.permissions.map((p) => [p.name, p]));
    const size = this.permissions.length;
    const words = Math.ceil(size / 32);
    const rows: PermissionSet[] = [];
    for (const start of this.permissions) {
      const bits = new Uint32Array(words);
      const stack = [start.index];
      while (stack.length > 0) {
        const index = stack.pop()!;
        const word = index >>> 5;
        const mask = 1 << (index & 31);
        if (((bits[word] ?? 0) & mask) !== 0) continue; // visited: cycles end here
        bits[word] = (bits[word] ?? 0) | mask;
        for (const next of this.permissions[index]!.directlyImplies)
          stack.push(this.#byName.get(next)!.index);
      }
      rows.push(new PermissionSet(bits));
    }
    this.#rows = rows;
    this.#implies = rows.map((row, i) =>
      row
        .indices()
        .filter((j) => j !== i)
        .map((j) => this.permissions[j]!.name)
        .sort(),
    );
    const impliedBy: string[][] = this.permissions.map(() => []);
    rows.forEach((row, i) => {
      for (const j of row.indices()) if (j !== i) impliedBy[j]!.push(this.permissions[i]!.name);
    });
    this.#impliedBy = impliedBy.map((list) => list.sort());
  }

  get size(): number {
    return this.permissions.length;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  get(name: string): Permission | undefined {
    return this.#byName.get(name);
  }

  /** Index of a permission, or -1 when the catalog has no such permission. */
  indexOf(name: string): number {
    return this.#byName.get(name)?.index ?? -1;
  }

  nameOf(index: number): string {
    const permission = this.permissions[index];
    if (permission === undefined) throw new RangeError(`no permission at index ${index}`);
    return permission.name;
  }

  /** The sorted closure of one permission, without the permission itself. */
  implies(name: string): readonly string[] {
    const permission = this.#byName.get(name);
    return permission === undefined ? [] : this.#implies[permission.index]!;
  }

  /** The sorted list of permissions whose closure contains `name` (excluding itself). */
  impliedBy(name: string): readonly string[] {
    const permission = this.#byName.get(name);
    return permission === undefined ? [] : this.#impliedBy[permission.index]!;
  }

  /** The closure row of one permission (itself included). */
  closureOf(index: number): PermissionSet {
    const row = this.#rows[index];
    if (row === undefined) throw new RangeError(`no permission at index ${index}`);
    return row;
  }

  /**
   * The effective set: every named permission and everything it implies, transitively.
   * Names the catalog does not know are ignored (they grant nothing); validate first.
   */
  closure(names: Iterable<string>): PermissionSet {
    const bits = new Uint32Array(Math.ceil(this.size / 32));
    for (const name of names) {
      const permission = this.#byName.get(name);
      if (permission !== undefined) this.#rows[permission.index]!.orInto(bits);
    }
    return new PermissionSet(bits);
  }

  /** Exactly the named permissions, with no implications (unknown names ignored). */
  set(names: Iterable<string>): PermissionSet {
    const bits = new Uint32Array(Math.ceil(this.size / 32));
    for (const name of names) {
      const index = this.indexOf(name);
      if (index >= 0) bits[index >>> 5] = (bits[index >>> 5] ?? 0) | (1 << (index & 31));
    }
    return new PermissionSet(bits);
  }

  /** Sorted names of the members of a set. */
  names(set: PermissionSet): string[] {
    return set
      .indices()
      .map((i) => this.nameOf(i))
      .sort();
  }

  /**
   * How `to` is reached from `from` through implications: the shortest chain
   * `[from, …, to]`, `[from]` when they are the same, or undefined when `from` does not imply `to`.
   */
  implicationPath(from: string, to: string): string[] | undefined {
    if (!this.has(from) || !this.has(to)) return undefined;
    if (from === to) return [from];
    const previous = new Map<string, string>();
    const queue = [from];
    const seen = new Set([from]);
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const next of this.#byName.get(current)!.directlyImplies) {
        if (seen.has(next)) continue;
        seen.add(next);
        previous.set(next, current);
        if (next === to) {
          const path = [to];
          let step = to;
          while (step !== from) {
            step = previous.get(step)!;
            path.unshift(step);
          }
          return path;
        }
        queue.push(next);
      }
    }
    return undefined;
  }

  /** A known permission name close to `name`, for "did you mean" hints. */
  suggest(name: string): string | undefined {
    return didYouMean(name, this.#byName.keys());
  }
}

export type CompileResult =
  | { readonly ok: true; readonly catalog: Catalog; readonly issues: readonly Issue[] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/**
 * Validates a parsed catalog document and compiles it. Reports every problem
 * (structure, duplicate names, unknown implied or companion permissions with
 * did-you-mean, permissions whose access cannot be told), not just the first.
 */
export function compileCatalog(document: unknown): CompileResult {
  const parsed = catalogFileSchema.safeParse(document, { reportInput: true });
  if (!parsed.success) return { ok: false, issues: fromZodIssues(parsed.error.issues).map(stripExtras) };
  const file: CatalogFile = parsed.data;
  const issues: Issue[] = [];
  const writeImpliesRead = file.writeImpliesRead ?? true;

  interface Draft {
    name: string;
    resource: string;
    access: Access | undefined;
    description: string;
    implies: { name: string; path: string }[];
    companions: { permission: string; note: string; path: string }[];
    path: string;
  }
  const drafts: Draft[] = [];
  const firstPath = new Map<string, string>();
  const resourceNames = new Map<string, string>();
  const resources: Resource[] = [];

  file.resources.forEach((entry, r) => {
    const resourcePath = `resources[${r}]`;
    const seenResource = resourceNames.get(entry.resource.toLowerCase());
    if (seenResource !== undefined) {
      issues.push({
        severity: 'error',
        code: 'duplicate_resource',
        path: `${resourcePath}.resource`,
        message: `resource \`${entry.resource}\` is already defined at ${seenResource}`,
      });
    } else resourceNames.set(entry.resource.toLowerCase(), `${resourcePath}.resource`);
    const names: string[] = [];
    entry.permissions.forEach((p, i) => {
      const path = `${resourcePath}.permissions[${i}]`;
      const name = typeof p === 'string' ? p : p.name;
      const own = typeof p === 'string' ? undefined : p;
      names.push(name);
      const previous = firstPath.get(name);
      if (previous !== undefined) {
        issues.push({
          severity: 'error',
          code: 'duplicate_permission',
          path,
          message: `permission \`${name}\` is already defined at ${previous}`,
        });
        return;
      }
      firstPath.set(name, path);
      const access = own?.access ?? accessFromName(name);
      if (access === undefined) {
        issues.push({
          severity: 'error',
          code: 'unknown_access',
          path,
          message: `cannot tell whether \`${name}\` reads or writes: end the name in \`_read\` or \`_write\`, or set \`access\``,
        });
      }
      drafts.push({
        name,
        resource: entry.resource,
        access,
        description: own?.description ?? entry.description,
        implies: [
          ...(entry.implies ?? []).map((n, k) => ({ name: n, path: `${resourcePath}.implies[${k}]` })),
          ...(own?.implies ?? []).map((n, k) => ({ name: n, path: `${path}.implies[${k}]` })),
        ],
        companions: [
          ...(entry.companions ?? []).map((c, k) => ({ ...c, path: `${resourcePath}.companions[${k}]` })),
          ...(own?.companions ?? []).map((c, k) => ({ ...c, path: `${path}.companions[${k}]` })),
        ],
        path,
      });
    });
    resources.push({ name: entry.resource, description: entry.description, permissions: names });
  });

  const known = new Set(firstPath.keys());
  const reported = new Set<string>();
  const checkReference = (name: string, path: string, code: string, what: string): boolean => {
    if (known.has(name)) return true;
    if (reported.has(path)) return false;
    reported.add(path);
    const suggestion = didYouMean(name, known);
    issues.push({
      severity: 'error',
      code,
      path,
      message: `${what} \`${name}\` is not defined in this catalog${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
      ...(suggestion ? { suggestion } : {}),
    });
    return false;
  };

  const permissions: Permission[] = drafts.map((draft, index) => {
    const direct = new Set<string>();
    for (const implied of draft.implies) {
      if (implied.name === draft.name) continue; // a row's list may name its own members
      if (checkReference(implied.name, implied.path, 'unknown_implied_permission', 'implied permission')) {
        direct.add(implied.name);
      }
    }
    if (writeImpliesRead && draft.access === 'write' && draft.name.endsWith('_write')) {
      const read = `${draft.name.slice(0, -'_write'.length)}_read`;
      if (known.has(read)) direct.add(read);
    }
    const companions: Companion[] = [];
    for (const companion of draft.companions) {
      if (
        checkReference(
          companion.permission,
          `${companion.path}.permission`,
          'unknown_companion_permission',
          'companion permission',
        )
      ) {
        companions.push({ permission: companion.permission, note: companion.note });
      }
    }
    return {
      name: draft.name,
      index,
      resource: draft.resource,
      access: draft.access ?? 'read',
      description: draft.description,
      directlyImplies: [...direct].sort(),
      companions,
    };
  });

  if (issues.some((i) => i.severity === 'error')) return { ok: false, issues };
  const catalog = new Catalog({
    name: file.name,
    title: file.title,
    writeImpliesRead,
    permissions,
    resources,
  });
  return { ok: true, catalog, issues };
}

function accessFromName(name: string): Access | undefined {
  if (name.endsWith('_read')) return 'read';
  if (name.endsWith('_write')) return 'write';
  return undefined;
}

function stripExtras(issue: Issue): Issue {
  const { severity, code, path, message } = issue;
  return { severity, code, path, message };
}
