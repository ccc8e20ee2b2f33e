/**
 * The v1 Stripe App manifest (`stripe-app.json`) as appscope reads it. Field names are the
 * manifest's own (snake_case, `connect-src`), so a parsed manifest serialises back unchanged.
 */

/** Where a UI extension view can appear in the Dashboard. */
export const VIEWPORTS = [
  'onboarding',
  'settings',
  'stripe.dashboard.balance.overview',
  'stripe.dashboard.billing.overview',
  'stripe.dashboard.customer.detail',
  'stripe.dashboard.customer.detail.page-module',
  'stripe.dashboard.customer.list',
  'stripe.dashboard.drawer.default',
  'stripe.dashboard.home.overview',
  'stripe.dashboard.invoice.detail',
  'stripe.dashboard.invoice.detail.page-module',
  'stripe.dashboard.invoice.list',
  'stripe.dashboard.payment-link.detail',
  'stripe.dashboard.payment-link.list',
  'stripe.dashboard.payment.detail',
  'stripe.dashboard.payment.list',
  'stripe.dashboard.product.detail',
  'stripe.dashboard.product.list',
  'stripe.dashboard.report.overview',
  'stripe.dashboard.revenue-recognition.overview',
  'stripe.dashboard.subscription.detail',
  'stripe.dashboard.subscription.list',
  'stripe.dashboard.tax-report.overview',
] as const;

export type Viewport = (typeof VIEWPORTS)[number];

export const API_ACCESS_TYPES = ['restricted_api_key', 'oauth', 'platform'] as const;
export type ApiAccessType = (typeof API_ACCESS_TYPES)[number];

export const DISTRIBUTION_TYPES = ['public', 'private'] as const;
export type DistributionType = (typeof DISTRIBUTION_TYPES)[number];

export const POST_INSTALL_ACTION_TYPES = ['onboarding', 'settings', 'external'] as const;

/** One requested permission: exactly one catalog name and the reason admins see at install. */
export interface ManifestPermission {
  permission: string;
  purpose: string;
}

export interface ManifestView {
  viewport: Viewport;
  /** A React component in `src/views`, e.g. `CustomerDetail`. */
  component: string;
}

export interface ContentSecurityPolicy {
  /** External APIs the UI may call: HTTPS, with a path; a trailing `/` also allows sub-paths. */
  'connect-src'?: string[] | null;
  /** Hosts the UI may load images from. */
  'image-src'?: string[] | null;
  /** Shown to admins at install: why the app talks to these URLs. */
  purpose: string;
}

export interface UiExtension {
  views?: ManifestView[];
  content_security_policy?: ContentSecurityPolicy;
}

export type PostInstallAction = { type: 'onboarding' | 'settings' } | { type: 'external'; url: string };

/**
 * A valid v1 manifest, as returned by `parseManifest` / `validateManifest`.
 * @example
 * const manifest: Manifest = {
 *   id: 'com.example.app',
 *   version: '1.0.0',
 *   name: 'Example',
 *   icon: '',
 *   permissions: [{ permission: 'customer_read', purpose: 'Show the customer’s orders' }],
 * };
 */
export interface Manifest {
  $schema?: string;
  id: string;
  version: string;
  name: string;
  /** `""` or a relative path to a PNG, e.g. `./icon.png`. */
  icon: string;
  permissions: ManifestPermission[];
  stripe_api_access_type?: ApiAccessType;
  distribution_type?: DistributionType;
  /** Optional here (Stripe's schema requires it): a backend-only app has no UI. */
  ui_extension?: UiExtension;
  post_install_action?: PostInstallAction | null;
  constants?: Record<string, unknown> | null;
  allowed_redirect_uris?: string[] | null;
  sandbox_install_compatible?: boolean;
}
