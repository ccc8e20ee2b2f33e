/**
 * The baseline for `npm run bench:gateway` (d): a plain reverse proxy on the gateway's own HTTP
 * stack — fastify 5 with raw-buffer bodies in front, node:http with a keep-alive agent behind,
 * the answer streamed back — and nothing else: no authentication, no decision, no log.
 *
 *   node --import tsx bench/plain-proxy.ts --upstream http://127.0.0.1:PORT [--port 0]
 *
 * Prints its URL alone on the first line of stdout; stops on SIGTERM/SIGINT.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { HOP_BY_HOP as GATEWAY_HOP_BY_HOP } from '../src/gateway/http-upstream.js';

/** appscope's own list of hop-by-hop headers, and `host` (the agent sets the upstream's). */
const HOP_BY_HOP = new Set([...GATEWAY_HOP_BY_HOP, 'host']);

function pass(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
  strict: true,
});
if (values.upstream === undefined) {
  process.stderr.write('plain-proxy: --upstream URL is required\n');
  process.exit(2);
}
const upstream = new URL(values.upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const app = Fastify({ logger: false, forceCloseConnections: 'idle' });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.all('/v1/*', (request, reply) => {
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  const headers = pass(request.headers);
  if (body !== undefined) headers['content-length'] = String(body.length);
  const outgoing = http.request(
    {
      agent,
      hostname: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: { ...headers, host: upstream.host },
    },
    (incoming) => {
      reply
        .code(incoming.statusCode ?? 502)
        .headers(pass(incoming.headers))
        .send(incoming);
    },
  );
  outgoing.on('error', () => {
    if (!reply.sent) reply.code(502).send({ error: { type: 'api_error', message: 'upstream unavailable' } });
  });
  outgoing.end(body);
  return reply;
});

await app.listen({ port: Number(values.port), host: '127.0.0.1' });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
process.stdout.write(`http://127.0.0.1:${address.port}\n`);
const stop = (): void => {
  agent.destroy();
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
