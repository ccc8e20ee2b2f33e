import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';

// The seed is the text of Stripe's "Request permissions" page; the built-in catalog is its
// table as data. The folder lives beside the repository (../shared/seed) and may be absent
// on a user's machine, in which case there is nothing to compare against.
const seedDir = fileURLToPath(new URL('../../../../shared/seed/', import.meta.url));
const seedFile = existsSync(seedDir) ? readdirSync(seedDir).find((f) => f.endsWith('.txt')) : undefined;
const reason = 'the seed text (../shared/seed/*.txt) is not present beside the repository';

const squash = (s: string) => s.replace(/[’‘]/g, "'").replace(/\s+/g, '');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const PERMISSION_TOKEN = /[a-z][a-z0-9]*(?:_[a-z0-9]+)*_(?:read|write)\b/g;

describe.skipIf(seedFile === undefined)(
  `the built-in catalog matches the seed table${seedFile ? '' : ` (skipped: ${reason})`}`,
  () => {
    const text = seedFile ? readFileSync(`${seedDir}${seedFile}`, 'utf8') : '';
    const start = text.indexOf('ResourcePermissionDescription');
    const end = text.indexOf('Was this page helpful?');
    const section = text.slice(start + 'ResourcePermissionDescription'.length, end);
    const catalog = defaultCatalog();

    // Cut the section into one block per catalog row, at the place each row starts.
    const starts = catalog.resources.map((resource) => {
      const pattern = new RegExp(
        `^${escapeRegExp(resource.name)}\\s*${escapeRegExp(resource.permissions[0]!)}`,
        'm',
      );
      return { resource, at: pattern.exec(section)?.index ?? -1 };
    });
    const ordered = [...starts].sort((a, b) => a.at - b.at);
    const blocks = new Map(
      ordered.map(({ resource, at }, i) => [
        resource.name,
        section.slice(at, ordered[i + 1]?.at ?? section.length),
      ]),
    );

    it('finds every catalog resource in the seed, and the rows cover the whole table', () => {
      expect(starts.filter((s) => s.at < 0).map((s) => s.resource.name)).toEqual([]);
      expect(section.slice(0, ordered[0]!.at).trim()).toBe('');
      const rowCount = section.match(/(?:^|_read|_write)Grants /gm)?.length ?? 0;
      expect(rowCount).toBe(catalog.resources.length);
    });

    it.each(catalog.resources.map((r) => [r.name, r] as const))(
      'row %s: permissions and description',
      (_, resource) => {
        const block = squash(blocks.get(resource.name)!);
        expect(
          block.startsWith(
            squash(`${resource.name}${resource.permissions.join(', ')}${resource.description}`),
          ),
        ).toBe(true);
        for (const name of resource.permissions)
          expect(catalog.get(name)?.description).toBe(resource.description);
      },
    );

    it.each(catalog.resources.map((r) => [r.name, r] as const))(
      'row %s: implications and companion notes',
      (_, resource) => {
        const block = blocks.get(resource.name)!.replace(/[’‘]/g, "'");
        const impliesLine =
          /This permission also implies the following permissions?: ([^\n]*)/.exec(block)?.[1] ?? '';
        const seedImplies = (impliesLine.match(PERMISSION_TOKEN) ?? []).sort();
        const first = catalog.get(resource.permissions[0]!)!;
        // The row's list, excluding write ⇒ read (a rule of its own, not in the table).
        const listed = first.directlyImplies.filter((n) => !resource.permissions.includes(n));
        expect(listed).toEqual(seedImplies);
        const seedNotes = [...block.matchAll(/If you[^\n]*?you must also request ([a-z_]+)\./g)].map((m) => ({
          permission: m[1],
          note: m[0],
        }));
        for (const name of resource.permissions) {
          expect(
            catalog.get(name)!.companions.map((c) => ({ ...c, note: c.note.replace(/[’‘]/g, "'") })),
          ).toEqual(seedNotes);
        }
        // Every permission name in the block is accounted for: the row's own, implied or companions.
        const afterDescription = block.slice(
          block.indexOf(resource.description) + resource.description.length,
        );
        expect(afterDescription).toMatch(/^\s*(?:$|This permission also implies|If you)/);
        const known = new Set([...seedImplies, ...seedNotes.map((n) => n.permission!)]);
        expect((afterDescription.match(PERMISSION_TOKEN) ?? []).filter((t) => !known.has(t))).toEqual([]);
      },
    );

    it('holds exactly the permissions the seed names', () => {
      const inSeed = new Set<string>();
      for (const [name, block] of blocks) {
        const own = catalog.resources.find((r) => r.name === name)!;
        for (const p of own.permissions) if (squash(block).includes(p)) inSeed.add(p);
        for (const token of block.match(PERMISSION_TOKEN) ?? []) if (catalog.has(token)) inSeed.add(token);
      }
      expect([...inSeed].sort()).toEqual(catalog.permissions.map((p) => p.name).sort());
      expect(catalog.size).toBe(90);
    });
  },
);
