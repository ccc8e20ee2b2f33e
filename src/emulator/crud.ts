import type { EmulatorContext } from './context.js';
import { type Operation, operation } from './operation.js';
import type { StripeObject } from './storage.js';

/** `GET /v1/<things>/:id`. */
export function retrieveOperation(object: string, path: string): Operation {
  return operation({
    method: 'GET',
    path,
    returns: { object },
    params: {},
    run: (ctx, _params, route) => ctx.load(object, route['id']!),
  });
}

/**
 * `DELETE /v1/<things>/:id`: removes the object (emitting `<prefix>.deleted`) and answers
 * `{id, object, deleted: true}`. `check` may refuse first (e.g. a product with prices).
 */
export function deleteOperation(
  object: string,
  path: string,
  check?: (ctx: EmulatorContext, current: StripeObject) => Promise<void>,
): Operation {
  return operation({
    method: 'DELETE',
    path,
    returns: { object },
    params: {},
    async run(ctx, _params, route) {
      const current = await ctx.load(object, route['id']!);
      if (check !== undefined) await check(ctx, current);
      await ctx.remove(current);
      return { id: current.id, object, deleted: true };
    },
  });
}

/** The object's metadata, or an empty record. */
export function metadataOf(object: StripeObject): Readonly<Record<string, string>> {
  return (object['metadata'] as Record<string, string> | undefined) ?? {};
}
