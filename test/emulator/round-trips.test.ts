import { describe, expect, it } from 'vitest';
import { createEmulator, type EmulatorResponse } from '../../src/emulator/emulator.js';
import type { GenericPlan } from '../../src/emulator/generic/engine.js';
import { loadApiModel, resolveSchema } from '../../src/emulator/generic/model.js';
import type { Coverage } from '../../src/emulator/registry.js';
import { operationRequest, type WalkState } from './walk.js';

/**
 * One generated case per resource with the usual shape — `POST /v1/x` creates, `GET /v1/x/{id}`
 * retrieves, `POST /v1/x/{id}` updates, `GET /v1/x` lists, `DELETE /v1/x/{id}` deletes — found
 * in the emulator's own coverage (so a resource added to the description gets a case):
 * create → retrieve (the same object) → update (metadata merged) → list (it is there, newest
 * first) → delete (`deleted: true`) → retrieve (404) → list (it is gone).
 */

const emulator = createEmulator();
const model = loadApiModel();

interface Resource {
  readonly type: string;
  readonly create: Coverage;
  readonly retrieve: Coverage;
  readonly update?: Coverage;
  readonly list: Coverage;
  readonly remove: Coverage;
}

function resources(): Resource[] {
  const byKey = new Map<string, Coverage>();
  for (const c of emulator.coverage) byKey.set(`${c.method} ${c.path.replace(/\{[^}]+\}/g, '{}')}`, c);
  const out: Resource[] = [];
  for (const create of emulator.coverage) {
    if (create.plan.kind !== 'create' || create.method !== 'POST') continue;
    const base = create.path.replace(/\{[^}]+\}/g, '{}');
    const retrieve = byKey.get(`GET ${base}/{}`);
    const list = byKey.get(`GET ${base}`);
    const remove = byKey.get(`DELETE ${base}/{}`);
    const update = byKey.get(`POST ${base}/{}`);
    if (retrieve === undefined || list === undefined || remove === undefined) continue;
    // `DELETE /v1/subscriptions/{id}` cancels (and answers the subscription): not this shape.
    if (resolveSchema(model, remove.plan.op.response).properties?.['deleted'] === undefined) continue;
    out.push({
      type: create.plan.types[0]!,
      create,
      retrieve,
      list,
      remove,
      ...(update === undefined ? {} : { update }),
    });
  }
  return out;
}

const RESOURCES = resources();
const account = 'acct_RoundTrips000001';
const state: WalkState = {
  ids: new Map([['account', account]]),
  now: Math.floor(Date.now() / 1000),
};

async function call(method: string, path: string, form = ''): Promise<EmulatorResponse & { body: any }> {
  return (await emulator.handle({
    method,
    path,
    query: method === 'POST' ? '' : form,
    body: method === 'POST' ? form : '',
    account,
    livemode: false,
  })) as EmulatorResponse & { body: any };
}

/** Makes the parents and references a create names (a customer for tax ids, …). */
async function prepare(): Promise<void> {
  for (const [path, form] of [
    ['/v1/customers', 'source=tok_visa'],
    ['/v1/products', 'name=Widget'],
  ] as const) {
    const made = await call('POST', path, form);
    state.ids.set(made.body.object, made.body.id);
  }
  const price = await call(
    'POST',
    '/v1/prices',
    `currency=usd&unit_amount=500&product=${state.ids.get('product')}&recurring[interval]=month`,
  );
  state.ids.set('price', price.body.id);
  const subscription = await call(
    'POST',
    '/v1/subscriptions',
    `customer=${state.ids.get('customer')}&items[0][price]=${price.body.id}`,
  );
  state.ids.set('subscription', subscription.body.id);
  // A second price for the subscription item the round trip adds.
  const second = await call(
    'POST',
    '/v1/prices',
    `currency=usd&unit_amount=900&product=${state.ids.get('product')}&recurring[interval]=month`,
  );
  state.ids.set('price', second.body.id);
}

function idParamOf(plan: GenericPlan): string {
  return plan.idParam ?? plan.op.path.match(/\{([^}]+)\}$/)![1]!;
}

describe('create → retrieve → update → list → delete, for every resource with that shape', () => {
  it('finds the resources in the coverage: modelled ones and at least 15 served by the generic engine', () => {
    const generic = RESOURCES.filter((r) => r.create.servedBy === 'generic');
    expect(generic.length).toBeGreaterThanOrEqual(15);
    expect(RESOURCES.some((r) => r.type === 'customer')).toBe(true);
  });

  it.each(RESOURCES.map((r) => [r.create.path, r] as const))('%s', async (_path, resource) => {
    if (!state.ids.has('customer')) await prepare();
    const create = operationRequest(resource.create.plan, state);
    const metadata = resolveSchema(model, resource.create.plan.op.params).properties?.['metadata'];
    const createForm = [create.form, metadata === undefined ? '' : 'metadata[round]=trip']
      .filter(Boolean)
      .join('&');
    const created = await call('POST', create.path, createForm);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const object = created.body;
    expect(object.object).toBe(resource.type);
    expect(typeof object.id).toBe('string');
    if (metadata !== undefined) expect(object.metadata).toEqual({ round: 'trip' });

    const instance = (coverage: Coverage): string => {
      const request = operationRequest(coverage.plan, {
        ...state,
        ids: new Map([...state.ids, [resource.type, object.id]]),
      });
      const name = idParamOf(coverage.plan);
      return request.path.replace(/[^/]+$/, encodeURIComponent(name === '' ? object.id : object.id));
    };
    const path = instance(resource.retrieve);
    const retrieved = await call('GET', path);
    expect(retrieved.status, JSON.stringify(retrieved.body)).toBe(200);
    expect(retrieved.body).toEqual(object);

    let current = object;
    if (resource.update !== undefined) {
      const updateMetadata = resolveSchema(model, resource.update.plan.op.params).properties?.['metadata'];
      if (updateMetadata !== undefined) {
        const updated = await call('POST', path, 'metadata[second]=yes');
        expect(updated.status, JSON.stringify(updated.body)).toBe(200);
        expect(updated.body.metadata).toEqual({ ...(object.metadata ?? {}), second: 'yes' });
        expect(updated.body.id).toBe(object.id);
        current = updated.body;
        expect((await call('GET', path)).body).toEqual(current);
      }
    }

    const listPath = path.replace(/\/[^/]+$/, '');
    // A list's required filters (`value_list` for value list items) name what the walk made.
    const withObject = { ...state, ids: new Map([...state.ids, [resource.type, object.id]]) };
    const filters = operationRequest(resource.list.plan, withObject).form;
    const listForm = [filters, 'limit=100'].filter(Boolean).join('&');
    const listed = await call('GET', listPath, listForm);
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.object).toBe('list');
    expect(listed.body.data.map((o: { id: string }) => o.id)).toContain(object.id);

    const deleted = await call('DELETE', path);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body).toMatchObject({ id: object.id, deleted: true });
    const gone = await call('GET', path);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('resource_missing');
    const after = await call('GET', listPath, listForm);
    expect(after.body.data.map((o: { id: string }) => o.id)).not.toContain(object.id);
  });
});
