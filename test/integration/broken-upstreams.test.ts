/**
 * Upstreams that break the protocol or the connection at every phase, from raw TCP servers that misbehave on cue.
 * For each: what the client gets (a 502/504 page, or a cut connection once a response had started), the record's
 * error kind and stage, that the proxy serves the next request, and that every socket is closed afterwards (the
 * process's TCP handle count is back to its baseline: the proxy runs in this process).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { ExchangeRecord } from '../../src/model/exchange';
import { curl, startHarness, type Harness } from '../helpers/proxy-harness';
import { collectGarbage, liveMemory, openTcpSockets, socketsBackTo } from '../helpers/resources';
import { makeUpstreamCa, startHttpServer, startHttpsServer } from '../helpers/servers';

const CONNECT_TIMEOUT_MS = 500;
const MiB = 1024 * 1024;

/** A TCP server that hands every connection it accepts to `behave`. */
interface Misbehaving {
  port: number;
  /** Resolves when the first connection it accepted has closed (whoever closed it). */
  firstClosed: Promise<void>;
  close(): Promise<void>;
}

/** Every misbehaving server of the current test, closed after it whether it passed or not. */
const openServers = new Set<Misbehaving>();

async function misbehaving(behave: (socket: net.Socket) => void): Promise<Misbehaving> {
  const sockets = new Set<net.Socket>();
  let markClosed: () => void = () => undefined;
  const firstClosed = new Promise<void>((resolve) => (markClosed = resolve));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      markClosed();
    });
    behave(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const misbehavingServer: Misbehaving = {
    port: (server.address() as net.AddressInfo).port,
    firstClosed,
    close: () => {
      openServers.delete(misbehavingServer);
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
  openServers.add(misbehavingServer);
  return misbehavingServer;
}

/** Calls `then` once the whole request head has arrived (the body, if any, is left unread). */
function afterRequestHead(socket: net.Socket, then: () => void): void {
  let head = '';
  const onData = (chunk: Buffer): void => {
    head += chunk.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    socket.off('data', onData);
    then();
  };
  socket.on('data', onData);
}

/** An in-process client through the proxy, so the test sees (and can act on) each body chunk as it arrives. */
function getThroughProxy(proxyPort: number, url: string): http.ClientRequest {
  const target = new URL(url);
  const request = http.request({ host: '127.0.0.1', port: proxyPort, path: url, headers: { Host: target.host }, agent: false });
  request.on('error', () => undefined); // each test looks at what it expects: a response, an abort
  request.end();
  return request;
}

describe('broken upstreams', () => {
  let harness: Harness;
  let normal: Awaited<ReturnType<typeof startHttpServer>>;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  /** Open TCP sockets with the proxy idle; every case must come back to this. */
  let baseline: number;
  let memoryBaseline: number;

  /** A plain request through the same proxy still works; its upstream closes each connection, so nothing stays pooled. */
  async function expectStillServing(): Promise<void> {
    const result = await curl(harness, ['-sS', `http://127.0.0.1:${normal.port}/still`]);
    expect(result.stdout).toBe('still here');
  }

  /** The case's record (the next one to finish). */
  async function nextRecord(before: number): Promise<ExchangeRecord> {
    const [record] = (await harness.records(before + 1)).slice(before);
    return record;
  }

  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
    harness = await startHarness({ connectTimeoutMs: CONNECT_TIMEOUT_MS, upstreamCa: [upstreamCa.caPath] });
    normal = await startHttpServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('still here');
    });
    baseline = openTcpSockets();
    // Warm up (code paths loaded once), then take the memory baseline once the warm-up's sockets are gone.
    await expectStillServing();
    await socketsBackTo(baseline);
    collectGarbage();
    memoryBaseline = liveMemory();
  });
  afterEach(async () => {
    await Promise.all([...openServers].map((server) => server.close()));
  });
  afterAll(async () => {
    await harness.close();
    await normal.close();
    upstreamCa.cleanup();
  });

  /** After each case: the proxy still serves, and every socket of the case (and of that check) is closed. */
  async function expectRecovered(server: Misbehaving): Promise<void> {
    await server.close();
    await expectStillServing();
    await socketsBackTo(baseline);
  }

  describe('resets at every phase', () => {
    // The stage says whether the request had all been sent: a reset after that means the server may have processed
    // it. A reset on accept races the connect and the request's own write, so it may land in any of the first three.
    const SENT = ['response-headers'];
    test.each([
      ['on accept, before the request is read', (socket: net.Socket) => socket.resetAndDestroy(), ['connect', 'request', 'response-headers']],
      ['after the request head arrived', (socket: net.Socket) => afterRequestHead(socket, () => socket.resetAndDestroy()), SENT],
      [
        'in the middle of the response head',
        (socket: net.Socket) =>
          afterRequestHead(socket, () => {
            socket.write('HTTP/1.1 200 OK\r\nContent-Le');
            setImmediate(() => socket.resetAndDestroy());
          }),
        SENT,
      ],
      ['with a FIN in the middle of the response head', (socket: net.Socket) => afterRequestHead(socket, () => socket.end('HTTP/1.1 200 OK\r\nContent-Le')), SENT],
    ])('%s: 502 with an explanation, record kind reset', async (_name, behave, stages) => {
      const server = await misbehaving(behave);
      const before = harness.seen.length;
      const result = await curl(harness, ['-sS', '-i', `http://127.0.0.1:${server.port}/x`]);
      expect(result.stdout).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
      expect(result.stdout).toContain('\r\nX-Proxydoc-Error: reset ECONNRESET\r\n');
      expect(result.stdout).toContain(`The connection to 127.0.0.1:${server.port} was closed or reset by the upstream before a complete response arrived`);
      const record = await nextRecord(before);
      expect(record.error).toMatchObject({ kind: 'reset', code: 'ECONNRESET' });
      expect(stages).toContain(record.error?.stage);
      expect(record.response).toBeUndefined();
      await expectRecovered(server);
    });

    test.each([
      ['Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial'],
      ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n'],
    ])('mid-body (%s): the client gets the head and the bytes so far, then a cut connection; record reset/response-body', async (_name, partial) => {
      let resetNow: () => void = () => undefined;
      const server = await misbehaving((socket) =>
        afterRequestHead(socket, () => {
          socket.write(partial);
          resetNow = () => socket.resetAndDestroy();
        }),
      );
      const before = harness.seen.length;
      const request = getThroughProxy(harness.proxy.port, `http://127.0.0.1:${server.port}/x`);
      const outcome = await new Promise<{ status?: number; body: string; complete: boolean }>((resolve) => {
        request.on('response', (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => {
            body += chunk.toString();
            if (body === 'partial') resetNow(); // the reset comes once the client has the bytes: no race with them
          });
          response.on('close', () => resolve({ status: response.statusCode, body, complete: response.complete }));
        });
      });
      expect(outcome).toEqual({ status: 200, body: 'partial', complete: false });
      const record = await nextRecord(before);
      expect(record.response?.status).toBe(200);
      expect(record.response?.body).toEqual({ size: 7, text: 'partial', truncated: false });
      expect(record.error).toMatchObject({ kind: 'reset', stage: 'response-body' });
      await expectRecovered(server);
    });

    test('while the client is still uploading its body: the client gets a 502, record reset/request', async () => {
      // The upstream reads the head and the first bytes of a 20 MB upload, then resets.
      const server = await misbehaving((socket) => {
        let seen = 0;
        socket.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > 256 * 1024) socket.resetAndDestroy();
        });
      });
      const before = harness.seen.length;
      const result = await curl(harness, ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Expect:', '--data-binary', '@-', `http://127.0.0.1:${server.port}/upload`], {
        input: Buffer.alloc(20 * MiB, 'u'),
      });
      expect(result.stdout).toBe('502');
      const record = await nextRecord(before);
      expect(record.error).toMatchObject({ kind: 'reset', stage: 'request' });
      expect(record.request.body.size).toBeGreaterThan(256 * 1024);
      expect(record.response).toBeUndefined();
      await expectRecovered(server);
    });
  });

  test.each([
    ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n'],
    ['close-delimited (no length at all)', 'HTTP/1.1 200 OK\r\n\r\nfirst'],
  ])('a %s response that never ends: the client cancels, the upstream socket is closed, record client-aborted', async (_name, start) => {
    const server = await misbehaving((socket) => afterRequestHead(socket, () => socket.write(start)));
    const before = harness.seen.length;
    const request = getThroughProxy(harness.proxy.port, `http://127.0.0.1:${server.port}/stream`);
    await new Promise<void>((resolve) => request.on('response', (response) => response.once('data', () => resolve())));
    request.destroy(); // the app gives up
    await server.firstClosed; // proxydoc closed its upstream connection: the never-ending upstream is not kept busy
    const record = await nextRecord(before);
    expect(record.response?.status).toBe(200);
    expect(record.response?.body).toMatchObject({ size: 5, text: 'first' });
    expect(record.error).toMatchObject({ kind: 'client-aborted', stage: 'response-body' });
    await expectRecovered(server);
  });

  test.each([
    ['a non-numeric status', 'HTTP/1.1 abc\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['a four-digit status', 'HTTP/1.1 1000 Big\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['not HTTP at all (an SSH banner)', 'SSH-2.0-OpenSSH_9.2\r\n', 'HPE_INVALID_CONSTANT'],
    ['a bare body without a status line (HTTP/0.9 style)', '<html>hello</html>\n', 'HPE_INVALID_CONSTANT'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a control character in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['an obs-fold continuation line', 'HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    // Response smuggling shapes: ambiguous framing must never be relayed.
    ['both Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', 'HPE_INVALID_TRANSFER_ENCODING'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
  ])('an invalid response (%s): 502 naming the parse error, record kind protocol', async (_name, answer, code) => {
    const server = await misbehaving((socket) => afterRequestHead(socket, () => socket.write(answer)));
    const before = harness.seen.length;
    const result = await curl(harness, ['-sS', '-i', `http://127.0.0.1:${server.port}/x`]);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(result.stdout).toContain(`\r\nX-Proxydoc-Error: protocol ${code}\r\n`);
    expect(result.stdout).toContain(`The upstream at 127.0.0.1:${server.port} sent a response that is not valid HTTP (${code}: `);
    const record = await nextRecord(before);
    expect(record.error).toMatchObject({ kind: 'protocol', code });
    expect(record.response).toBeUndefined();
    await expectRecovered(server);
  });

  describe('a TLS upstream that hangs mid-handshake', () => {
    test('never answering the ClientHello: 504 after --connect-timeout, record connect-timeout/tls, socket closed', async () => {
      const server = await misbehaving((socket) => socket.resume()); // reads the ClientHello, says nothing
      const before = harness.seen.length;
      const result = await curl(harness, ['-sS', '-i', `https://127.0.0.1:${server.port}/x`]);
      expect(result.stdout).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 504 Gateway Timeout\r\n/);
      expect(result.stdout).toContain('X-Proxydoc-Error: connect-timeout PROXYDOC_ERR_CONNECT_TIMEOUT');
      await server.firstClosed; // proxydoc gave up on the upstream connection, it did not leave it hanging
      const record = await nextRecord(before);
      expect(record.error).toMatchObject({ kind: 'connect-timeout', code: 'PROXYDOC_ERR_CONNECT_TIMEOUT', stage: 'tls' });
      expect(record.error?.message).toBe(`TLS handshake to 127.0.0.1:${server.port} did not complete within ${CONNECT_TIMEOUT_MS / 1000} s`);
      expect(record.phases.total).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS);
      await expectRecovered(server);
    });

    test('stopping halfway through its own first flight (half a real ServerHello): same 504, record connect-timeout/tls', async () => {
      const real = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('never reached'));
      // A relay in front of a real TLS server that passes the ClientHello on, and only half of the answer back.
      const server = await misbehaving((socket) => {
        const toReal = net.connect(real.port, '127.0.0.1');
        toReal.on('error', () => undefined);
        socket.pipe(toReal);
        toReal.once('data', (flight: Buffer) => socket.write(flight.subarray(0, Math.floor(flight.length / 2))));
        socket.on('close', () => toReal.destroy());
      });
      try {
        const before = harness.seen.length;
        const result = await curl(harness, ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${server.port}/x`]);
        expect(result.stdout).toBe('504');
        await server.firstClosed;
        const record = await nextRecord(before);
        expect(record.error).toMatchObject({ kind: 'connect-timeout', stage: 'tls' });
      } finally {
        await real.close();
      }
      await expectRecovered(server);
    });
  });

  describe('a 100 MB chunked response with a malformed chunk size after 50 MB', () => {
    const CHUNK = Buffer.alloc(64 * 1024, 'c');
    const TOTAL_BYTES = 100 * MiB;
    const GOOD_BYTES = 50 * MiB;
    /** Bytes the upstream may be ahead of the client: socket buffers on both legs, never the body. */
    const MAX_IN_FLIGHT = 32 * MiB;

    /** Streams 64 KiB chunks with backpressure, with a bad chunk-size line after 50 MB. */
    function badChunkServer(progress: { written: number; clientReceived: number; maxAhead: number }) {
      return misbehaving((socket) =>
        afterRequestHead(socket, () => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
          const chunkHead = `${CHUNK.length.toString(16)}\r\n`;
          const pump = (): void => {
            while (progress.written < TOTAL_BYTES && !socket.destroyed) {
              // RFC 9112 §7.1: chunk-size is 1*HEXDIG. The rest keeps coming until proxydoc hangs up.
              if (progress.written === GOOD_BYTES) socket.write('zz-not-hex\r\n');
              progress.written += CHUNK.length;
              progress.maxAhead = Math.max(progress.maxAhead, progress.written - progress.clientReceived);
              socket.write(chunkHead);
              socket.write(CHUNK);
              if (!socket.write('\r\n')) {
                socket.once('drain', pump);
                return;
              }
            }
          };
          pump();
        }),
      );
    }

    test('the client gets 50 MB then a cut connection; the proxy never holds the body; every socket closes', async () => {
      const progress = { written: 0, clientReceived: 0, maxAhead: 0 };
      const server = await badChunkServer(progress);
      const before = harness.seen.length;
      let peakLiveMemory = 0;
      const request = getThroughProxy(harness.proxy.port, `http://127.0.0.1:${server.port}/big`);
      const outcome = await new Promise<{ status?: number; complete: boolean }>((resolve) => {
        request.on('response', (response) => {
          response.on('data', (chunk: Buffer) => {
            progress.clientReceived += chunk.length;
            // Every 8 MiB, what is alive after a full collection: a proxy holding the body would show it here.
            if (progress.clientReceived % (8 * MiB) < chunk.length) {
              collectGarbage();
              peakLiveMemory = Math.max(peakLiveMemory, liveMemory());
            }
          });
          response.on('close', () => resolve({ status: response.statusCode, complete: response.complete }));
        });
      });
      expect(outcome).toEqual({ status: 200, complete: false });
      // Everything before the bad chunk reached the client; nothing after it did.
      expect(progress.clientReceived).toBe(GOOD_BYTES);
      // Backpressure held end to end: the upstream was never more than socket buffers ahead of the client.
      expect(progress.maxAhead).toBeLessThan(MAX_IN_FLIGHT);
      // Live heap + Buffers mid-stream: a few socket buffers and the 1 MiB capture, not the 50 MB that crossed.
      expect(peakLiveMemory - memoryBaseline).toBeLessThan(16 * MiB);
      await server.firstClosed;
      const record = await nextRecord(before);
      expect(record.response?.status).toBe(200);
      expect(record.response?.body).toMatchObject({ size: GOOD_BYTES, truncated: true });
      expect(record.error?.stage).toBe('response-body');
      await expectRecovered(server);
    }, 60_000);

    // A body that breaks the HTTP framing is the upstream speaking broken HTTP, not the network failing: kind
    // 'protocol' with the parser's code, not 'reset' / ECONNRESET. (The parse error reaches the ClientRequest's 'error'
    // event after the response started; forward.ts keeps it for the response's close handler.)
    test('the malformed chunk is recorded as kind protocol / HPE_INVALID_CHUNK_SIZE', async () => {
      const server = await misbehaving((socket) =>
        afterRequestHead(socket, () => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\nxx\r\n0\r\n\r\n')),
      );
      const before = harness.seen.length;
      const result = await curl(harness, ['-sS', `http://127.0.0.1:${server.port}/x`]);
      expect(result.code).toBe(18); // curl: partial transfer
      const record = await nextRecord(before);
      expect(record.error).toMatchObject({ kind: 'protocol', code: 'HPE_INVALID_CHUNK_SIZE', stage: 'response-body' });
    });
  });

  test('after every case above: TCP sockets and live memory are back to their baseline', async () => {
    await socketsBackTo(baseline);
    collectGarbage();
    // The records the harness keeps (two of them with a 1 MiB body capture) are the only growth allowed.
    expect(liveMemory() - memoryBaseline).toBeLessThan(8 * MiB);
  });
});
