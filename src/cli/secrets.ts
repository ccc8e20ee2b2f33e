import type { Command } from 'commander';
import { dataKeyStatus, rotateDataKey } from '../domain/app-secrets.js';
import { DataKeyring, generateDataKey } from '../domain/data-keys.js';
import { AppscopeError } from '../errors.js';
import { describeSource, type LoadedDataKeys, loadDataKeys, writeKeyFile } from './data-keys.js';
import { type CliIo, printJson, table } from './io.js';
import { type StoreOptions, withDomain } from './store-context.js';

/**
 * `appscope secrets status`, `appscope secrets rotate-key` — the Secret Store's data keys
 * (operator). See docs/secrets.md.
 */
export function registerSecrets(program: Command, io: CliIo): void {
  const secrets = program.command('secrets').description("the Secret Store's data keys (operator)");

  secrets
    .command('status')
    .description(
      'which data key encrypts the Secret Store, how many secrets each key holds, and whether this process has them',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<StoreOptions>();
      const keys = requireKeys(io, globals);
      await withDomain(io, globals, async (domain) => {
        const status = await dataKeyStatus(domain, keys.keyring);
        if (options.json) {
          return printJson(io, { source: describeSource(keys), keys: keys.keyring.ids, ...status });
        }
        const lines = [
          `data keys:   ${keys.keyring.ids.join(', ')} (from ${describeSource(keys)}; the first is primary)`,
          `encrypting:  ${status.current ?? '- (no secret stored yet)'}`,
        ];
        const byKey = new Map<string, { secrets: number; webhooks: number; held: boolean }>();
        for (const [entries, kind] of [
          [status.secrets, 'secrets'],
          [status.webhookSecrets, 'webhooks'],
        ] as const) {
          for (const entry of entries) {
            const row = byKey.get(entry.keyId) ?? { secrets: 0, webhooks: 0, held: entry.held };
            row[kind] = entry.count;
            byKey.set(entry.keyId, row);
          }
        }
        if (byKey.size > 0) {
          lines.push(
            '',
            table(
              ['KEY', 'SECRETS', 'WEBHOOK SECRETS', 'HELD'],
              [...byKey]
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                .map(([keyId, row]) => [
                  keyId,
                  String(row.secrets),
                  String(row.webhooks),
                  row.held ? 'yes' : 'NO',
                ]),
            ),
          );
        }
        if (status.missing.length > 0) {
          lines.push(
            '',
            `missing: ${status.missing.join(', ')} — secrets under ${status.missing.length === 1 ? 'it' : 'them'} cannot be read here`,
          );
        }
        io.stdout(`${lines.join('\n')}\n`);
      });
    });

  secrets
    .command('rotate-key')
    .description(
      'move every secret to a new data key: generated and written to the key file (data directory or APPSCOPE_SECRET_KEY_FILE), or the APPSCOPE_SECRET_KEY given',
    )
    .option('--no-new-key', "don't generate a key: re-encrypt every secret under the key file's first key")
    .option('--discard-unreadable', 'delete (and audit) secrets that cannot be decrypted instead of stopping')
    .option('--json', 'print JSON: {"to", "from", "reencrypted", "discarded", "keyFile"}')
    .action(
      async (options: { newKey: boolean; discardUnreadable?: boolean; json?: boolean }, command: Command) => {
        const globals = command.optsWithGlobals<StoreOptions>();
        const keys = requireKeys(io, globals);
        const managed = keys.source !== 'env' && options.newKey;
        await withDomain(io, globals, async (domain) => {
          let keyring = keys.keyring;
          const old = keyring.ids.map((id) => keyring.get(id)!);
          if (managed) {
            // the new key joins the file first (primary), the old ones stay until every secret moved
            const next = generateDataKey();
            writeKeyFile(keys.path!, [next, ...old]);
            keyring = new DataKeyring([next, ...old]);
          }
          const result = await rotateDataKey(domain, keyring, {
            ...(options.discardUnreadable ? { discardUnreadable: true } : {}),
          });
          if (managed) writeKeyFile(keys.path!, [keyring.primary]);
          if (options.json) {
            return printJson(io, { ...result, keyFile: managed ? keys.path : null });
          }
          const lines = [
            `rotated: ${result.reencrypted} secret${result.reencrypted === 1 ? '' : 's'} re-encrypted under data key ${result.to}${result.from.length > 0 ? ` (from ${result.from.join(', ')})` : ''}`,
          ];
          if (result.discarded > 0) {
            lines.push(
              `discarded: ${result.discarded} unreadable secret${result.discarded === 1 ? '' : 's'} (audited)`,
            );
          }
          if (managed) {
            lines.push(`the key file ${keys.path} now holds ${result.to} only: back it up again`);
          } else if (keys.source === 'env') {
            lines.push(
              'the keys in APPSCOPE_SECRET_KEY_PREVIOUS are no longer needed: remove them once every process runs with the new APPSCOPE_SECRET_KEY',
            );
          }
          io.stdout(`${lines.join('\n')}\n`);
        });
      },
    );
}

function requireKeys(io: CliIo, globals: StoreOptions): LoadedDataKeys {
  const keys = loadDataKeys(io, { dataDir: globals.dataDir, create: false });
  if (keys === undefined) {
    throw new AppscopeError(
      'ERR_USAGE',
      'the Secret Store has no data key here: set APPSCOPE_SECRET_KEY or APPSCOPE_SECRET_KEY_FILE, or use the --data-dir `appscope serve` keeps its key in',
    );
  }
  return keys;
}
