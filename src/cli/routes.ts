import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import writeFileAtomic from 'write-file-atomic';
import { formatIssues } from '../core/issues.js';
import { parseJson } from '../core/json.js';
import { generateRouteTable, serializeRouteTable } from '../core/routes/generate.js';
import { parseMappingFile } from '../core/routes/mapping-file.js';
import { RouteTable } from '../core/routes/route-table.js';
import { AppscopeError } from '../errors.js';
import { catalogFor, catalogPath, type GlobalOptions, resolvePath } from './context.js';
import { type CliIo, EXIT_FAILURE } from './io.js';

interface GenerateFlags {
  openapi?: string;
  mapping?: string;
  out?: string;
  check?: boolean;
}

/**
 * `appscope routes generate --openapi spec.json --mapping mapping.json [--catalog FILE]
 * [--out FILE] [--check]`: derives a route table from an OpenAPI document and a mapping of its
 * resource types to the catalog's permissions (docs/routes.md). Without `--out` the table goes to
 * standard output; `--check` writes nothing and exits 1 when `--out` differs from what would be
 * written (for CI).
 */
export function registerRoutes(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const routes = program.command('routes').description('route tables: what each API call requires');
  routes
    .command('generate')
    .description('derive a route table from an OpenAPI document and a resource mapping')
    .requiredOption('--openapi <file>', 'the API’s OpenAPI 3 document (JSON)')
    .requiredOption('--mapping <file>', 'resource types → permissions (JSON; see docs/routes.md)')
    .option(
      '--catalog <path>',
      'check permissions against this catalog (default: built-in Stripe Apps; or APPSCOPE_CATALOG)',
    )
    .option('--out <file>', 'write the table here (default: standard output)')
    .option('--check', 'write nothing; exit 1 when --out is not what would be generated')
    .action((flags: GenerateFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      if (flags.check && flags.out === undefined) {
        throw new AppscopeError('ERR_USAGE', '--check compares with a file: give it with --out FILE');
      }
      const catalog = catalogFor(io, globals);
      const openapi = readJson(io, flags.openapi!, 'OpenAPI document', 'ERR_OPENAPI_INVALID');
      const mappingPath = resolvePath(io, flags.mapping!);
      const mapping = parseMappingFile(readText(mappingPath, 'mapping'), flags.mapping!);
      const file = generateRouteTable(openapi, mapping, { catalog });
      RouteTable.compile(file, catalog, flags.out ?? 'the generated table'); // it must load
      const text = serializeRouteTable(file);
      const unavailable = file.routes.filter((route) => route.unavailable !== undefined).length;
      const summary = `${file.routes.length} operation${file.routes.length === 1 ? '' : 's'}: ${file.routes.length - unavailable} mapped, ${unavailable} unavailable; ${Object.keys(file.types).length} types; catalog ${catalogPath(io, globals) === undefined ? 'built-in Stripe Apps' : `\`${catalog.name}\``}`;
      if (flags.out === undefined) {
        io.stdout(text);
        return;
      }
      const out = resolvePath(io, flags.out);
      if (flags.check) {
        let current: string | undefined;
        try {
          current = readFileSync(out, 'utf8');
        } catch {
          current = undefined;
        }
        if (current !== text) {
          io.stderr(
            `${flags.out} ${current === undefined ? 'does not exist' : 'is out of date'}: run the same \`appscope routes generate\` without --check to write it\n`,
          );
          setExit(EXIT_FAILURE);
          return;
        }
        io.stdout(`${flags.out} is up to date (${summary})\n`);
        return;
      }
      try {
        writeFileAtomic.sync(out, text, { encoding: 'utf8' });
      } catch (error) {
        throw new AppscopeError(
          'ERR_FILE_WRITE',
          `cannot write \`${flags.out}\`: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      io.stdout(`wrote ${flags.out} (${summary})\n`);
    });
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppscopeError('ERR_FILE_READ', `cannot read ${what} \`${path}\`: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function readJson(io: CliIo, path: string, what: string, code: 'ERR_OPENAPI_INVALID'): unknown {
  const parsed = parseJson(readText(resolvePath(io, path), what));
  if (!parsed.ok) {
    throw new AppscopeError(code, `${what} \`${path}\` is invalid:\n${formatIssues([parsed.issue])}`, {
      issues: [parsed.issue],
    });
  }
  return parsed.value;
}
