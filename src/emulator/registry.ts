import type { FormObject } from '../http/form.js';
import type { EmulatorContext } from './context.js';
import type { ExpandRules, ExpandTarget } from './expand.js';
import { createGenericApi, type GenericApi, type GenericPlan } from './generic/engine.js';
import { type ApiModel, loadApiModel, resolveSchema } from './generic/model.js';
import { validateParams } from './generic/validate.js';
import type { EventDefaults, Operation, ResourceModule } from './operation.js';
import { balance } from './resources/balance.js';
import { charges } from './resources/charges.js';
import { checkoutSessions } from './resources/checkout-sessions.js';
import { coupons } from './resources/coupons.js';
import { customers } from './resources/customers.js';
import { eventsModule } from './resources/events.js';
import { invoices } from './resources/invoices.js';
import { paymentIntents } from './resources/payment-intents.js';
import { payoutsAndTransfers } from './resources/payouts.js';
import { products } from './resources/products.js';
import { subscriptions } from './resources/subscriptions.js';
import { Router } from './router.js';

/** Every hand-written resource family the emulator serves. */
export const RESOURCE_MODULES: readonly ResourceModule[] = [
  customers,
  products,
  paymentIntents,
  charges,
  invoices,
  subscriptions,
  checkoutSessions,
  coupons,
  payoutsAndTransfers,
  balance,
  eventsModule,
];

/** Who serves an operation: a hand-written module, or the generic engine (and how). */
export interface Coverage {
  readonly method: string;
  /** As in the description: `/v1/customers/{customer}`. */
  readonly path: string;
  readonly servedBy: 'modelled' | 'generic';
  readonly plan: GenericPlan;
}

/** The operations compiled once: a router, the expand rules, the events and id prefixes. */
export interface Registry {
  readonly router: Router<Operation>;
  readonly operations: readonly Operation[];
  readonly expandRules: ExpandRules;
  readonly events: ReadonlyMap<string, EventDefaults>;
  /** Object type → id prefix, from the hand-written modules. */
  readonly idPrefixes: ReadonlyMap<string, string>;
  /** For a hand-written operation: the generic one for the same route (stripe-mock mode falls back to it). */
  readonly fallbacks: ReadonlyMap<Operation, Operation>;
  readonly generic: GenericApi;
  readonly coverage: readonly Coverage[];
  /** The object types hand-written modules define. */
  readonly handTypes: ReadonlySet<string>;
}

export interface RegistryOptions {
  readonly stripeMock?: boolean;
  readonly model?: ApiModel;
}

/**
 * Compiles the hand-written modules and the generic engine into one router: every operation of
 * the API model is served, by its module where one exists, else by the engine. Every operation's
 * parameters are checked against the description first (a hand-written one then reads the names
 * it models; the description's other names are accepted and ignored). Throws on a duplicate
 * route or object type.
 */
export function compileRegistry(
  modules: readonly ResourceModule[] = RESOURCE_MODULES,
  options: RegistryOptions = {},
): Registry {
  const model = options.model ?? loadApiModel();
  const generic = createGenericApi(model);
  const router = new Router<Operation>();
  const operations: Operation[] = [];
  const handRules = new Map<string, Readonly<Record<string, ExpandTarget>>>();
  const events = new Map<string, EventDefaults>();
  const idPrefixes = new Map<string, string>();
  const handTypes = new Set<string>();
  const handOps: Operation[] = [];
  for (const module of modules) {
    for (const definition of module.objects) {
      if (handTypes.has(definition.object))
        throw new Error(`object type ${definition.object} is defined twice`);
      handTypes.add(definition.object);
      handRules.set(definition.object, definition.expand ?? {});
      if (definition.events !== undefined) events.set(definition.object, definition.events);
      if (definition.idPrefix !== undefined) idPrefixes.set(definition.object, definition.idPrefix);
    }
    handOps.push(...module.operations);
  }
  for (const [type, defaults] of generic.events) {
    if (!handTypes.has(type)) events.set(type, defaults);
  }
  const expandRules = new Map<string, Readonly<Record<string, ExpandTarget>>>();
  for (const [key, fields] of generic.expandRules) expandRules.set(key, fields);
  for (const [key, fields] of handRules) expandRules.set(key, { ...expandRules.get(key), ...fields });

  const byPattern = new Map<string, GenericPlan>();
  for (const plan of generic.plans) byPattern.set(`${plan.op.method} ${shape(pattern(plan.op.path))}`, plan);
  const fallbacks = new Map<Operation, Operation>();
  /** A parent exists when its `GET` answers (it may live inside another object). */
  const exists = async (ctx: EmulatorContext, path: string): Promise<boolean> => {
    const match = router.match('GET', path);
    if (match === undefined) return false;
    try {
      await match.handler.run(ctx, match.handler.parse({}), match.params);
      return true;
    } catch {
      return false;
    }
  };
  const served = new Set<string>();
  const stripeMock = options.stripeMock ?? false;
  for (const hand of handOps) {
    const plan = byPattern.get(`${hand.method} ${shape(hand.path)}`);
    const op = plan === undefined ? hand : checkedByDescription(model, hand, plan);
    router.add(op.method, op.path, op);
    operations.push(op);
    served.add(`${hand.method} ${shape(hand.path)}`);
    if (plan !== undefined) {
      const fallback = generic.operation(plan, { stripeMock: true, stateless: true });
      fallbacks.set(op, withRouteNames(fallback, hand.path));
    }
  }
  const coverage: Coverage[] = [];
  for (const plan of generic.plans) {
    const key = `${plan.op.method} ${shape(pattern(plan.op.path))}`;
    const modelled = served.has(key);
    coverage.push({
      method: plan.op.method,
      path: plan.op.path,
      servedBy: modelled ? 'modelled' : 'generic',
      plan,
    });
    if (modelled) continue;
    const op = generic.operation(plan, { stripeMock, exists });
    router.add(op.method, op.path, op);
    operations.push(op);
  }
  return { router, operations, expandRules, events, idPrefixes, fallbacks, generic, coverage, handTypes };
}

/**
 * The generic operation run with a hand-written route's parameters: the two name them
 * differently (`/v1/customers/:id` and `/v1/customers/:customer`), in the same places.
 */
function withRouteNames(generic: Operation, handPath: string): Operation {
  const names = (path: string) =>
    path
      .split('/')
      .filter((s) => s.startsWith(':'))
      .map((s) => s.slice(1));
  const from = names(handPath);
  const to = names(generic.path);
  return {
    ...generic,
    run(ctx, params, route) {
      const renamed: Record<string, string> = {};
      for (const [i, name] of to.entries()) renamed[name] = route[from[i]!] ?? '';
      return generic.run(ctx, params, renamed);
    },
  };
}

/** A route's shape, parameter names dropped: `/v1/customers/:id` → `/v1/customers/:`. */
function shape(path: string): string {
  return path.replace(/:[^/]+/g, ':');
}

/** `/v1/customers/{customer}` → `/v1/customers/:customer`. */
function pattern(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/**
 * A hand-written operation behind the description's parameter check: unknown, missing and
 * malformed parameters are refused as the description says; the names the module models are
 * then read by it (with its own rules), and the description's other names are dropped. Names
 * the module reads that the description lacks (later API fields such as `pricing`) pass.
 */
function checkedByDescription(model: ApiModel, hand: Operation, plan: GenericPlan): Operation {
  const properties = resolveSchema(model, plan.op.params).properties ?? {};
  const accepts = hand.accepts;
  const extra = accepts === undefined ? [] : [...accepts].filter((name) => properties[name] === undefined);
  const skip = ['expand', ...extra];
  return {
    ...hand,
    parse(form: FormObject) {
      validateParams(model, plan.op.params, form, skip);
      if (accepts === undefined) return hand.parse(form);
      const kept: FormObject = {};
      for (const [name, value] of Object.entries(form)) if (accepts.has(name)) kept[name] = value;
      return hand.parse(kept);
    },
  };
}
