import { type Actor, administers, requireSameMode } from './actor.js';
import type { Domain } from './context.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import { writeFlow } from './flow.js';
import { type Install, toInstall } from './objects.js';

/** Input of {@link setShadowMode}. */
export interface SetShadowModeInput {
  readonly actor: Actor;
  readonly install: string;
  /** True: the gateway forwards what it would deny and logs it as `shadow_denied`. */
  readonly enabled: boolean;
}

/**
 * Turns shadow mode on or off for an install. In shadow mode the gateway still decides every
 * request, but forwards the ones it would deny and logs them as `shadow_denied` — for moving
 * an existing integration onto appscope without breaking it, then reading the log to see what
 * the app is missing. Audited (`install.shadow_mode_set`) and announced
 * (`apps.install.updated`); setting the current value changes nothing.
 * @example
 * const install = await setShadowMode(domain, { actor, install: 'appinst_…', enabled: true });
 * install.shadow_mode; // true
 */
export async function setShadowMode(domain: Domain, input: SetShadowModeInput): Promise<Install> {
  if (typeof input.enabled !== 'boolean') {
    throw invalidParameter('shadow_mode', '`shadow_mode` must be `true` or `false`');
  }
  return writeFlow(
    domain,
    input.actor,
    async (flow) => {
      const row = await flow.tx.getInstall(input.install);
      if (row === undefined || !administers(input.actor, row.account_id)) {
        throw notFound('install', input.install, 'install');
      }
      requireSameMode(input.actor, row.mode, 'install', row.id);
      if (row.status !== 'installed') {
        throw new DomainError('ERR_INSTALL_INACTIVE', `install \`${row.id}\` is uninstalled`, {
          param: 'install',
        });
      }
      if ((row.shadow_mode === true) === input.enabled) return toInstall(row);
      const before = toInstall(row);
      const patch = { shadow_mode: input.enabled, updated: flow.seconds };
      await flow.tx.updateInstall(row.id, patch);
      const after = toInstall({ ...row, ...patch });
      await flow.audit({
        action: 'install.shadow_mode_set',
        target: { type: 'install', id: row.id },
        before,
        after,
      });
      await flow.event({
        type: 'apps.install.updated',
        account: row.account_id,
        app: row.app_id,
        mode: row.mode,
        object: after,
        previousAttributes: { shadow_mode: before.shadow_mode },
      });
      flow.notify({ kind: 'install', id: row.id });
      return after;
    },
    // Turning shadow mode on widens what the app can do: admins only. Developers may turn it off.
    { role: input.enabled ? 'admin' : 'developer' },
  );
}
