import { invalidRequest, resourceMissing } from '../http/stripe-error.js';
import type { EmulatorContext } from './context.js';
import { type Operation, operation } from './operation.js';
import { type ParamShape, type ParamSpec, type Parsed, p } from './params.js';
import type { CreatedRange, FieldCondition, StripeObject } from './storage.js';

/** Stripe's list envelope. */
export interface ListObject<T = unknown> {
  readonly object: 'list';
  readonly data: readonly T[];
  readonly has_more: boolean;
  readonly url: string;
}

/** `created=N` (exact) or `created[gt|gte|lt|lte]=N`. */
export const createdFilter: ParamSpec<CreatedRange> = {
  read(value, name) {
    if (typeof value === 'string') {
      const at = p.timestamp().read(value, name);
      return { gte: at, lte: at };
    }
    const range = p
      .hash({ gt: p.timestamp(), gte: p.timestamp(), lt: p.timestamp(), lte: p.timestamp() })
      .read(value, name);
    const out: { -readonly [K in keyof CreatedRange]: CreatedRange[K] } = {};
    if (range.gt !== undefined) out.gt = range.gt;
    if (range.gte !== undefined) out.gte = range.gte;
    if (range.lt !== undefined) out.lt = range.lt;
    if (range.lte !== undefined) out.lte = range.lte;
    return out;
  },
};

/** The pagination parameters every list takes. */
export const PAGINATION = {
  limit: p.integer({ min: 1, max: 100 }),
  starting_after: p.id(),
  ending_before: p.id(),
} as const;

/** Stripe's default page size. */
export const DEFAULT_LIMIT = 10;

/** Conditions on top-level fields, as the storage takes them. */
export type Where = Record<string, FieldCondition>;

/** Equality conditions for the parameters that are given (`{customer: 'cus_1'}` → `customer = 'cus_1'`). */
export function equalities(values: Readonly<Record<string, string | number | boolean | undefined>>): Where {
  const where: Where = {};
  for (const [field, value] of Object.entries(values)) {
    if (value !== undefined) where[field] = { op: 'eq', value };
  }
  return where;
}

/** A list endpoint over one stored type: its path, extra filters and how they become conditions. */
export interface ListDefinition<S extends ParamShape> {
  /** Stored object type. */
  readonly object: string;
  readonly path: string;
  /** Filters beyond pagination (`created` is added when `created` is true, the default). */
  readonly params?: S;
  readonly required?: readonly (keyof S & string)[];
  readonly created?: boolean;
  readonly where?: (params: Parsed<S>, ctx: EmulatorContext) => Where | Promise<Where>;
}

/**
 * A `GET /v1/<things>` endpoint over stored objects: newest first, `limit` 1–100
 * (default 10), `starting_after`/`ending_before`, `created` ranges and the given filters.
 */
export function listOperation<S extends ParamShape>(definition: ListDefinition<S>): Operation {
  const filters = (definition.params ?? {}) as S;
  const params = {
    ...PAGINATION,
    ...(definition.created === false ? {} : { created: createdFilter }),
    ...filters,
  };
  return operation({
    method: 'GET',
    path: definition.path,
    returns: { list: definition.object },
    params,
    required: definition.required ?? [],
    async run(ctx, parsed) {
      const page = readPagination(parsed as PageParams);
      const cursor = page.startingAfter ?? page.endingBefore;
      if (cursor !== undefined && (await ctx.find(definition.object, cursor)) === undefined) {
        throw resourceMissing(
          definition.object,
          cursor,
          page.startingAfter !== undefined ? 'starting_after' : 'ending_before',
        );
      }
      const where =
        definition.where === undefined ? undefined : await definition.where(parsed as Parsed<S>, ctx);
      const created = (parsed as { created?: CreatedRange }).created;
      const result = await ctx.list(definition.object, {
        limit: page.limit,
        ...(where === undefined ? {} : { where }),
        ...(created === undefined ? {} : { created }),
        ...(page.startingAfter === undefined ? {} : { startingAfter: page.startingAfter }),
        ...(page.endingBefore === undefined ? {} : { endingBefore: page.endingBefore }),
      });
      return listObject(result.data, result.hasMore, definition.path);
    },
  });
}

interface Pagination {
  readonly limit: number;
  readonly startingAfter?: string;
  readonly endingBefore?: string;
}

/** The parsed pagination parameters. */
export interface PageParams {
  readonly limit?: number;
  readonly starting_after?: string;
  readonly ending_before?: string;
}

/** Reads `limit`, `starting_after` and `ending_before`, refusing both cursors at once. */
export function readPagination(parsed: PageParams): Pagination {
  if (parsed.starting_after !== undefined && parsed.ending_before !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      code: 'parameters_exclusive',
      param: 'ending_before',
    });
  }
  return {
    limit: parsed.limit ?? DEFAULT_LIMIT,
    ...(parsed.starting_after === undefined ? {} : { startingAfter: parsed.starting_after }),
    ...(parsed.ending_before === undefined ? {} : { endingBefore: parsed.ending_before }),
  };
}

/** Wraps a page in Stripe's list envelope. */
export function listObject<T>(data: readonly T[], hasMore: boolean, url: string): ListObject<T> {
  return { object: 'list', data, has_more: hasMore, url };
}

/**
 * Pages through a list held inside another object (an invoice's lines, a session's line
 * items), in the list's own order. `kind` names the items in a missing-cursor error.
 */
export function pageOf<T extends StripeObject>(
  items: readonly T[],
  parsed: PageParams,
  url: string,
  kind: string,
): ListObject<T> {
  const page = readPagination(parsed);
  const cursor = page.startingAfter ?? page.endingBefore;
  if (cursor !== undefined) {
    const at = items.findIndex((item) => item.id === cursor);
    if (at < 0) {
      throw resourceMissing(
        kind,
        cursor,
        page.startingAfter !== undefined ? 'starting_after' : 'ending_before',
      );
    }
    if (page.startingAfter !== undefined) {
      const rest = items.slice(at + 1);
      return listObject(rest.slice(0, page.limit), rest.length > page.limit, url);
    }
    const before = items.slice(0, at);
    return listObject(before.slice(Math.max(0, before.length - page.limit)), before.length > page.limit, url);
  }
  return listObject(items.slice(0, page.limit), items.length > page.limit, url);
}
