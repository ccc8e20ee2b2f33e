import type Stripe from 'stripe';

export class BillingService {
  constructor(private readonly stripe: Stripe) {}

  async invoiceWithSubscription(id: string): Promise<Stripe.Invoice> {
    return this.stripe.invoices.retrieve(id, { expand: ['subscription', 'customer'] });
  }

  async checkout(customer: string, price: string): Promise<string | null> {
    const session = await this.stripe.checkout.sessions.create({
      customer,
      mode: 'subscription',
      line_items: [{ price, quantity: 1 }],
    });
    return session.url;
  }

  async portal(customer: string): Promise<string> {
    const session = await this.stripe.billingPortal.sessions.create({ customer });
    return session.url;
  }

  async overdueTotal(): Promise<number> {
    let total = 0;
    for await (const invoice of this.stripe.invoices.list({ status: 'open', expand: ['data.customer'] })) {
      total += invoice.amount_due;
    }
    return total;
  }
}
