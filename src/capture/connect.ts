/**
 * CONNECT (RFC 9110 §9.3.6). proxydoc answers 200 and looks at the client's first bytes:
 * - a TLS ClientHello (first byte 0x16, RFC 8446 §5.1 content type handshake): TLS is terminated with a leaf
 *   certificate for the SNI name (or the CONNECT host) and the decrypted requests go through the HTTP path;
 * - an HTTP/1.x request line (undici's ProxyAgent tunnels http:// requests this way): parsed the same way;
 * - anything else, and hosts under --no-intercept: a blind tunnel, recorded with its byte counts and duration.
 */
import type * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { PortRange } from '../config';
import type { TransportError } from '../model/exchange';
import { pairsFromRaw } from '../model/headers';
import { splitHostPort } from '../model/url';
import { connectPortRefusal, isConnectPortAllowed, rawResponse } from './access';
import { PendingExchange, type CaptureEnv } from './pending-exchange';
import { classifyUpstreamError, CONNECT_TIMEOUT_CODE, describeFailure } from './transport-errors';
import type { Upstream } from './upstream';
import { clientAddressOf } from './forward';

export interface InterceptedTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** host:port as written in the CONNECT line. */
  authority: string;
  /** The SNI name the client sent, if any. */
  servername?: string;
}

export interface ConnectEnv extends CaptureEnv {
  upstream: Upstream;
  /** Issues the TLS context presented to clients for a host name or IP literal. */
  secureContextFor(host: string): Promise<tls.SecureContext>;
  /** Hosts tunnelled blind (exact names, or `.suffix` / suffix for subdomains). */
  shouldIntercept(host: string): boolean;
  /** Hands a decrypted or plain socket to the HTTP server, remembering where its requests go. */
  adoptSocket(socket: net.Socket, target: InterceptedTarget): void;
  /**
   * Whether the HTTP server saw any request bytes on an adopted socket. (Its parser reads the TLS stream natively,
   * so 'data' events can't tell.)
   */
  sawRequestOn(socket: net.Socket): boolean;
  /** Every socket proxydoc opens or takes over, so shutdown can close them (open tunnels keep server.close() waiting). */
  trackSocket(socket: net.Socket): void;
  /** How long a client may take to finish its TLS handshake. */
  handshakeTimeoutMs: number;
  /** How long an upstream TCP connect may take (--connect-timeout). */
  connectTimeoutMs: number;
  /** Ports a tunnel may go to (--connect-ports); undefined = any. */
  connectPorts?: readonly PortRange[];
}

const TLS_HANDSHAKE_RECORD = 0x16;
/** How long a tunnel's client may stay silent before proxydoc lets the upstream speak first (see handleConnect). */
const SERVER_FIRST_WAIT_MS = 3000;
/** A token character starting an HTTP method (RFC 9110 §9.1: methods are tokens, in practice upper-case letters). */
const HTTP_METHOD_START = /^[A-Z]/;
/**
 * A client that completes the handshake and closes this soon without sending a byte most likely rejected the
 * certificate after the handshake: Node's tls client verifies after the handshake and then just closes.
 */
const SILENT_REJECTION_WINDOW_MS = 2000;

export function handleConnect(env: ConnectEnv, req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
  env.trackSocket(socket);
  socket.on('error', () => undefined); // resets are reported through 'close'
  const authority = req.url ?? '';
  const { host, port } = splitHostPort(authority, 443);
  if (host === '' || !/^\d+$/.test(authority.slice(authority.lastIndexOf(':') + 1))) {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nCONNECT needs host:port (RFC 9110 §9.3.6).\n');
    return;
  }
  const target: InterceptedTarget = { scheme: 'https', host, port, authority };
  if (env.connectPorts !== undefined && !isConnectPortAllowed(port, env.connectPorts)) {
    const refusal = connectPortRefusal(port, env.connectPorts);
    const exchange = new PendingExchange(env, connectExchangeStart(req, socket, target));
    exchange.refuse(refusal);
    socket.end(rawResponse(refusal));
    exchange.finish();
    return;
  }

  if (!env.shouldIntercept(host)) {
    openBlindTunnel(env, req, socket, head, target, 'no-intercept');
    return;
  }
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  const classify = (first: Buffer): void => {
    socket.pause();
    socket.unshift(first);
    if (first[0] === TLS_HANDSHAKE_RECORD) interceptTls(env, req, socket, target);
    else if (HTTP_METHOD_START.test(first.subarray(0, 1).toString('latin1'))) {
      env.adoptSocket(socket, { ...target, scheme: 'http' });
      socket.resume();
    } else openBlindTunnel(env, req, socket, Buffer.alloc(0), target, 'not-tls');
  };
  if (head.length > 0) classify(head);
  else {
    // A client that hangs up before sending anything leaves a half-open socket: close it.
    const onEnd = (): void => {
      clearTimeout(silence);
      socket.destroy();
    };
    const onFirst = (first: Buffer): void => {
      clearTimeout(silence);
      socket.off('end', onEnd);
      classify(first);
    };
    // A client that says nothing is waiting for the server to speak first (SMTP, MySQL, FTP banners): after a
    // short wait the tunnel goes through blind, so the banner reaches it. TLS and HTTP clients send at once.
    const silence = setTimeout(() => {
      socket.off('end', onEnd);
      socket.off('data', onFirst);
      if (!socket.destroyed) openBlindTunnel(env, req, socket, Buffer.alloc(0), target, 'not-tls');
    }, Math.min(env.handshakeTimeoutMs, SERVER_FIRST_WAIT_MS));
    socket.once('close', () => clearTimeout(silence));
    socket.once('end', onEnd);
    socket.once('data', onFirst);
  }
}

function interceptTls(env: ConnectEnv, req: http.IncomingMessage, socket: net.Socket, target: InterceptedTarget): void {
  // The upstream's TCP and TLS handshakes run while the client's handshake with proxydoc does, instead of after it.
  env.upstream.preconnect({ scheme: 'https', host: target.host, port: target.port });
  let reported = false;
  const rejected = (code: string, message: string): void => {
    if (reported) return;
    reported = true;
    const exchange = new PendingExchange(env, connectExchangeStart(req, socket, target));
    exchange.fail({ kind: 'client-tls-rejected', code, message, stage: 'tls' });
    exchange.finish();
  };
  env.secureContextFor(target.host).then(
    (secureContext) => {
      const tlsSocket = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext,
        // Only HTTP/1.1 is offered: clients that prefer h2 fall back, and every request stays readable.
        ALPNProtocols: ['http/1.1'],
        SNICallback: (servername, callback) => {
          env.secureContextFor(servername).then(
            (context) => callback(null, context),
            (error: Error) => callback(error),
          );
        },
      });
      env.trackSocket(tlsSocket);
      let securedAt: number | undefined;
      const timer = setTimeout(() => {
        rejected('PROXYDOC_ERR_CLIENT_HANDSHAKE_TIMEOUT', `the client did not finish the TLS handshake within ${env.handshakeTimeoutMs / 1000} s`);
        tlsSocket.destroy();
      }, env.handshakeTimeoutMs);
      // Sockets from Node's HTTP server allow half-open connections, and the TLS socket inherits that: a client
      // that hangs up mid-handshake only shows as 'end', which must close our side too.
      const onEarlyEnd = (): void => {
        tlsSocket.destroy();
      };
      tlsSocket.once('end', onEarlyEnd);
      tlsSocket.once('secure', () => {
        tlsSocket.off('end', onEarlyEnd); // from here on the HTTP server manages the connection's end
        securedAt = env.clock.monotonicMs();
        clearTimeout(timer);
        const servername = (tlsSocket as tls.TLSSocket & { servername?: string | false }).servername;
        env.adoptSocket(tlsSocket, { ...target, servername: typeof servername === 'string' ? servername : undefined });
      });
      // OpenSSL clients (curl, Python, Java) send an alert naming the problem, which surfaces here.
      tlsSocket.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (securedAt === undefined) rejected(error.code ?? 'UNKNOWN', error.message);
        tlsSocket.destroy();
      });
      // Node.js clients verify the certificate after their side of the handshake and just close: before our side
      // completes (TLS 1.3) or right after it, without a request.
      tlsSocket.once('close', () => {
        clearTimeout(timer);
        if (securedAt === undefined) {
          rejected('PROXYDOC_CLIENT_CLOSED_DURING_HANDSHAKE', 'the client closed the connection during the TLS handshake without an alert (what Node.js clients do when they do not trust the certificate)');
        } else if (!env.sawRequestOn(tlsSocket) && env.clock.monotonicMs() - securedAt < SILENT_REJECTION_WINDOW_MS) {
          rejected('PROXYDOC_CLIENT_CLOSED_AFTER_HANDSHAKE', 'the client completed the TLS handshake and closed the connection without sending a request (what Node.js clients do when they do not trust the certificate)');
        }
      });
    },
    (error: Error & { code?: string }) => {
      // Issuing the leaf failed (e.g. an unusable host name): the client cannot be served over TLS.
      rejected(error.code ?? 'PROXYDOC_ERR_CA', `proxydoc could not issue a certificate for ${target.host}: ${error.message}`);
      socket.destroy();
    },
  );
}

function connectExchangeStart(req: http.IncomingMessage, socket: net.Socket, target: InterceptedTarget) {
  return {
    clientAddress: clientAddressOf(socket),
    method: 'CONNECT',
    url: target.authority,
    httpVersion: req.httpVersion,
    headers: pairsFromRaw(req.rawHeaders),
  };
}

function openBlindTunnel(
  env: ConnectEnv,
  req: http.IncomingMessage,
  clientSocket: net.Socket,
  head: Buffer,
  target: InterceptedTarget,
  reason: 'no-intercept' | 'not-tls',
): void {
  const exchange = new PendingExchange(env, connectExchangeStart(req, clientSocket, target));
  const tunnel = { target: target.authority, reason, bytesUp: 0, bytesDown: 0 };
  exchange.tunnel = tunnel;
  // For no-intercept the client still waits for our answer to CONNECT; for not-tls it already has its 200.
  const answered = reason === 'not-tls';
  const opened = env.upstream.openTunnel(target.host, target.port);
  let upstreamSocket: net.Socket | undefined;

  const fail = (error: TransportError): void => {
    exchange.fail(error);
    if (!answered && !clientSocket.destroyed) {
      const body = `${describeFailure(error, target.authority)}\n`;
      const status = error.kind === 'connect-timeout' ? '504 Gateway Timeout' : '502 Bad Gateway';
      clientSocket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    } else clientSocket.destroy();
    exchange.finish();
  };

  const connectTimer = setTimeout(() => {
    upstreamSocket?.destroy();
    fail({
      kind: 'connect-timeout',
      code: CONNECT_TIMEOUT_CODE,
      message: `TCP connection to ${target.authority} did not complete within ${env.connectTimeoutMs / 1000} s`,
      stage: 'connect',
    });
  }, env.connectTimeoutMs);

  opened.socket.then(
    (socket) => {
      upstreamSocket = socket;
      env.trackSocket(socket);
      if (exchange.finished) {
        socket.destroy();
        return;
      }
      exchange.observeUpstreamSocket(socket, false, opened.viaProxy, () => {
        clearTimeout(connectTimer);
        if (!answered) clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) {
          tunnel.bytesUp += head.length;
          socket.write(head);
        }
        clientSocket.on('data', (chunk: Buffer) => (tunnel.bytesUp += chunk.length));
        socket.on('data', (chunk: Buffer) => (tunnel.bytesDown += chunk.length));
        clientSocket.pipe(socket);
        socket.pipe(clientSocket);
        clientSocket.resume();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(connectTimer);
        if (exchange.marks.connect === undefined && !exchange.finished) fail(classifyUpstreamError(error, 'connect'));
        else exchange.fail(classifyUpstreamError(error, 'tunnel'));
      });
      socket.on('close', () => {
        clientSocket.destroy();
        exchange.finish();
      });
      clientSocket.on('close', () => {
        socket.destroy();
        exchange.finish();
      });
    },
    (error: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      fail(classifyUpstreamError(error, 'connect'));
    },
  );
  clientSocket.on('close', () => {
    if (upstreamSocket || exchange.finished) return;
    clearTimeout(connectTimer);
    exchange.fail({ kind: 'client-aborted', code: 'ECONNRESET', message: 'the client closed the tunnel before the upstream connection was open', stage: 'connect' });
    exchange.finish();
  });
}
