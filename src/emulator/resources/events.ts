import { invalidRequest } from '../../http/stripe-error.js';
import { retrieveOperation } from '../crud.js';
import { listOperation, type Where } from '../lists.js';
import type { ResourceModule } from '../operation.js';
import { p } from '../params.js';

/**
 * Events: every write the emulator makes is announced the way Stripe announces it
 * (`customer.created`, `payment_intent.succeeded`, `invoice.paid`, …), with the object
 * in `data.object`, `previous_attributes` for updates, `account`, `livemode` and the
 * request that caused it. Events are kept for the life of the storage.
 */
export const eventsModule: ResourceModule = {
  objects: [{ object: 'event', idPrefix: 'evt' }],
  operations: [
    listOperation({
      object: 'event',
      path: '/v1/events',
      params: {
        delivery_success: p.ignored(),
        type: p.string(),
        types: p.list(p.string(), { max: 20 }),
      },
      where(params): Where {
        if (params.type !== undefined && params.types !== undefined) {
          throw invalidRequest('You may only specify one of these parameters: type, types.', {
            code: 'parameters_exclusive',
            param: 'types',
          });
        }
        if (params.types !== undefined) return { type: { op: 'in', values: params.types } };
        if (params.type === undefined) return {};
        if (params.type.endsWith('.*')) return { type: { op: 'prefix', value: params.type.slice(0, -1) } };
        if (params.type.includes('*')) {
          throw invalidRequest('A wildcard (`*`) is only allowed at the end of `type`, after a dot.', {
            param: 'type',
          });
        }
        return { type: { op: 'eq', value: params.type } };
      },
    }),
    retrieveOperation('event', '/v1/events/:id'),
  ],
};
