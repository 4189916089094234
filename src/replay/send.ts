/**
 * Sends one planned replay request and records it: the I/O half of `proxydoc replay`. The request goes out
 * through the proxy's own Upstream (raw header array, raw target, TLS verified against --upstream-ca, direct or
 * through an HTTP proxy), and is measured and recorded by the same PendingExchange the forwarder uses, so a replay's
 * record, phases and diagnosis mean exactly what an original's do.
 */
import type * as net from 'node:net';
import type { Clock } from '../capture/clock';
import { PendingExchange } from '../capture/pending-exchange';
import type { Recorder } from '../capture/recorder';
import { classifyUpstreamError, CONNECT_TIMEOUT_CODE, failureStage } from '../capture/transport-errors';
import type { Upstream } from '../capture/upstream';
import type { ExchangeRecord, TransportError } from '../model/exchange';
import { pairsFromRaw } from '../model/headers';
import { replayTarget, type ReplayRequest } from './plan';

export interface SendEnv {
  upstream: Upstream;
  recorder: Recorder;
  clock: Clock;
  maxBodyCapture: number;
  connectTimeoutMs: number;
}

export interface ReplayOrigin {
  /** The original's client address, so the diagnosis compares the replay with that client's history. */
  clientAddress: string;
  /** The id of the record replayed. */
  replayOf: string;
}

/** A request Node refuses to put on the wire (it validates what it sends more strictly than what it reads). */
export class ReplayUnsendableError extends Error {
  readonly code = 'PROXYDOC_ERR_REPLAY_UNSENDABLE';
  override name = 'ReplayUnsendableError';
}

/**
 * Sends `request` and resolves with its finished, diagnosed record once the response is complete or the exchange
 * failed; a transport failure is a record with `error`, never a rejection.
 */
export function sendReplay(env: SendEnv, request: ReplayRequest, origin: ReplayOrigin): Promise<ExchangeRecord> {
  const target = replayTarget(request);
  if (!target) throw new ReplayUnsendableError(`cannot send to ${JSON.stringify(request.url)}: not an absolute http(s) URL`);
  const prepared = env.upstream.prepare(
    { scheme: target.scheme, host: target.host, port: target.port },
    request.method,
    target.path,
    request.headers.flatMap(([name, value]) => [name, value]),
  );
  let outgoing: ReturnType<typeof prepared.send>;
  try {
    outgoing = prepared.send(prepared.options);
  } catch (error) {
    throw new ReplayUnsendableError(`cannot send the request: ${(error as Error).message}`, { cause: error });
  }

  const exchange = new PendingExchange(
    { recorder: env.recorder, clock: env.clock, maxBodyCapture: env.maxBodyCapture },
    { clientAddress: origin.clientAddress, method: request.method, url: request.url, httpVersion: '1.1', headers: request.headers, replayOf: origin.replayOf },
  );

  return new Promise<ExchangeRecord>((resolve) => {
    const connectTimer = setTimeout(() => {
      const what = exchange.marks.connect !== undefined ? 'TLS handshake' : 'TCP connection';
      outgoing.destroy(
        Object.assign(new Error(`${what} to ${target.host}:${target.port} did not complete within ${env.connectTimeoutMs / 1000} s`), {
          code: CONNECT_TIMEOUT_CODE,
        }),
      );
    }, env.connectTimeoutMs);

    let responseStarted = false;
    const finish = (): void => {
      clearTimeout(connectTimer);
      const record = exchange.finish();
      if (record) resolve(record);
    };
    const fail = (error: TransportError): void => {
      exchange.fail(error);
      finish();
    };

    outgoing.on('socket', (socket: net.Socket) => {
      exchange.observeUpstreamSocket(socket, outgoing.reusedSocket, prepared.viaProxy, () => clearTimeout(connectTimer));
    });
    outgoing.on('finish', () => (exchange.marks.requestSent = exchange.now()));
    outgoing.on('response', (response) => {
      clearTimeout(connectTimer);
      responseStarted = true;
      exchange.setResponse(response);
      response.on('data', (chunk: Buffer) => exchange.responseBody.push(chunk));
      response.on('end', () => {
        if (response.rawTrailers.length > 0) exchange.trailers = pairsFromRaw(response.rawTrailers);
      });
      response.on('close', () => {
        if (!response.complete) {
          fail({ kind: 'reset', code: 'ECONNRESET', message: 'the upstream closed the connection before the response was complete', stage: 'response-body' });
          return;
        }
        finish();
      });
      response.on('error', () => undefined); // reported through 'close' above
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (responseStarted) return; // the response's close handler reports mid-body failures
      fail(classifyUpstreamError(error, failureStage(exchange.marks, error, exchange.upstream?.reusedConnection === true, target.scheme)));
    });

    exchange.requestBody.push(request.body);
    // Sent at once even with `Expect: 100-continue`: RFC 9110 §10.1.1 lets a client send the content without
    // waiting for the 100, and a replay has the whole body in hand.
    if (request.body.length > 0) outgoing.end(request.body);
    else outgoing.end();
  });
}
