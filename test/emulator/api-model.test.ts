import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateApiModel, serializeApiModel } from '../../src/emulator/generic/generate.js';
import { API_MODEL_URL, loadApiModel, resolveSchema } from '../../src/emulator/generic/model.js';

const SPEC_PATH = fileURLToPath(
  new URL('../../../shared/stripe-openapi/spec3-2022-04-12.json', import.meta.url),
);
const hasSpec = existsSync(SPEC_PATH);

describe('catalogs/stripe-api-model.json (the emulator model of the API)', () => {
  it('holds every operation with a parameter schema and a response, and every schema they reach', () => {
    const model = loadApiModel();
    expect(model.operations).toHaveLength(417);
    for (const op of model.operations) {
      expect(resolveSchema(model, op.params).type, `${op.method} ${op.path}`).toBe('object');
      expect(() => resolveSchema(model, op.response)).not.toThrow();
    }
    const text = JSON.stringify(model);
    for (const [, name] of text.matchAll(/"\$ref":"([^"]+)"/g)) expect(model.schemas[name!]).toBeDefined();
    // prose is dropped: the model is for the engine, not for reading
    expect(text).not.toContain('"description":"');
  });

  it.skipIf(!hasSpec)(
    'is what the generator makes of the description (run `npm run generate:api-model`)',
    () => {
      const spec: unknown = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
      const generated = serializeApiModel(generateApiModel(spec, 'spec3-2022-04-12.json'));
      expect(readFileSync(API_MODEL_URL, 'utf8')).toBe(generated);
    },
  );

  it('refuses what is not an OpenAPI description, and a $ref to a missing schema', () => {
    expect(() => generateApiModel({}, 'x')).toThrow(/not an OpenAPI description/);
    const broken = {
      paths: {
        '/v1/x': {
          get: {
            operationId: 'GetX',
            responses: {
              200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/nope' } } } },
            },
          },
        },
      },
      components: { schemas: {} },
    };
    expect(() => generateApiModel(broken, 'x')).toThrow(/missing schema: nope/);
  });
});
