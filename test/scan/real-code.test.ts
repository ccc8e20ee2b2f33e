import { describe, expect, it } from 'vitest';
import { ops, problems, scan, scanProject } from './support.js';

// Patterns from published packages (docs/least-privilege.md, "Accuracy on real code"), each
// reduced to a few lines: compiled CommonJS interop, subclasses of Stripe, clients returned by
// functions and methods, `Promise.all` destructuring, `expand` in a params variable.
const LIST = 'stripe.customers.list GET /v1/customers';
const REFUND = 'stripe.refunds.create POST /v1/refunds';

describe('compiled CommonJS interop helpers (recognised by name)', () => {
  it("TypeScript's __importDefault: `new stripe_1.default(key)` (Medusa)", () => {
    const result = scan(
      `"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const stripe_1 = __importDefault(require("stripe"));
class StripeBase {
    constructor(options) {
        this.stripe_ = new stripe_1.default(options.apiKey);
    }
    async refund(id) {
        return await this.stripe_.refunds.create({ payment_intent: id });
    }
}
exports.default = StripeBase;
`,
      'stripe-base.js',
    );
    expect(ops(result)).toEqual([REFUND]);
    expect(result.unresolved).toEqual([]);
  });

  it("__importStar, Babel's _interopRequireDefault, esbuild's __toESM, and `(0, x.default)(k)`", () => {
    const result = scan(
      `const a = __importStar(require("stripe"));
const _stripe = _interopRequireDefault(require("stripe"));
const import_stripe = __toESM(require("stripe"));
const w = _interopRequireWildcard(require("stripe"));
new a.default("k").customers.list();
new a.Stripe("k").customers.list();
new _stripe.default("k").customers.list();
new import_stripe.default("k").customers.list();
(0, w.default)("k").customers.list();
`,
      'compiled.js',
    );
    expect(ops(result)).toEqual([LIST, LIST, LIST, LIST, LIST]);
    expect(result.unresolved).toEqual([]);
  });

  it('a helper over anything else is not the stripe module', () => {
    const result = scan(
      `const x = __importDefault(require("not-stripe"));\nnew x.default("k").customers.list();\n`,
      'a.js',
    );
    expect(problems(result)).toEqual(['unknown_receiver ….customers.list']);
  });
});

describe('subclasses of Stripe', () => {
  it('`class X extends Stripe` then `new X(…)`, in one file; its own members are not SDK calls', () => {
    const result = scan(`
      import Stripe from 'stripe';
      class VendureStripeClient extends Stripe {
        constructor(private apiKey: string, public webhookSecret: string) { super(apiKey); }
        describe() { return 'client'; }
      }
      const client = new VendureStripeClient('k', 's');
      client.customers.list();
      client.describe();
      const Local = class extends Stripe {};
      new Local('k').customers.list();
    `);
    expect(ops(result)).toEqual([LIST, LIST]);
    expect(result.unresolved).toEqual([]);
  });

  it('an exported subclass (compiled CommonJS, through __importDefault) used in another file (Vendure)', () => {
    const result = scanProject({
      'stripe-client.js': `"use strict";
const stripe_1 = __importDefault(require("stripe"));
class VendureStripeClient extends stripe_1.default {
    constructor(apiKey, webhookSecret) {
        super(apiKey, { apiVersion: null });
        this.webhookSecret = webhookSecret;
    }
}
exports.VendureStripeClient = VendureStripeClient;
`,
      'stripe.service.js': `"use strict";
const stripe_client_1 = require("./stripe-client");
class StripeService {
    async createRefund(ctx, order, payment, amount) {
        const stripe = await this.getStripeClient(ctx, order);
        return stripe.refunds.create({ payment_intent: payment.transactionId, amount });
    }
    async listCustomers(ctx, activeOrder) {
        const [stripe, order] = await Promise.all([this.getStripeClient(ctx, activeOrder), this.findOrder(ctx)]);
        return stripe.customers.list({ email: order.customer.emailAddress });
    }
    async getStripeClient(ctx, order) {
        const [apiKey, webhookSecret] = await this.getKeys(ctx, order);
        if (!apiKey) {
            throw new Error('no key');
        }
        return new stripe_client_1.VendureStripeClient(apiKey, webhookSecret);
    }
}
exports.StripeService = StripeService;
`,
    });
    expect(ops(result)).toEqual([REFUND, LIST]);
    expect(result.unresolved).toEqual([]);
  });
});

describe('clients returned by functions and methods', () => {
  it('plain functions and methods whose every return is a client; `return null` aside', () => {
    const result = scan(`
      import Stripe from 'stripe';
      function getStripe(key) {
        if (!key) return null;
        return new Stripe(key);
      }
      getStripe('k').customers.list();
      class Service {
        getStripeClient() {
          const s = new Stripe('k');
          return s;
        }
        async run() {
          const stripe = await this.getStripeClient();
          await stripe.customers.list();
        }
      }
    `);
    expect(ops(result)).toEqual([LIST, LIST]);
  });

  it('a function that may return something else is not a factory', () => {
    const result = scan(`
      import Stripe from 'stripe';
      function get(x) {
        if (x) return x;
        return new Stripe('k');
      }
      get(1).customers.list();
    `);
    expect(problems(result)).toEqual(['unknown_receiver ….customers.list']);
  });

  it('recursion does not loop', () => {
    const result = scan(`
      import Stripe from 'stripe';
      function a() { return b(); }
      function b() { return a(); }
      a().customers.list();
    `);
    expect(problems(result)).toEqual(['unknown_receiver ….customers.list']);
  });
});

describe('array destructuring', () => {
  it('`const [stripe, x] = await Promise.all([getStripe(), …])` and `const [s] = [new Stripe(k)]`', () => {
    const result = scan(`
      import Stripe from 'stripe';
      const getStripe = async (): Promise<Stripe> => new Stripe('k');
      export async function f() {
        const [stripe, other] = await Promise.all([getStripe(), fetchOther()]);
        await stripe.customers.list();
        const [s] = [new Stripe('k')];
        s.customers.list();
        other.customers.list();
      }
    `);
    expect(ops(result)).toEqual([LIST, LIST]);
    expect(problems(result)).toEqual(['unknown_receiver other.customers.list']);
  });
});

describe('`expand` in a params variable', () => {
  it('follows an object literal in a variable, and spreads of one (Medusa)', () => {
    const result = scan(`
      import Stripe from 'stripe';
      const stripe = new Stripe('k');
      export async function f(id: string, amount: number) {
        const intentRequest = { amount, currency: 'usd', expand: ['payment_method'] };
        await stripe.paymentIntents.create(intentRequest, { idempotencyKey: 'x' });
        const base = { expand: ['customer'] };
        await stripe.invoices.retrieve(id, { ...base, foo: 1 });
        await stripe.customers.retrieve(id);
      }
    `);
    expect(ops(result)).toEqual([
      'stripe.paymentIntents.create POST /v1/payment_intents [payment_method]',
      'stripe.invoices.retrieve GET /v1/invoices/{invoice} [customer]',
      'stripe.customers.retrieve GET /v1/customers/{customer}',
    ]);
    expect(result.unresolved).toEqual([]);
  });

  it('params it cannot read are dynamic_expand, the call still listed', () => {
    const result = scan(`
      import Stripe from 'stripe';
      const stripe = new Stripe('k');
      export async function f(params: Stripe.CustomerCreateParams, data: object, id: string) {
        await stripe.customers.create(params);
        await stripe.setupIntents.create({ customer: id, ...data });
        await stripe.customers.retrieve(id, params);
      }
    `);
    expect(ops(result)).toEqual([
      'stripe.customers.create POST /v1/customers',
      'stripe.setupIntents.create POST /v1/setup_intents',
      'stripe.customers.retrieve GET /v1/customers/{customer}',
    ]);
    expect(result.unresolved.map((entry) => `${entry.code} ${entry.via}: ${entry.reason}`)).toEqual([
      'dynamic_expand stripe.customers.create: params `params` is not an object literal in scope: its `expand` cannot be read',
      'dynamic_expand stripe.setupIntents.create: params `data` is not an object literal in scope: its `expand` cannot be read',
      'dynamic_expand stripe.customers.retrieve: params `params` is not an object literal in scope: its `expand` cannot be read',
    ]);
  });
});
