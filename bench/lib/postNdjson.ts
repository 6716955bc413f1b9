/** One NDJSON POST to driftwatch, for the benchmarks' load generators. */
import http from 'node:http';

export interface PostAnswer {
  status: number;
  text: string;
}

/**
 * POSTs `body` as NDJSON and resolves with the status and the answer's text;
 * rejects on a connection error, or with `timedOut: true` when no answer
 * came within `timeoutMs` (the request is then destroyed). With
 * `idempotencyKey`, the batch carries it as `Idempotency-Key`, as the log
 * shipper sends one per batch (a service that does not read it ignores it).
 */
export function postNdjson(
  agent: http.Agent,
  target: URL,
  body: Buffer,
  timeoutMs?: number,
  idempotencyKey?: string,
): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-ndjson',
          'content-length': String(body.length),
          ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    if (timeoutMs !== undefined) {
      request.setTimeout(timeoutMs, () => {
        request.destroy(
          Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { timedOut: true }),
        );
      });
    }
    request.on('error', reject);
    request.end(body);
  });
}
