import type { FormObject } from '../http/form.js';
import type { EmulatorContext } from './context.js';
import type { ExpandTarget, ValueType } from './expand.js';
import { type ParamShape, type Parsed, parseParams } from './params.js';

/** The methods Stripe's v1 API uses. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** One endpoint of the emulator, with its parameter shape erased (see {@link operation}). */
export interface Operation {
  readonly method: HttpMethod;
  /** `/v1/customers/:id` style. */
  readonly path: string;
  /** What it returns, for checking `expand` before it runs. */
  readonly returns: ValueType;
  /** Reads the parameters (without `expand`), refusing unknown, missing and malformed ones. */
  readonly parse: (form: FormObject) => unknown;
  /** It takes a `multipart/form-data` body (a file upload). */
  readonly multipart?: boolean;
  /** The top-level parameter names `parse` reads (hand-written operations). */
  readonly accepts?: ReadonlySet<string>;
  readonly run: (
    ctx: EmulatorContext,
    params: unknown,
    path: Readonly<Record<string, string>>,
  ) => Promise<unknown>;
}

/** What {@link operation} takes: an endpoint with typed parameters. */
export interface OperationDefinition<S extends ParamShape> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly returns: ValueType;
  readonly params: S;
  readonly required?: readonly (keyof S & string)[];
  readonly run: (
    ctx: EmulatorContext,
    params: Parsed<S>,
    path: Readonly<Record<string, string>>,
  ) => Promise<unknown>;
}

/**
 * Declares an endpoint: its parameters are typed from the shape, and the shape is
 * enforced before `run` is called.
 * @example
 * operation({ method: 'GET', path: '/v1/balance', returns: { object: 'balance' }, params: {},
 *   run: (ctx) => computeBalance(ctx) });
 */
export function operation<S extends ParamShape>(definition: OperationDefinition<S>): Operation {
  const { params, required = [] } = definition;
  return {
    method: definition.method,
    path: definition.path,
    returns: definition.returns,
    parse: (form) => parseParams(form, params, required),
    accepts: new Set(Object.keys(params)),
    run: (ctx, parsed, path) => definition.run(ctx, parsed as Parsed<S>, path),
  };
}

/** An object type the emulator stores or returns: its id prefix, event prefix and expandable fields. */
export interface ObjectDefinition {
  readonly object: string;
  /** The id prefix (`cus`), used to resolve references that may point at several types. */
  readonly idPrefix?: string;
  /** Its events: `prefix` (`customer` → `customer.created`) and which of created/updated/deleted Stripe emits by default. */
  readonly events?: EventDefaults;
  readonly expand?: Readonly<Record<string, ExpandTarget>>;
}

/** The events a plain create, update or delete announces. */
export type StandardEvent = 'created' | 'updated' | 'deleted';

/** How an object type's writes are announced by default. */
export interface EventDefaults {
  readonly prefix: string;
  /** The standard events this type has in Stripe (default: all three). */
  readonly standard?: readonly StandardEvent[];
}

/** Event defaults for a type with the usual `<prefix>.created/updated/deleted`. */
export const events = (prefix: string, ...standard: StandardEvent[]): EventDefaults =>
  standard.length === 0 ? { prefix } : { prefix, standard };

/** A family of resources: the object types it defines and its endpoints. */
export interface ResourceModule {
  readonly objects: readonly ObjectDefinition[];
  readonly operations: readonly Operation[];
}
