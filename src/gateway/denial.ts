import type { Catalog } from '../core/catalog/catalog.js';
import type { PermissionSet } from '../core/catalog/permission-set.js';
import type { Decision } from '../core/decide.js';
import type { RequirementGroup } from '../core/requirement.js';
import type { InstallPrincipal } from '../domain/keys.js';
import { ApiError } from '../http/stripe-error.js';

/** Header listing every accepted permission: groups separated by `;`, alternatives by `,`. */
export const ACCEPTED_PERMISSIONS_HEADER = 'appscope-accepted-permissions';

/** One unmet group of a denial, as the body's `required_permissions` lists it. */
export interface RequiredPermissions {
  /** Every permission that satisfies the group: its own names and every permission that implies one. */
  readonly any_of: readonly string[];
  readonly reason: string;
  /** Alternatives the install has requested that await the account admin's approval. */
  readonly pending?: readonly string[];
}

/** Who was denied, for the message. */
export interface DenialSubject {
  /** The presented key, masked (`rk_test_***…abcd`). */
  readonly maskedKey: string;
  /** `key`: an install key; `platform`: a platform app's key with `Stripe-Account`; `oauth`: an access token. */
  readonly via: 'key' | 'platform' | 'oauth';
  readonly principal: InstallPrincipal;
}

/** What a denial is: its code (`more_permissions_required`, …), the 403 and the accepted-permissions header value. */
export interface Denial {
  readonly code: 'more_permissions_required' | 'permission_pending_approval' | 'not_available_to_apps';
  readonly error: ApiError;
  /** The `Appscope-Accepted-Permissions` value, or undefined when no permission can allow the request. */
  readonly accepted: string | undefined;
  /** Unmet groups' own alternatives (the decision log's `missing`). */
  readonly missing: readonly (readonly string[])[];
  /** Each unmet group as the body's `required_permissions` lists it (accepted alternatives, pending ones). */
  readonly required: readonly RequiredPermissions[];
}

/**
 * Builds the 403 answers for denied requests, compiled once per catalog: the accepted
 * alternatives of each requirement group (its names plus every permission whose closure holds
 * one, e.g. `customer_write` for `customer_read`) are computed the first time a group is
 * denied and then remembered.
 */
export class DenialBuilder {
  readonly #catalog: Catalog;
  readonly #accepted = new WeakMap<RequirementGroup, readonly string[]>();

  constructor(catalog: Catalog) {
    this.#catalog = catalog;
  }

  /** Every permission that satisfies a group, sorted. */
  accepted(group: RequirementGroup): readonly string[] {
    let names = this.#accepted.get(group);
    if (names === undefined) {
      const all = new Set<string>();
      for (const name of group.anyOf) {
        if (!this.#catalog.has(name)) continue;
        all.add(name);
        for (const implying of this.#catalog.impliedBy(name)) all.add(implying);
      }
      names = Object.freeze([...all].sort());
      this.#accepted.set(group, names);
    }
    return names;
  }

  /**
   * The answer to a denied decision. The wording follows Stripe's restricted-key message
   * ("The provided key '…' does not have the required permissions for this endpoint on account
   * '…'. Having the '…' permission would allow this request to continue."); a platform app is
   * "This application"; a request that approving the install's pending permissions would allow
   * gets `permission_pending_approval`; one that no permission can allow, `not_available_to_apps`.
   */
  deny(subject: DenialSubject, decision: Decision): Denial {
    const catalog = this.#catalog;
    const { principal } = subject;
    const unmet: RequirementGroup[] = [];
    decision.requirement.forEach((group, g) => {
      if (decision.satisfiedBy[g]! < 0) unmet.push(group);
    });
    const narrowing = principal.narrowedTo === null ? undefined : catalog.closure(principal.narrowedTo);
    const required: RequiredPermissions[] = [];
    const headerGroups: string[] = [];
    const pendingNames = new Set<string>();
    let unavailable: RequirementGroup | undefined;
    let allPending = unmet.length > 0;
    for (const group of unmet) {
      const accepted = this.accepted(group);
      const pending = principal.pending.filter((name) => this.#wouldSatisfy(name, group, narrowing));
      for (const name of pending) pendingNames.add(name);
      if (pending.length === 0) allPending = false;
      if (accepted.length === 0) unavailable ??= group;
      else headerGroups.push(accepted.join(', '));
      required.push({
        any_of: accepted,
        reason: group.reason,
        ...(pending.length > 0 ? { pending } : {}),
      });
    }

    const who =
      subject.via === 'platform'
        ? 'This application'
        : subject.via === 'oauth'
          ? `The provided access token '${subject.maskedKey}'`
          : `The provided key '${subject.maskedKey}'`;
    const head = `${who} does not have the required permissions for this endpoint on account '${principal.account}'.`;
    let code: Denial['code'];
    let message: string;
    if (unavailable !== undefined) {
      code = 'not_available_to_apps';
      message = `${head} ${capitalize(unavailable.reason)}. No permission an app can request would allow this request to continue.`;
    } else if (allPending) {
      code = 'permission_pending_approval';
      const names = quoted([...pendingNames].sort());
      const plural = pendingNames.size === 1 ? 'permission' : 'permissions';
      message =
        `${head} The ${names} ${plural} this request needs ${pendingNames.size === 1 ? 'is' : 'are'} pending the account admin's approval: ` +
        `the app requested ${pendingNames.size === 1 ? 'it' : 'them'}, and an admin of '${principal.account}' must approve the app's new permissions (reauthorize install '${principal.install}') before this request can continue.`;
    } else {
      code = 'more_permissions_required';
      message = `${head} ${having(unmet)} would allow this request to continue.`;
      if (pendingNames.size > 0) {
        const names = quoted([...pendingNames].sort());
        message += ` (${names} ${pendingNames.size === 1 ? 'is' : 'are'} already requested and pending the account admin's approval.)`;
      }
    }
    const accepted =
      headerGroups.length === 0 || unavailable !== undefined ? undefined : headerGroups.join('; ');
    const headers: Record<string, string> =
      accepted === undefined ? {} : { [ACCEPTED_PERMISSIONS_HEADER]: accepted };
    const error = new ApiError(
      403,
      { type: 'invalid_request_error', code, message, required_permissions: required },
      headers,
    );
    return { code, error, accepted, missing: unmet.map((group) => group.anyOf), required };
  }

  /** Whether approving `name` would satisfy `group` for this key (a narrowed key keeps its narrowing). */
  #wouldSatisfy(name: string, group: RequirementGroup, narrowing: PermissionSet | undefined): boolean {
    const index = this.#catalog.indexOf(name);
    if (index < 0) return false;
    const row = this.#catalog.closureOf(index);
    return group.indices.some((i) => row.has(i) && (narrowing === undefined || narrowing.has(i)));
  }
}

/**
 * "Having the 'a' permission", "Having the 'a', 'b' permissions", or with alternatives
 * "Having the 'a' permission and one of the 'b', 'c' permissions". Groups another group's
 * single name already satisfies are left out of the sentence (not out of the body).
 */
function having(unmet: readonly RequirementGroup[]): string {
  const singles = new Set<string>();
  for (const group of unmet) if (group.anyOf.length === 1) singles.add(group.anyOf[0]!);
  const choices: (readonly string[])[] = [];
  for (const group of unmet) {
    if (group.anyOf.length === 1 || group.anyOf.some((name) => singles.has(name))) continue;
    if (choices.some((c) => c.length === group.anyOf.length && c.every((n, i) => n === group.anyOf[i])))
      continue;
    choices.push(group.anyOf);
  }
  const names = [...singles].sort();
  const parts: string[] = [];
  if (names.length > 0)
    parts.push(`the ${quoted(names)} ${names.length === 1 ? 'permission' : 'permissions'}`);
  for (const choice of choices) parts.push(`one of the ${quoted(choice)} permissions`);
  return `Having ${parts.join(' and ')}`;
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `'${name}'`).join(', ');
}

function capitalize(text: string): string {
  return text.length > 0 ? text[0]!.toUpperCase() + text.slice(1) : text;
}
