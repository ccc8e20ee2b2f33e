import Stripe from 'stripe';

export function reportClient(): Stripe {
  return new Stripe(process.env.STRIPE_SECRET_KEY ?? '');
}

export async function recentReportRuns(stripe: Stripe.Stripe): Promise<number> {
  const runs = await stripe.reporting.reportRuns.list({ limit: 10 });
  return runs.data.length;
}

export async function onboard(email: string): Promise<string> {
  const client = reportClient();
  const alias = client;
  const { customers } = alias;
  const customer = await customers.create({ email });
  await alias.subscriptions.list({ customer: customer.id, expand: ['data.default_payment_method'] });
  return customer.id;
}
