import Stripe from 'stripe';
import { stripe as shared } from './client';

type Listable = 'customers' | 'invoices' | 'products';

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? '');

export async function listAny(resource: Listable): Promise<number> {
  // a computed member: which list is called is known only at run time
  const page = await stripe[resource].list({ limit: 1 });
  return page.data.length;
}

export async function sharedCustomers(): Promise<number> {
  // a client imported from another file: `scanPaths` follows it to src/client.ts
  const page = await shared.customers.list({ limit: 1 });
  return page.data.length;
}

export async function archived(client: { invoices: { retrieve(id: string): Promise<unknown> } }) {
  return client.invoices.retrieve('in_archived');
}
