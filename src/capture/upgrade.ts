/**
 * Protocol upgrades (WebSocket, RFC 6455 §4; RFC 9110 §7.8): the handshake goes upstream with its Connection and
 * Upgrade headers intact; on 101 the two sockets are spliced and the exchange is recorded once, when both sides
 * have closed, with the bytes that crossed. A non-101 answer is relayed as an ordinary response.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import { pairsFromRaw } from '../model/headers';
import { forwardedRequestHeaders } from './headers-forwarding';
import type { ForwardEnv, ForwardTarget } from './forward';
import { clientAddressOf } from './forward';
import { PendingExchange } from './pending-exchange';
import { classifyUpstreamError, describeFailure } from './transport-errors';

function rawHead(statusLine: string, rawHeaders: readonly string[]): string {
  let head = statusLine + '\r\n';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return head + '\r\n';
}

export function forwardUpgrade(
  env: ForwardEnv & { trackSocket(socket: net.Socket): void },
  req: http.IncomingMessage,
  clientSocket: net.Socket,
  clientHead: Buffer,
  target: ForwardTarget,
): void {
  clientSocket.on('error', () => undefined);
  const exchange = new PendingExchange(env, {
    clientAddress: clientAddressOf(clientSocket),
    method: req.method ?? 'GET',
    url: target.url,
    httpVersion: req.httpVersion,
    headers: pairsFromRaw(req.rawHeaders),
  });
  const headers = forwardedRequestHeaders(req.rawHeaders, { upgrade: true, hostFromTarget: target.hostFromTarget });
  const prepared = env.upstream.prepare(target, req.method ?? 'GET', target.path, headers);
  const proxyReq = prepared.send(prepared.options);
  proxyReq.on('socket', (socket: net.Socket) => exchange.observeUpstreamSocket(socket, proxyReq.reusedSocket, prepared.viaProxy, () => undefined));

  proxyReq.on('upgrade', (proxyRes: http.IncomingMessage, upstreamSocket: net.Socket, upstreamHead: Buffer) => {
    env.trackSocket(upstreamSocket);
    exchange.setResponse(proxyRes);
    const tunnel = { target: `${target.host}:${target.port}`, reason: 'websocket' as const, bytesUp: clientHead.length, bytesDown: upstreamHead.length };
    exchange.tunnel = tunnel;
    clientSocket.write(rawHead(`HTTP/${proxyRes.httpVersion} ${proxyRes.statusCode} ${proxyRes.statusMessage}`, proxyRes.rawHeaders));
    if (upstreamHead.length > 0) clientSocket.write(upstreamHead);
    if (clientHead.length > 0) upstreamSocket.write(clientHead);
    clientSocket.on('data', (chunk: Buffer) => (tunnel.bytesUp += chunk.length));
    upstreamSocket.on('data', (chunk: Buffer) => (tunnel.bytesDown += chunk.length));
    upstreamSocket.on('error', () => undefined);
    clientSocket.pipe(upstreamSocket);
    upstreamSocket.pipe(clientSocket);
    const closeBoth = (): void => {
      clientSocket.destroy();
      upstreamSocket.destroy();
      exchange.finish();
    };
    clientSocket.once('close', closeBoth);
    upstreamSocket.once('close', closeBoth);
  });

  proxyReq.on('response', (proxyRes: http.IncomingMessage) => {
    // The upstream declined the upgrade: relay its answer as-is and close (the body is close-delimited here).
    exchange.setResponse(proxyRes);
    const headersOut: string[] = [];
    for (let i = 0; i + 1 < proxyRes.rawHeaders.length; i += 2) {
      const lower = proxyRes.rawHeaders[i].toLowerCase();
      if (lower === 'transfer-encoding' || lower === 'connection' || lower === 'keep-alive') continue;
      headersOut.push(proxyRes.rawHeaders[i], proxyRes.rawHeaders[i + 1]);
    }
    headersOut.push('Connection', 'close');
    clientSocket.write(rawHead(`HTTP/${proxyRes.httpVersion} ${proxyRes.statusCode} ${proxyRes.statusMessage}`, headersOut));
    proxyRes.on('data', (chunk: Buffer) => exchange.responseBody.push(chunk));
    proxyRes.pipe(clientSocket);
    proxyRes.on('close', () => {
      if (!proxyRes.complete) exchange.fail({ kind: 'reset', code: 'ECONNRESET', message: 'the upstream closed the connection before the response was complete', stage: 'response-body' });
      exchange.finish();
    });
  });

  proxyReq.on('error', (error: NodeJS.ErrnoException) => {
    if (exchange.finished || exchange.response) return;
    const failure = classifyUpstreamError(error, exchange.marks.connect === undefined && !proxyReq.reusedSocket ? 'connect' : 'request');
    exchange.fail(failure);
    const body = `${describeFailure(failure, `${target.host}:${target.port}`)}\n`;
    clientSocket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    exchange.finish();
  });
  clientSocket.once('close', () => {
    if (exchange.finished || exchange.tunnel) return;
    proxyReq.destroy();
    exchange.fail({ kind: 'client-aborted', code: 'ECONNRESET', message: 'the client closed the connection during the upgrade handshake', stage: 'request' });
    exchange.finish();
  });
  proxyReq.end();
}
