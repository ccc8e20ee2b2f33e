import { createHttpClient, STRIPE_API_KEY } from '@stripe/ui-extension-sdk/http_client';
import Stripe from 'stripe';

const stripe = new Stripe(STRIPE_API_KEY, { httpClient: createHttpClient(), apiVersion: '2023-08-16' });

export const App = ({ customerId }: { customerId: string }) => {
  const load = async () => {
    const customer = await stripe.customers.retrieve(customerId, { expand: ['default_source'] });
    const charges = await stripe.charges.list({ customer: customerId, limit: 5 });
    return { customer, charges };
  };
  return (
    <button type="button" onClick={load}>
      Load
    </button>
  );
};
