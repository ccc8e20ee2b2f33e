import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * A tiny browser for `app.inject()`: keeps the dashboard's cookies, follows nothing by itself,
 * and reads the CSRF token and form fields out of the last page.
 */
export interface Agent {
  readonly cookies: Map<string, string>;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(
    url: string,
    fields: Record<string, string | readonly string[]>,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Signs in; returns the sign-in POST's response. */
  signIn(email: string, password: string, next?: string): Promise<LightMyRequestResponse>;
}

/** The CSRF token in a page's forms. */
export function csrfOf(body: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(body);
  if (match === null) throw new Error('no CSRF token on the page');
  return match[1]!;
}

/** Every value of hidden inputs called `name` in the first form posting to `action`. */
export function hiddenValues(body: string, action: string, name: string): string[] {
  const start = body.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = body.slice(start, body.indexOf('</form>', start));
  return [...form.matchAll(new RegExp(`name="${name}" value="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

export function agent(app: FastifyInstance, remoteAddress = '127.0.0.1'): Agent {
  const cookies = new Map<string, string>();
  const remember = (response: LightMyRequestResponse) => {
    const set = response.headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const self: Agent = {
    cookies,
    async get(url, headers = {}) {
      return remember(
        await app.inject({
          method: 'GET',
          url,
          remoteAddress,
          headers: { cookie: cookieHeader(), ...headers },
        }),
      );
    },
    async post(url, fields, headers = {}) {
      const body = new URLSearchParams();
      for (const [key, value] of Object.entries(fields)) {
        for (const v of typeof value === 'string' ? [value] : value) body.append(key, v);
      }
      return remember(
        await app.inject({
          method: 'POST',
          url,
          remoteAddress,
          headers: {
            cookie: cookieHeader(),
            'content-type': 'application/x-www-form-urlencoded',
            ...headers,
          },
          payload: body.toString(),
        }),
      );
    },
    async signIn(email, password, next = '/dashboard/apps') {
      const page = await self.get(`/dashboard/sign-in?next=${encodeURIComponent(next)}`);
      const token = /name="token" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      return self.post('/dashboard/sign-in', { token, email, password, next });
    },
  };
  return self;
}
