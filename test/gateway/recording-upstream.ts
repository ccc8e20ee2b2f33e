import http from 'node:http';

/** One request as the upstream received it: the exact request line and body bytes. */
export interface SeenRequest {
  readonly method: string;
  /** The request target exactly as sent (path and query). */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

/** A plain node:http upstream that records what it receives and answers as told. */
export interface RecordingUpstream {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** How to answer (default: 200 with an empty list). */
  answer: (request: SeenRequest, response: http.ServerResponse) => void;
  close(): Promise<void>;
}

export function defaultAnswer(_request: SeenRequest, response: http.ServerResponse): void {
  const body = JSON.stringify({ object: 'list', data: [], has_more: false, url: '/v1/x' });
  response.writeHead(200, {
    'content-type': 'application/json',
    'request-id': 'req_upstream123',
    'x-upstream': 'yes',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
  });
  response.end(body);
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const seen: SeenRequest[] = [];
  const state: RecordingUpstream = {
    url: '',
    seen,
    answer: defaultAnswer,
    close: async () => {},
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const record: SeenRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        body: Buffer.concat(chunks),
      };
      seen.push(record);
      state.answer(record, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return Object.assign(state, {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
