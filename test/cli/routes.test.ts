import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/core/catalog/load.js';
import { loadRouteTable } from '../../src/core/routes/load.js';
import { runCli } from '../support/run-cli.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scratch directory holding the notes fixtures (OpenAPI document, mapping, catalog). */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'appscope-routes-'));
  dirs.push(dir);
  for (const name of ['notes-openapi.json', 'notes-mapping.json', 'notes-catalog.json']) {
    copyFileSync(join(fixtures, name), join(dir, name));
  }
  return dir;
}

const GENERATE = ['routes', 'generate', '--openapi', 'notes-openapi.json', '--mapping', 'notes-mapping.json'];

function mapping(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'notes-mapping.json'), 'utf8')) as Record<string, unknown>;
}

describe('appscope routes generate', () => {
  it('writes a route table that loads against the catalog, and --check passes on it', async () => {
    const cwd = workspace();
    const run = await runCli([...GENERATE, '--catalog', 'notes-catalog.json', '--out', 'routes.json'], {
      cwd,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^wrote routes\.json \(8 operations: 7 mapped, 1 unavailable; \d+ types; catalog `notes-api`\)\n$/,
    );
    const table = loadRouteTable(join(cwd, 'routes.json'), loadCatalog(join(cwd, 'notes-catalog.json')));
    expect(table.match('GET', '/v1/notes/note_1')?.path).toBe('/v1/notes/{note}');
    const check = await runCli(
      [...GENERATE, '--catalog', 'notes-catalog.json', '--out', 'routes.json', '--check'],
      {
        cwd,
      },
    );
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('routes.json is up to date');
  });

  it('prints the table on standard output without --out, the same bytes as the committed fixture', async () => {
    const cwd = workspace();
    const run = await runCli([...GENERATE, '--catalog', 'notes-catalog.json'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(join(fixtures, 'notes-routes.json'), 'utf8'));
  });

  it('--check exits 1 when the file differs or is missing, and writes nothing', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'routes.json'), '{"stale": true}\n');
    const stale = await runCli(
      [...GENERATE, '--catalog', 'notes-catalog.json', '--out', 'routes.json', '--check'],
      {
        cwd,
      },
    );
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('routes.json is out of date');
    expect(readFileSync(join(cwd, 'routes.json'), 'utf8')).toBe('{"stale": true}\n');
    const missing = await runCli(
      [...GENERATE, '--catalog', 'notes-catalog.json', '--out', 'none.json', '--check'],
      {
        cwd,
      },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('none.json does not exist');
  });

  it('--check without --out is a usage error', async () => {
    const run = await runCli([...GENERATE, '--check'], { cwd: workspace() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--check compares with a file');
  });

  it('names every structural problem of a mapping with its JSON path', async () => {
    const cwd = workspace();
    const bad = {
      ...mapping(cwd),
      name: 'Notes API',
      colour: 'blue',
      resources: { note: { read: 'note_read', writ: 'note_write' }, user: {} },
      paths: { '/v1/notes/{note}/attachments': { resource: 'note', anyOf: ['note_read'] } },
      operations: { 'PURGE /v1/admin/purge': 'note', 'POST /v1/admin/purge': 42 },
    };
    writeFileSync(join(cwd, 'notes-mapping.json'), JSON.stringify(bad));
    const run = await runCli([...GENERATE, '--catalog', 'notes-catalog.json', '--out', 'routes.json'], {
      cwd,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^appscope: mapping `notes-mapping.json` is invalid \(\d+ problems\):$/);
    const problems = lines.slice(1).join('\n');
    expect(problems).toMatch(/unknown_field\s+colour: unknown field `colour`/);
    expect(problems).toMatch(/name: .*lowercase/);
    expect(problems).toMatch(/unknown_field\s+resources\.note\.writ: unknown field `writ`/);
    expect(problems).toMatch(/missing_unavailable_reason\s+resources\.user: give `read`, `write` or both/);
    expect(problems).toMatch(
      /invalid_rule\s+paths\["\/v1\/notes\/\{note\}\/attachments"\]: a rule has exactly one of/,
    );
    expect(problems).toMatch(
      /invalid_key\s+operations\["PURGE \/v1\/admin\/purge"\]: an operation is `METHOD \/path\/template`/,
    );
    expect(problems).toMatch(
      /invalid_type\s+operations\["POST \/v1\/admin\/purge"\]: a rule is a resource name/,
    );
  });

  it('names unknown permissions with a did-you-mean, against the catalog given', async () => {
    const cwd = workspace();
    const m = mapping(cwd) as { resources: Record<string, Record<string, unknown>> };
    m.resources['note'] = { read: 'note_reed', write: 'note_write' };
    writeFileSync(join(cwd, 'notes-mapping.json'), JSON.stringify(m));
    const run = await runCli([...GENERATE, '--catalog', 'notes-catalog.json'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /unknown_permission\s+resources\["note"\]\.read: permission `note_reed` is not in catalog `notes-api`; did you mean `note_read`\?/,
    );
  });

  it('reports invalid JSON with its line and column, and stale rules the document does not have', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'notes-mapping.json'), '{"name": "notes-api",\n "resources": {},}');
    const syntax = await runCli([...GENERATE, '--catalog', 'notes-catalog.json'], { cwd });
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/invalid_json .*line 2/);

    const m = mapping(workspace());
    writeFileSync(
      join(cwd, 'notes-mapping.json'),
      JSON.stringify({ ...m, operations: { ...(m['operations'] as object), 'GET /v1/widgets': 'note' } }),
    );
    const stale = await runCli([...GENERATE, '--catalog', 'notes-catalog.json'], { cwd });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(
      /unused_rule\s+operations\["GET \/v1\/widgets"\]: no operation `GET \/v1\/widgets`/,
    );
  });
});
