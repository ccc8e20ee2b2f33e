import { createEmulator, type Emulator, type EmulatorRequest } from '../emulator/emulator.js';
import type { Upstream, UpstreamJson, UpstreamRequest, UpstreamResponse } from './upstream.js';

/**
 * The built-in emulator as an upstream, called in process: no HTTP hop, no serialization of
 * the request. The emulator sees the install's account and mode, the canonical method, path,
 * raw query and body, the `Idempotency-Key` and the gateway's request id.
 * @example
 * const upstream = emulatorUpstream(createEmulator());
 */
export function emulatorUpstream(emulator: Emulator = createEmulator()): Upstream {
  function toEmulator(request: UpstreamRequest): EmulatorRequest {
    const key = request.headers['idempotency-key'];
    const contentType = request.headers['content-type'];
    const multipart = contentType !== undefined && /^\s*multipart\//i.test(contentType);
    return {
      method: request.method,
      path: request.path,
      query: request.query,
      // A multipart upload stays binary (one byte per character); a form body is ASCII.
      body: request.body === undefined ? '' : request.body.toString(multipart ? 'latin1' : 'utf8'),
      ...(contentType === undefined ? {} : { contentType }),
      account: request.account,
      livemode: request.livemode,
      requestId: request.requestId,
      ...(key === undefined ? {} : { idempotencyKey: key }),
    };
  }

  async function json(request: UpstreamRequest): Promise<UpstreamJson> {
    const response = await emulator.handle(toEmulator(request));
    return { status: response.status, headers: response.headers ?? {}, body: response.body };
  }

  return {
    kind: 'emulator',
    timeoutMs: 0,
    json,
    async send(request): Promise<UpstreamResponse> {
      const response = await json(request);
      return {
        status: response.status,
        headers: response.headers,
        body: Buffer.isBuffer(response.body) ? response.body : JSON.stringify(response.body),
      };
    },
    serves: () => true,
    close: async () => {},
  };
}
