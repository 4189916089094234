/**
 * Clients that are broken or hostile, over real sockets: malformed request lines and headers, request smuggling
 * shapes, CONNECTs to nowhere or carrying garbage, TLS handshakes that stop halfway, slowloris, a flood of idle
 * connections, and a client that stops reading. Each gets a clean 4xx or a closed socket (and a record where there
 * was an exchange), nothing ambiguous reaches the upstream, and the proxy goes on serving everyone else.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { ExchangeRecord } from '../../src/model/exchange';
import { curl, rawRequest, startHarness, type Harness } from '../helpers/proxy-harness';
import { collectGarbage, liveMemory, openTcpSockets, socketsBackTo } from '../helpers/resources';
import { closedPort, startHttpServer } from '../helpers/servers';

/** The --headers-timeout of the proxy under test: short, so slowloris is cut within the test's time. */
const HEADERS_TIMEOUT_MS = 1000;
const IDLE_CONNECTIONS = 10_000;
const IDLE_SCRIPT = path.join(__dirname, '../helpers/idle-connections.py');
const MiB = 1024 * 1024;

/** What the upstream's own HTTP parser saw: the only honest answer to "did anything get through?". */
interface Observed {
  method: string;
  url: string;
  body: string;
  /** The whole body arrived (a request cut mid-body is not complete). */
  complete: boolean;
}

/** Collects everything a socket receives until it is closed, with when that happened. */
function untilClosed(socket: net.Socket): Promise<{ received: string; closedAt: number }> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ received, closedAt: performance.now() }));
  });
}

/** A raw CONNECT through the proxy; resolves once the proxy has answered it (the answer head is returned). */
function openConnect(proxyPort: number, authority: string): Promise<{ socket: net.Socket; answer: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, '127.0.0.1', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    let answer = '';
    const onData = (chunk: Buffer): void => {
      answer += chunk.toString('latin1');
      if (!answer.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, answer });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

/** The bytes of a real ClientHello, as Node's TLS client sends it (one record, a few hundred bytes). */
async function realClientHello(): Promise<Buffer> {
  const server = net.createServer();
  const hello = new Promise<Buffer>((resolve) =>
    server.on('connection', (socket) =>
      socket.once('data', (data: Buffer) => {
        resolve(data);
        socket.destroy();
      }),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername: 'example.test' });
  client.on('error', () => undefined);
  const bytes = await hello;
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
  return bytes;
}

describe('hostile or broken clients', () => {
  let harness: Harness;
  /** Keep-alive, like most real servers: a desync would show as an extra request here. */
  let observer: Awaited<ReturnType<typeof startHttpServer>>;
  const observed: Observed[] = [];
  let clientHello: Buffer;
  /** Open TCP sockets before any case ran. */
  let baseline: number;

  beforeAll(async () => {
    observer = await startHttpServer((req, res) => {
      const entry: Observed = { method: req.method ?? '', url: req.url ?? '', body: '', complete: false };
      if (entry.url !== '/sentinel') observed.push(entry);
      else res.setHeader('Connection', 'close'); // nothing of the check stays pooled
      req.on('data', (chunk: Buffer) => (entry.body += chunk.toString('latin1')));
      req.on('end', () => {
        entry.complete = true;
        res.end('ok');
      });
    });
    harness = await startHarness({ headersTimeoutMs: HEADERS_TIMEOUT_MS });
    clientHello = await realClientHello();
    baseline = openTcpSockets();
  });
  afterAll(async () => {
    await harness.close();
    await observer.close();
  });
  beforeEach(() => {
    observed.length = 0;
  });

  /**
   * An ordinary request through the same proxy succeeds. It goes to the observer last, so anything the proxy was
   * going to forward for the case before it has been forwarded by the time this answers.
   */
  async function expectStillServing(target: Harness = harness): Promise<void> {
    const result = await curl(target, ['-sS', `http://127.0.0.1:${observer.port}/sentinel`]);
    expect(result.stdout).toBe('ok');
  }

  /** The first record finished after the `before`-th whose URL ends with `urlEnd` (other exchanges may finish first). */
  async function recordFor(before: number, urlEnd: string): Promise<ExchangeRecord> {
    for (let count = before + 1; ; count += 1) {
      const found = (await harness.records(count)).slice(before).find((record) => record.request.url.endsWith(urlEnd));
      if (found) return found;
    }
  }

  const request = (head: string, body = ''): string => `${head.replace(/UPSTREAM/g, `127.0.0.1:${observer.port}`)}\r\n\r\n${body}`;
  const parseFailure = (status: string, code: string): string =>
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nproxydoc could not parse this request (${code}).\n`;
  const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: internal\r\n\r\n';

  describe('malformed request lines and headers: 400 (431) and a closed socket, nothing forwarded', () => {
    test.each([
      ['a request line that is not HTTP', 'GARBAGE', 'HPE_INVALID_METHOD'],
      ['binary bytes', '\x00\x01\x02\xff\xfe', 'HPE_INVALID_METHOD'],
      ['a method with a forbidden character', 'G@T http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM', 'HPE_INVALID_METHOD'],
      ['a space inside the request target', 'GET http://UPSTREAM/a b HTTP/1.1\r\nHost: UPSTREAM', 'HPE_INVALID_CONSTANT'],
      ['an unknown HTTP version', 'GET http://UPSTREAM/ HTTP/9.9\r\nHost: UPSTREAM', 'HPE_INVALID_VERSION'],
      ['an HTTP/2 prior-knowledge preface', 'PRI * HTTP/2.0\r\n\r\nSM', 'HPE_PAUSED_H2_UPGRADE'],
      ['a header line without a colon', 'GET http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\nNo colon', 'HPE_INVALID_HEADER_TOKEN'],
      ['a space inside a header name', 'GET http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\nX Name: v', 'HPE_INVALID_HEADER_TOKEN'],
      ['a NUL byte in a header value', 'GET http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\nX-A: a\x00b', 'HPE_INVALID_HEADER_TOKEN'],
      ['a bare CR inside a header value', 'GET http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\nX-A: a\rb', 'HPE_LF_EXPECTED'],
    ])('%s', async (_name, head, code) => {
      const answer = await rawRequest(harness.proxy.port, request(head)); // resolves when the proxy closed the socket
      expect(answer.toString('latin1')).toBe(parseFailure('400 Bad Request', code));
      await expectStillServing();
      expect(observed).toEqual([]);
    });

    test('headers beyond the 96 KiB limit: 431', async () => {
      const answer = await rawRequest(harness.proxy.port, request(`GET http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\nX-Big: ${'x'.repeat(100 * 1024)}`));
      expect(answer.toString('latin1')).toBe(parseFailure('431 Request Header Fields Too Large', 'HPE_HEADER_OVERFLOW'));
      await expectStillServing();
      expect(observed).toEqual([]);
    });
  });

  describe('request smuggling shapes (RFC 9112 §6.3, §11.2)', () => {
    // Each body hides a second request: an upstream that framed the message differently would run it.
    test.each([
      ['Content-Length and Transfer-Encoding', `Content-Length: ${5 + SMUGGLED.length}\r\nTransfer-Encoding: chunked`, `0\r\n\r\n${SMUGGLED}`, 'HPE_INVALID_TRANSFER_ENCODING'],
      ['Transfer-Encoding and Content-Length', 'Transfer-Encoding: chunked\r\nContent-Length: 5', `0\r\n\r\n${SMUGGLED}`, 'HPE_INVALID_CONTENT_LENGTH'],
      ['two different Content-Lengths', `Content-Length: 0\r\nContent-Length: ${SMUGGLED.length}`, SMUGGLED, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
      ['two equal Content-Lengths', `Content-Length: ${SMUGGLED.length}\r\nContent-Length: ${SMUGGLED.length}`, SMUGGLED, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
      ['a Content-Length list', `Content-Length: ${SMUGGLED.length}, ${SMUGGLED.length}`, SMUGGLED, 'HPE_INVALID_CONTENT_LENGTH'],
      ['a signed Content-Length', `Content-Length: +${SMUGGLED.length}`, SMUGGLED, 'HPE_INVALID_CONTENT_LENGTH'],
      ['obs-fold in an ordinary header', 'X-Folded: a\r\n b\r\nContent-Length: 0', '', 'HPE_INVALID_HEADER_TOKEN'],
      ['Transfer-Encoding hidden in an obs-fold', 'Transfer-Encoding:\r\n chunked', `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`, 'HPE_INVALID_HEADER_TOKEN'],
      ['a space before the colon of Transfer-Encoding', 'Transfer-Encoding : chunked', `0\r\n\r\n${SMUGGLED}`, 'HPE_INVALID_HEADER_TOKEN'],
      ['two Transfer-Encoding lines', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', `0\r\n\r\n${SMUGGLED}`, 'HPE_INVALID_TRANSFER_ENCODING'],
      ['chunked not the final coding', 'Transfer-Encoding: chunked, gzip', `0\r\n\r\n${SMUGGLED}`, 'HPE_INVALID_TRANSFER_ENCODING'],
    ])('%s: 400 before anything is forwarded', async (_name, framing, body, code) => {
      const answer = await rawRequest(harness.proxy.port, request(`POST http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\n${framing}`, body));
      expect(answer.toString('latin1')).toBe(parseFailure('400 Bad Request', code));
      await expectStillServing();
      expect(observed).toEqual([]);
    });

    test('two Host headers: 400 naming the problem, nothing forwarded (RFC 9112 §3.2)', async () => {
      const answer = await rawRequest(
        harness.proxy.port,
        request('GET http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\nHost: internal.example\r\nConnection: close'),
      );
      const text = answer.toString('utf8');
      expect(text.startsWith('HTTP/1.1 400 ')).toBe(true);
      expect(text).toContain('the request has 2 Host headers; HTTP/1.1 allows exactly one (RFC 9112 §3.2).');
      await expectStillServing();
      expect(observed).toEqual([]);
    });

    // These fail only once the head has been parsed, so the proxy may already have opened the upstream request:
    // the upstream can see a head, never a complete request and never the smuggled one.
    test.each([
      ['a transfer coding other than chunked (length unknowable)', 'Transfer-Encoding: gzip', SMUGGLED, 'HPE_INVALID_TRANSFER_ENCODING'],
      ['a misspelt chunked', 'Transfer-Encoding: xchunked', `0\r\n\r\n${SMUGGLED}`, 'HPE_INVALID_TRANSFER_ENCODING'],
      ['a chunk size that is not hex', 'Transfer-Encoding: chunked', `zz\r\n${SMUGGLED}\r\n0\r\n\r\n`, 'HPE_INVALID_CHUNK_SIZE'],
      ['a chunk size that overflows', 'Transfer-Encoding: chunked', `ffffffffffffffffff\r\n${SMUGGLED}\r\n0\r\n\r\n`, 'HPE_INVALID_CHUNK_SIZE'],
      ['chunk data longer than its size', 'Transfer-Encoding: chunked', `3\r\nabc${SMUGGLED}0\r\n\r\n`, 'HPE_STRICT'],
    ])('%s: 400, and the upstream never gets a complete request', async (_name, framing, body, code) => {
      const before = harness.seen.length;
      const answer = await rawRequest(harness.proxy.port, request(`POST http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\n${framing}`, body));
      expect(answer.toString('latin1')).toBe(parseFailure('400 Bad Request', code));
      await expectStillServing();
      expect(observed.filter((entry) => entry.complete || entry.url !== '/')).toEqual([]);
      // The exchange had started, so there is a record of it, saying why proxydoc answered 400 (not client-aborted).
      const record = await recordFor(before, `:${observer.port}/`);
      expect(record.request.url).toBe(`http://127.0.0.1:${observer.port}/`);
      expect(record.response).toBeUndefined();
      expect(record.error).toMatchObject({ kind: 'protocol', code, stage: 'request' });
      expect(record.error?.message).toContain("the client's request body broke HTTP/1.1 framing");
    });

    test('a request pipelined behind another is parsed by proxydoc as its own exchange, not passed through', async () => {
      const before = harness.seen.length;
      const answer = await rawRequest(
        harness.proxy.port,
        request('POST http://UPSTREAM/first HTTP/1.1\r\nHost: UPSTREAM\r\nContent-Length: 0') + request('GET http://UPSTREAM/second HTTP/1.1\r\nHost: UPSTREAM\r\nConnection: close'),
      );
      expect(answer.toString('latin1').match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
      const records = (await harness.records(before + 2)).slice(before);
      expect(records.map((record) => record.request.url).sort()).toEqual([`http://127.0.0.1:${observer.port}/first`, `http://127.0.0.1:${observer.port}/second`]);
      expect(observed.map((entry) => `${entry.method} ${entry.url} ${entry.complete}`).sort()).toEqual(['GET /second true', 'POST /first true']);
    });

    // A client may list any field in Connection, and a proxy drops those as hop-by-hop (RFC 9110 §7.6.1) — but not
    // Content-Length or Transfer-Encoding: without its framing, a body still sent would reach the upstream as the next
    // request on a keep-alive connection, one proxydoc never parsed nor recorded (smuggling).
    test.each([
      ['Connection: Content-Length', `Content-Length: ${SMUGGLED.length}\r\nConnection: Content-Length`, SMUGGLED],
      ['Connection: Transfer-Encoding', 'Transfer-Encoding: chunked\r\nConnection: Transfer-Encoding', `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`],
    ])('%s must not strip the body framing (the upstream sees one request, with its body)', async (_name, framing, body) => {
      await rawRequest(harness.proxy.port, request(`POST http://UPSTREAM/ HTTP/1.1\r\nHost: UPSTREAM\r\n${framing}\r\nConnection: close`, body));
      await expectStillServing();
      expect(observed).toEqual([{ method: 'POST', url: '/', body: SMUGGLED, complete: true }]);
    });
  });

  describe('CONNECT to nowhere, or with garbage instead of a ClientHello', () => {
    test('CONNECT without a port: 400 and a closed socket', async () => {
      const answer = await rawRequest(harness.proxy.port, 'CONNECT nowhere HTTP/1.1\r\nHost: nowhere\r\n\r\n');
      expect(answer.toString('latin1')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*CONNECT needs host:port/);
      await expectStillServing();
    });

    test('CONNECT to a closed port, then TLS: the decrypted request gets a 502, record kind refused', async () => {
      const port = await closedPort();
      const before = harness.seen.length;
      const result = await curl(harness, ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${port}/`]);
      expect(result.stdout).toBe('502');
      const record = await recordFor(before, `:${port}/`);
      expect(record.request.url).toBe(`https://127.0.0.1:${port}/`);
      expect(record.error).toMatchObject({ kind: 'refused', code: 'ECONNREFUSED', stage: 'connect' });
      await expectStillServing();
    });

    test.each([
      ['a closed port', async () => `127.0.0.1:${await closedPort()}`, { kind: 'refused', code: 'ECONNREFUSED' }],
      ['a host that does not resolve', async () => 'no-such-host.invalid:443', { kind: 'dns', code: 'ENOTFOUND' }],
    ])('CONNECT to %s, then bytes that are neither TLS nor HTTP: the tunnel is closed and recorded', async (_name, authority, error) => {
      const target = await authority();
      const before = harness.seen.length;
      const { socket, answer } = await openConnect(harness.proxy.port, target);
      expect(answer).toBe('HTTP/1.1 200 Connection Established\r\n\r\n');
      const closed = untilClosed(socket);
      socket.write('\x01\x02 not tls, not http');
      socket.resume();
      expect((await closed).received).toBe('');
      const record = await recordFor(before, target);
      expect(record.request).toMatchObject({ method: 'CONNECT', url: target });
      expect(record.tunnel).toMatchObject({ target, reason: 'not-tls', bytesDown: 0 });
      expect(record.error).toMatchObject({ ...error, stage: 'connect' });
      await expectStillServing();
    });

    test('CONNECT, then a line that looks like a request but is not HTTP: 400 inside the tunnel', async () => {
      const { socket } = await openConnect(harness.proxy.port, `127.0.0.1:${observer.port}`);
      const closed = untilClosed(socket);
      socket.write('XYZZY plugh\r\n\r\n');
      socket.resume();
      expect((await closed).received).toBe(parseFailure('400 Bad Request', 'HPE_INVALID_METHOD'));
      await expectStillServing();
      expect(observed).toEqual([]);
    });

    test('CONNECT, then a TLS record header followed by junk: the handshake fails, socket closed, record client-tls-rejected', async () => {
      const before = harness.seen.length;
      const { socket } = await openConnect(harness.proxy.port, `127.0.0.1:${observer.port}`);
      const closed = untilClosed(socket);
      socket.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40]), Buffer.alloc(64, 0xee)]));
      socket.resume();
      await closed;
      const record = await recordFor(before, `127.0.0.1:${observer.port}`);
      expect(record.request).toMatchObject({ method: 'CONNECT', url: `127.0.0.1:${observer.port}` });
      expect(record.error?.kind).toBe('client-tls-rejected');
      expect(record.error?.code).toMatch(/^ERR_SSL_/);
      await expectStillServing();
    });

    // After answering 200 to a CONNECT, proxydoc waits for the client's first byte only so long: a server-speaks-first
    // protocol (SMTP, MySQL, FTP) through CONNECT would deadlock otherwise (the client waits for the banner, proxydoc
    // for the client), and a client that opens tunnels and says nothing would hold sockets forever.
    test('CONNECT, then silence: proxydoc stops waiting after the handshake timeout, so a server-first banner arrives', async () => {
      const smtp = net.createServer((socket) => {
        socket.on('error', () => undefined);
        socket.end('220 smtp.example ESMTP ready\r\n');
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      const { socket } = await openConnect(harness.proxy.port, `127.0.0.1:${(smtp.address() as net.AddressInfo).port}`);
      const closed = untilClosed(socket);
      socket.resume();
      // A bounded wait is the test here: the claim is that something happens within a time limit.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), 2 * HEADERS_TIMEOUT_MS)));
      try {
        const outcome = await Promise.race([closed.then(({ received }) => received), deadline]);
        expect(outcome).toBe('220 smtp.example ESMTP ready\r\n');
      } finally {
        clearTimeout(timer);
        socket.destroy();
        await new Promise((resolve) => smtp.close(resolve));
      }
    });
  });

  describe('a TLS handshake that stops halfway', () => {
    test('half a ClientHello, then silence: cut after the handshake timeout, record client-tls-rejected', async () => {
      const before = harness.seen.length;
      const { socket } = await openConnect(harness.proxy.port, `127.0.0.1:${observer.port}`);
      const closed = untilClosed(socket);
      const sentAt = performance.now();
      socket.write(clientHello.subarray(0, Math.floor(clientHello.length / 2)));
      socket.resume();
      const { received, closedAt } = await closed;
      expect(received).toBe('');
      // --headers-timeout bounds the client's TLS handshake too (it is the same slowloris one layer down).
      expect(closedAt - sentAt).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 1);
      const record = await recordFor(before, `127.0.0.1:${observer.port}`);
      expect(record.error).toMatchObject({
        kind: 'client-tls-rejected',
        code: 'PROXYDOC_ERR_CLIENT_HANDSHAKE_TIMEOUT',
        message: `the client did not finish the TLS handshake within ${HEADERS_TIMEOUT_MS / 1000} s`,
        stage: 'tls',
      });
      await expectStillServing();
    });

    test('half a ClientHello, then the client hangs up: record client-tls-rejected (closed during the handshake)', async () => {
      const before = harness.seen.length;
      const { socket } = await openConnect(harness.proxy.port, `127.0.0.1:${observer.port}`);
      const closed = untilClosed(socket);
      socket.end(clientHello.subarray(0, Math.floor(clientHello.length / 2)));
      socket.resume();
      await closed;
      const record = await recordFor(before, `127.0.0.1:${observer.port}`);
      expect(record.error).toMatchObject({ kind: 'client-tls-rejected', code: 'PROXYDOC_CLIENT_CLOSED_DURING_HANDSHAKE', stage: 'tls' });
      await expectStillServing();
    });
  });

  describe('slowloris', () => {
    test('headers trickled byte by byte are cut with 408 after --headers-timeout; a slow upload and a slow upstream are never cut', async () => {
      let releaseSlowUpstream: () => void = () => undefined;
      const slowUpstreamMayAnswer = new Promise<void>((resolve) => (releaseSlowUpstream = resolve));
      let slowRequestArrived: () => void = () => undefined;
      const slowRequestHere = new Promise<void>((resolve) => (slowRequestArrived = resolve));
      // Answers only once the slowloris has been cut, i.e. later than --headers-timeout after it was asked.
      const slow = await startHttpServer((req, res) => {
        let size = 0;
        if (req.url === '/slow-answer') slowRequestArrived();
        req.on('data', (chunk: Buffer) => (size += chunk.length));
        req.on('end', () => void slowUpstreamMayAnswer.then(() => res.end(`${req.url} ${size}`)));
      });
      let trickle: NodeJS.Timeout | undefined;
      try {
        const before = harness.seen.length;
        const slowAnswer = curl(harness, ['-sS', `http://127.0.0.1:${slow.port}/slow-answer`]);
        await slowRequestHere;

        // A slow upload: the head arrives at once, the body only after the slowloris has been cut.
        const upload = net.connect(harness.proxy.port, '127.0.0.1');
        const uploadAnswer = untilClosed(upload);
        upload.write(`POST http://127.0.0.1:${slow.port}/slow-upload HTTP/1.1\r\nHost: 127.0.0.1:${slow.port}\r\nContent-Length: 10\r\nConnection: close\r\n\r\n12345`);

        // The slowloris: a request head that never ends, one byte at a time (one per 100 ms, scaled to the 1 s limit).
        const loris = net.connect(harness.proxy.port, '127.0.0.1');
        const lorisAnswer = untilClosed(loris);
        const lorisStart = performance.now();
        loris.write(`GET http://127.0.0.1:${observer.port}/loris HTTP/1.1\r\nHost: 127.0.0.1:${observer.port}\r\nX-Slow: `);
        let trickled = 0;
        trickle = setInterval(() => {
          if (loris.writable) {
            loris.write('a');
            trickled += 1;
          }
        }, HEADERS_TIMEOUT_MS / 10);

        await expectStillServing(); // everyone else is served while the slowloris is on

        const { received, closedAt } = await lorisAnswer;
        clearInterval(trickle);
        expect(received).toBe(
          `HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nproxydoc did not receive the request headers within ${HEADERS_TIMEOUT_MS / 1000} s (--headers-timeout).\n`,
        );
        // Cut for taking too long in total, although bytes kept coming.
        expect(closedAt - lorisStart).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 1);
        expect(trickled).toBeGreaterThanOrEqual(3);

        releaseSlowUpstream();
        upload.write('67890'); // not end(): a client that half-closes is treated as gone (Node's httpAllowHalfOpen)
        expect((await uploadAnswer).received).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\/slow-upload 10$/);
        expect((await slowAnswer).stdout).toBe('/slow-answer 0');
        const records = (await harness.records(before + 3)).slice(before);
        const slowRecord = records.find((record) => record.request.url.endsWith('/slow-answer'));
        const uploadRecord = records.find((record) => record.request.url.endsWith('/slow-upload'));
        expect(slowRecord?.error).toBeUndefined();
        expect(slowRecord?.response?.status).toBe(200);
        // The upstream took longer than the header timeout to answer, and proxydoc waited for it.
        expect(slowRecord?.phases.ttfb).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 1);
        expect(uploadRecord?.error).toBeUndefined();
        expect(uploadRecord?.request.body).toMatchObject({ size: 10, text: '1234567890' });
        expect(observed).toEqual([]); // the slowloris never reached the upstream
      } finally {
        clearInterval(trickle);
        releaseSlowUpstream();
        await slow.close();
      }
    });

    test('idle inside an intercepted tunnel: the decrypted connection gets the same 408', async () => {
      const { socket } = await openConnect(harness.proxy.port, `127.0.0.1:${observer.port}`);
      const secure = tls.connect({ socket, servername: 'localhost', ca: harness.caPem, checkServerIdentity: () => undefined });
      const closed = untilClosed(secure);
      await new Promise<void>((resolve) => secure.once('secureConnect', () => resolve()));
      secure.write(`GET /never-finished HTTP/1.1\r\nHost: 127.0.0.1:${observer.port}\r\n`);
      expect((await closed).received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      await expectStillServing();
      expect(observed).toEqual([]);
    });
  });

  describe(`${IDLE_CONNECTIONS} connections opened and left idle`, () => {
    /** Opens the connections from a python3 child, so only the proxy's side of them lives in this process. */
    function openIdle(target: Harness, mode: 'hold' | 'until-closed') {
      const child = spawn('python3', [IDLE_SCRIPT, '127.0.0.1', String(target.proxy.port), String(IDLE_CONNECTIONS), mode, 'HTTP/1.1 408 ']);
      const lines: string[] = [];
      const waiters: Array<() => void> = [];
      let buffered = '';
      child.stdout.on('data', (data: Buffer) => {
        buffered += data.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        lines.push(...parts);
        for (const wake of waiters.splice(0)) wake();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const line = async (index: number): Promise<string> => {
        while (lines.length <= index) {
          const more = new Promise<void>((resolve) => waiters.push(resolve));
          if ((await Promise.race([more.then(() => 'more'), exited.then(() => 'exited')])) === 'exited' && lines.length <= index) {
            throw new Error(`idle-connections.py exited early: ${lines.join(' | ')}`);
          }
        }
        return lines[index];
      };
      return { child, line, exited };
    }

    test('with the default header timeout they stay open, the proxy serves alongside, and all are released when the client goes', async () => {
      const patient = await startHarness(); // --headers-timeout 60 s: the flood stays for the whole test
      try {
        const baseline = openTcpSockets();
        const flood = openIdle(patient, 'hold');
        try {
          expect(await flood.line(0)).toBe(`open ${IDLE_CONNECTIONS}`); // and accepted by the proxy (see the script)
          expect(openTcpSockets()).toBeGreaterThanOrEqual(baseline + IDLE_CONNECTIONS);
          await expectStillServing(patient);
        } finally {
          flood.child.stdin.end(); // the client exits, closing all of them at once
          expect(await flood.exited).toBe(0);
        }
        await socketsBackTo(baseline, 10_000);
      } finally {
        await patient.close();
      }
    });

    test('with a short header timeout they are all answered 408 and closed by the proxy itself', async () => {
      const baseline = openTcpSockets();
      const flood = openIdle(harness, 'until-closed');
      expect(await flood.line(0)).toBe(`open ${IDLE_CONNECTIONS}`);
      await expectStillServing();
      // The client only reads: every connection is closed by the proxy, each after a 408.
      expect(await flood.line(1)).toBe(`closed ${IDLE_CONNECTIONS} ${IDLE_CONNECTIONS}`);
      expect(await flood.exited).toBe(0);
      await socketsBackTo(baseline, 10_000);
      expect(observed).toEqual([]);
    });
  });

  test('a client that stops reading a large response: the upstream is held back, proxy memory stays bounded', async () => {
    const CHUNK = Buffer.alloc(64 * 1024, 'b');
    /** Far beyond what the two legs' socket buffers can hold: reaching it means something buffers without bound. */
    const LIMIT = 256 * MiB;
    let written = 0;
    let blocked = false;
    const wakers: Array<() => void> = [];
    const wake = (): void => {
      for (const waker of wakers.splice(0)) waker();
    };
    let upstreamClosed: () => void = () => undefined;
    const upstreamGone = new Promise<void>((resolve) => (upstreamClosed = resolve));
    // An endless download that respects backpressure: it writes only while write() says there is room.
    const endless = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.on('close', () => upstreamClosed());
      const pump = (): void => {
        while (written < LIMIT && !res.destroyed) {
          written += CHUNK.length;
          if (!res.write(CHUNK)) {
            blocked = true;
            wake();
            res.once('drain', () => {
              blocked = false;
              pump();
            });
            return;
          }
        }
        wake(); // LIMIT reached: the test fails below
      };
      pump();
    });
    const client = net.connect(harness.proxy.port, '127.0.0.1');
    try {
      collectGarbage();
      const memoryBefore = liveMemory();
      const before = harness.seen.length;
      const clientGone = untilClosed(client);
      client.write(`GET http://127.0.0.1:${endless.port}/endless HTTP/1.1\r\nHost: 127.0.0.1:${endless.port}\r\n\r\n`);
      await new Promise<void>((resolve) => client.once('data', () => resolve()));
      client.pause(); // and never reads again

      // Wait until the upstream is blocked, then let a whole other exchange go through the proxy (many turns of its
      // event loop): if data were still moving, the upstream would have been drained and written more meanwhile.
      for (let round = 0; round < 20; round += 1) {
        while (!blocked && written < LIMIT) await new Promise<void>((resolve) => wakers.push(resolve));
        if (written >= LIMIT) break;
        const mark = written;
        await expectStillServing();
        if (blocked && written === mark) break;
      }
      expect(written).toBeLessThan(64 * MiB);
      expect(blocked).toBe(true);
      collectGarbage();
      // Live memory (garbage collected): socket buffers, not the stream.
      expect(liveMemory() - memoryBefore).toBeLessThan(16 * MiB);

      client.destroy(); // the client gives up
      await clientGone;
      await upstreamGone; // proxydoc closed the upstream response too: the endless stream stops
      const record = await recordFor(before, '/endless');
      expect(record.response?.status).toBe(200);
      expect(record.error).toMatchObject({ kind: 'client-aborted', stage: 'response-body' });
      expect(record.response?.body.size).toBeLessThanOrEqual(written);
      await expectStillServing();
    } finally {
      client.destroy();
      await endless.close();
    }
  });

  test('after every case above: no socket is left open', async () => {
    // The observer keeps connections alive (as real servers do); closing its idle ones empties the proxy's pool.
    observer.server.closeIdleConnections();
    await socketsBackTo(baseline);
  });
});
