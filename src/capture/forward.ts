/**
 * Forwards one HTTP exchange (plain, or decrypted from an intercepted tunnel) to its upstream and back, streaming
 * both bodies while keeping a bounded copy, and records it. All failures go through one funnel (`failBeforeResponse`
 * / `failDuringResponse`) that decides what the client sees: a 502/504 page when no response has started, a cut
 * connection when one has (so the client sees a truncated body instead of hanging). Never throws into Node.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import { pairsFromRaw } from '../model/headers';
import type { TransportError } from '../model/exchange';
import { classifyUpstreamError, CONNECT_TIMEOUT_CODE, describeFailure, failureStage } from './transport-errors';
import { forwardedRequestHeaders, forwardedResponseHeaders } from './headers-forwarding';
import { PendingExchange, type CaptureEnv } from './pending-exchange';
import type { Upstream, UpstreamTarget } from './upstream';

export interface ForwardEnv extends CaptureEnv {
  upstream: Upstream;
  connectTimeoutMs: number;
  /** The parse error proxydoc answered 400 for on this client socket, if any (a malformed request body). */
  clientParseError?: (socket: net.Socket) => NodeJS.ErrnoException | undefined;
}

export interface ForwardTarget extends UpstreamTarget {
  /** The raw request target sent upstream (origin-form), byte for byte as the client wrote it. */
  path: string;
  /** The URL recorded for the exchange. */
  url: string;
  /** Replace Host with this (absolute-form requests, RFC 9112 §3.2.2). */
  hostFromTarget?: string;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function forwardRequest(env: ForwardEnv, req: http.IncomingMessage, res: http.ServerResponse, target: ForwardTarget): void {
  const exchange = new PendingExchange(env, {
    clientAddress: clientAddressOf(req.socket),
    method: req.method ?? 'GET',
    url: target.url,
    httpVersion: req.httpVersion,
    headers: pairsFromRaw(req.rawHeaders),
  });
  const outgoingHeaders = forwardedRequestHeaders(req.rawHeaders, { upgrade: false, hostFromTarget: target.hostFromTarget });
  const expectsContinue = req.headers.expect !== undefined;
  // Node adds a Date header to responses unless told not to; the client must see the upstream's headers only.
  res.sendDate = false;

  let proxyReq: http.ClientRequest | undefined;
  let responseStarted = false;
  let clientGone = false;
  let connectTimer: NodeJS.Timeout | undefined;
  let attempts = 0;
  /** The upstream's response broke HTTP framing mid-body (a bad chunk): reported as that, not as a reset. */
  let responseParseError: NodeJS.ErrnoException | undefined;
  const clearConnectTimer = (): void => {
    if (connectTimer) clearTimeout(connectTimer);
    connectTimer = undefined;
  };

  const failBeforeResponse = (error: TransportError): void => {
    clearConnectTimer();
    exchange.fail(error);
    if (!clientGone) sendFailurePage(res, exchange, error, `${target.host}:${target.port}`);
    exchange.finish();
  };

  const failDuringResponse = (error: TransportError): void => {
    exchange.fail(error);
    // Destroying the client socket is the only honest signal left once a status line has been sent.
    res.destroy();
    exchange.finish();
  };

  const startAttempt = (): void => {
    attempts += 1;
    const prepared = env.upstream.prepare(target, req.method ?? 'GET', target.path, outgoingHeaders);
    const request = prepared.send(prepared.options);
    proxyReq = request;
    connectTimer = setTimeout(() => {
      const stage = exchange.marks.connect !== undefined ? 'tls' : 'connect';
      const what = stage === 'tls' ? 'TLS handshake' : 'TCP connection';
      request.destroy(
        Object.assign(new Error(`${what} to ${target.host}:${target.port} did not complete within ${env.connectTimeoutMs / 1000} s`), {
          code: CONNECT_TIMEOUT_CODE,
        }),
      );
    }, env.connectTimeoutMs);

    request.on('socket', (socket: net.Socket) => {
      exchange.observeUpstreamSocket(socket, request.reusedSocket, prepared.viaProxy, clearConnectTimer);
    });
    request.on('finish', () => (exchange.marks.requestSent = exchange.now()));
    // RFC 9110 §10.1.1: relay the upstream's 100 Continue so the client sends its body only when the server wants it.
    request.on('continue', () => {
      if (expectsContinue && !clientGone) res.writeContinue();
    });
    request.on('response', (proxyRes) => onResponse(proxyRes));
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (exchange.finished || clientGone) return;
      if (responseStarted) {
        // The response's own close handler reports mid-body failures; a parse error (HPE_*) tells it why.
        if (error.code?.startsWith('HPE_')) responseParseError ??= error;
        return;
      }
      // A keep-alive socket the upstream closed while idle fails on first use; retry once on a fresh connection
      // when nothing of this request can have been processed (RFC 9112 §9.3.1 allows retrying idempotent requests).
      const stale = request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      if (stale && attempts === 1 && IDEMPOTENT.has(req.method ?? '') && exchange.requestBody.size === 0 && req.complete) {
        clearConnectTimer();
        startAttempt();
        request.destroy();
        return;
      }
      const stage = failureStage(exchange.marks, error, request.reusedSocket, target.scheme);
      failBeforeResponse(classifyUpstreamError(error, stage));
    });
    if (attempts > 1) request.end();
  };

  const onResponse = (proxyRes: http.IncomingMessage): void => {
    clearConnectTimer();
    responseStarted = true;
    exchange.setResponse(proxyRes);
    if (clientGone) {
      proxyRes.destroy();
      return;
    }
    try {
      res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage ?? '', forwardedResponseHeaders(proxyRes.rawHeaders, req.httpVersion));
    } catch (error) {
      // Node refuses to send header values it would have accepted reading (e.g. control characters).
      proxyRes.destroy();
      exchange.response = undefined;
      responseStarted = false;
      failBeforeResponse({ kind: 'protocol', code: (error as NodeJS.ErrnoException).code ?? 'ERR_INVALID_HEADER', message: (error as Error).message, stage: 'response-headers' });
      return;
    }
    proxyRes.on('data', (chunk: Buffer) => exchange.responseBody.push(chunk));
    proxyRes.on('end', () => {
      if (proxyRes.rawTrailers.length > 0) {
        exchange.trailers = pairsFromRaw(proxyRes.rawTrailers);
        res.addTrailers(exchange.trailers);
      }
    });
    proxyRes.on('close', () => {
      if (exchange.finished || clientGone) return;
      if (!proxyRes.complete) {
        failDuringResponse(
          responseParseError
            ? classifyUpstreamError(responseParseError, 'response-body')
            : { kind: 'reset', code: 'ECONNRESET', message: 'the upstream closed the connection before the response was complete', stage: 'response-body' },
        );
        return;
      }
      // The response is complete upstream; the record is written once the client has it all (res 'finish').
    });
    proxyRes.on('error', () => undefined); // reported through 'close' above
    proxyRes.pipe(res);
  };

  res.on('finish', () => {
    if (responseStarted && !exchange.finished) exchange.finish();
  });
  res.on('close', () => {
    if (exchange.finished || res.writableFinished) return;
    // The client went away before it had the whole response: abort the upstream too, so a cancelled call does not
    // keep a slow server busy, and record when it happened.
    clientGone = true;
    clearConnectTimer();
    proxyReq?.destroy();
    // A body that broke HTTP/1.1 framing (a bad chunk, an unknown transfer coding) ends the same way, but the client
    // did not give up: proxydoc answered it 400. Saying "client-aborted" would send the user after a client timeout.
    const parseError = env.clientParseError?.(req.socket);
    exchange.fail(
      parseError
        ? {
            kind: 'protocol',
            code: parseError.code ?? 'HPE_INVALID',
            message: `the client's request body broke HTTP/1.1 framing (${parseError.code ?? parseError.message}); proxydoc answered 400 and closed the connection`,
            stage: 'request',
          }
        : {
            kind: 'client-aborted',
            code: 'ECONNRESET',
            message: responseStarted ? 'the client closed the connection while the response was being sent' : 'the client closed the connection before the response arrived',
            stage: responseStarted ? 'response-body' : 'request',
          },
    );
    exchange.finish();
  });
  req.on('error', () => undefined); // a client reset surfaces as res 'close' above

  req.on('data', (chunk: Buffer) => exchange.requestBody.push(chunk));
  startAttempt();
  if (proxyReq) req.pipe(proxyReq);
}

export function clientAddressOf(socket: net.Socket): string {
  // Decrypted requests arrive on a TLS socket wrapping the client's TCP socket; both know the client's address.
  return socket.remoteAddress ?? 'unknown';
}

function sendFailurePage(res: http.ServerResponse, exchange: PendingExchange, error: TransportError, target: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = error.kind === 'connect-timeout' ? 504 : 502;
  const body = `${describeFailure(error, target)}\nproxydoc recorded this as exchange #${exchange.seq} (proxydoc.log, exchanges.jsonl).\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Proxydoc-Error': `${error.kind} ${error.code}`,
  });
  res.end(body);
}
