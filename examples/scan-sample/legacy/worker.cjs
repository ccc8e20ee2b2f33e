const axios = require('axios');
const Stripe = require('stripe');

const stripe = require('stripe')(process.env.STRIPE_SECRET_KEY);
const API = 'https://api.stripe.com/v1';

class RefundWorker {
  constructor(key) {
    this.stripe = new Stripe(key);
  }

  async refund(charge) {
    const refund = await this.stripe.refunds.create({ charge });
    await this.stripe.rawRequest('POST', `/v1/charges/${charge}`, { metadata: { refunded: 'yes' } });
    return refund.id;
  }
}

async function balance() {
  const response = await fetch(`${API}/balance`, { headers: { Authorization: `Bearer ${process.env.KEY}` } });
  return response.json();
}

async function payout(id) {
  await axios.post(`${API}/payouts/${id}/cancel`);
  await fetch('https://api.stripe.com/v1/payouts/everything', { method: 'DELETE' });
}

async function products() {
  return stripe.products.list({ active: true });
}

module.exports = { RefundWorker, balance, payout, products };
