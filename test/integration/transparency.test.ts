/**
 * proxydoc forwards byte for byte: a raw TCP server records exactly what arrives, a raw client sends exactly what a
 * test says, and both directions are compared to the byte.
 */
import * as net from 'node:net';
import * as http from 'node:http';
import { curl, rawRequest, startHarness, type Harness } from '../helpers/proxy-harness';
import { startHttpServer, startRawServer, type RawExchange } from '../helpers/servers';

/** The header lines of a raw head, without the ones Node's client adds for its own connection management. */
function headerLines(head: string): string[] {
  return head
    .split('\r\n')
    .slice(1)
    .filter((line) => line !== '' && !/^connection: keep-alive$/i.test(line));
}

function okResponse(socket: net.Socket): void {
  socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
}

describe('transparency', () => {
  let harness: Harness;
  let raw: Awaited<ReturnType<typeof startRawServer>>;
  let respond: (exchange: RawExchange, socket: net.Socket) => void = (_e, socket) => okResponse(socket);

  beforeAll(async () => {
    raw = await startRawServer((exchange, socket) => respond(exchange, socket));
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
    await raw.close();
  });
  beforeEach(() => {
    respond = (_e, socket) => okResponse(socket);
    raw.seen.length = 0;
  });

  const send = (requestLineTarget: string, headers: string[] = [], body = ''): Promise<Buffer> =>
    rawRequest(
      harness.proxy.port,
      `GET http://127.0.0.1:${raw.port}${requestLineTarget} HTTP/1.1\r\nHost: 127.0.0.1:${raw.port}\r\n${headers.map((h) => h + '\r\n').join('')}Connection: close\r\n\r\n${body}`,
    );

  test.each([
    ['/api/v4/projects/group%2Fproject'],
    ['/api/v4/projects/group%252Fproject'],
    ['//double//slashes/'],
    ['/a/./b/../c'],
    ['/path;jsessionid=ABC;x=1'],
    ['/users/%40me'],
    ['/trailing-question?'],
    ['/q?x=%2F&y=a+b&z=%E2%9C%93'],
    ['/%7Euser/%5Cback'],
  ])('request target %s reaches the server unchanged', async (target) => {
    await send(target);
    expect(raw.seen[0].head.split('\r\n')[0]).toBe(`GET ${target} HTTP/1.1`);
    const [record] = (await harness.records(harness.seen.length)).slice(-1);
    expect(record.request.url).toBe(`http://127.0.0.1:${raw.port}${target}`);
  });

  test('an empty absolute-form path becomes "/" (RFC 9112 §3.2.1)', async () => {
    await rawRequest(harness.proxy.port, `GET http://127.0.0.1:${raw.port} HTTP/1.1\r\nHost: 127.0.0.1:${raw.port}\r\nConnection: close\r\n\r\n`);
    expect(raw.seen[0].head.split('\r\n')[0]).toBe('GET / HTTP/1.1');
  });

  test('header names keep their case and order, and repeated headers stay repeated', async () => {
    await send('/h', ['X-Custom: 1', 'x-lower: two', 'X-CUSTOM: 3', 'AUTHORIZATION: Bearer a', 'Authorization: Bearer b', 'accept: */*']);
    expect(headerLines(raw.seen[0].head)).toEqual([
      `Host: 127.0.0.1:${raw.port}`,
      'X-Custom: 1',
      'x-lower: two',
      'X-CUSTOM: 3',
      'AUTHORIZATION: Bearer a',
      'Authorization: Bearer b',
      'accept: */*',
    ]);
    const [record] = (await harness.records(harness.seen.length)).slice(-1);
    expect(record.request.headers.slice(1, 4)).toEqual([['X-Custom', '1'], ['x-lower', 'two'], ['X-CUSTOM', '3']]);
  });

  test('hop-by-hop headers are not forwarded and nothing is added (no Via, no X-Forwarded-*)', async () => {
    await send('/hop', ['Proxy-Authorization: Basic dTpw', 'Proxy-Connection: keep-alive', 'Keep-Alive: timeout=5', 'TE: trailers', 'X-Hop: gone', 'Connection: X-Hop', 'X-Kept: yes']);
    const lines = headerLines(raw.seen[0].head).map((l) => l.split(':')[0].toLowerCase());
    expect(lines).toEqual(['host', 'x-kept']);
    // The record keeps what the client sent, hop-by-hop headers included, for the diagnosis.
    const [record] = (await harness.records(harness.seen.length)).slice(-1);
    expect(record.request.headers.map(([name]) => name)).toContain('Proxy-Authorization');
  });

  test('binary request bodies arrive byte for byte (Content-Length)', async () => {
    const body = Buffer.from(Array.from({ length: 1024 }, (_v, i) => (i * 7) % 256));
    await rawRequest(
      harness.proxy.port,
      Buffer.concat([
        Buffer.from(`POST http://127.0.0.1:${raw.port}/upload HTTP/1.1\r\nHost: 127.0.0.1:${raw.port}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
        body,
      ]),
    );
    expect(raw.seen[0].body.equals(body)).toBe(true);
    const [record] = (await harness.records(harness.seen.length)).slice(-1);
    expect(record.request.body.size).toBe(1024);
    expect(Buffer.from(record.request.body.base64 ?? '', 'base64').equals(body)).toBe(true);
  });

  test.each(['POST', 'PUT', 'PATCH', 'PURGE'])('a bodiless %s arrives without framing headers the client did not send', async (method) => {
    // Node's client would add Transfer-Encoding: chunked to these methods (RFC 9112 §6.3: no framing, no body).
    await rawRequest(harness.proxy.port, `${method} http://127.0.0.1:${raw.port}/empty HTTP/1.1\r\nHost: 127.0.0.1:${raw.port}\r\nConnection: close\r\n\r\n`);
    expect(raw.seen[0].head.split('\r\n')[0]).toBe(`${method} /empty HTTP/1.1`);
    expect(headerLines(raw.seen[0].head)).toEqual([`Host: 127.0.0.1:${raw.port}`]);
    expect(raw.seen[0].body.length).toBe(0);
  });

  test('chunked request bodies arrive with the same bytes, still chunked', async () => {
    const request =
      `POST http://127.0.0.1:${raw.port}/chunked HTTP/1.1\r\nHost: 127.0.0.1:${raw.port}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
      '5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n';
    await rawRequest(harness.proxy.port, request);
    expect(raw.seen[0].head).toMatch(/\r\nTransfer-Encoding: chunked\r\n/);
    expect(raw.seen[0].body.toString()).toBe('hello, world');
  });

  test('Expect: 100-continue is relayed: the client gets the upstream 100 before it sends the body', async () => {
    const seenByServer: { expect?: string; body?: string } = {};
    const upstream = await startHttpServer((req, res) => {
      seenByServer.expect = req.headers.expect;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seenByServer.body = Buffer.concat(chunks).toString();
        res.end('stored');
      });
    });
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(harness.proxy.port, '127.0.0.1', () =>
          socket.write(`PUT http://127.0.0.1:${upstream.port}/file HTTP/1.1\r\nHost: 127.0.0.1:${upstream.port}\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`),
        );
        let received = '';
        socket.on('data', (d: Buffer) => {
          received += d.toString();
          if (received.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !received.includes('stored') && received.length === 'HTTP/1.1 100 Continue\r\n\r\n'.length) socket.write('data');
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(received));
      });
      expect(answer.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n')).toBe(true);
      expect(seenByServer).toEqual({ expect: '100-continue', body: 'data' });
    } finally {
      await upstream.close();
    }
  });

  test('request headers up to 64 KiB are forwarded, so the upstream decides (and its 431 is seen)', async () => {
    const big = 'x'.repeat(60 * 1024);
    await send('/big', [`X-Big: ${big}`]);
    expect(raw.seen[0].head).toContain(`X-Big: ${big}\r\n`);
    // Node's own server limit is 16 KiB: its 431 must reach the client and the record.
    const strictUpstream = await startHttpServer((_req, res) => res.end('never'));
    try {
      const before = harness.seen.length;
      const result = await curl(harness, ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `X-Big: ${big}`, `http://127.0.0.1:${strictUpstream.port}/`]);
      expect(result.stdout).toBe('431');
      const [record] = (await harness.records(before + 1)).slice(before);
      expect(record.response?.status).toBe(431);
    } finally {
      await strictUpstream.close();
    }
  });

  test('responses keep status text, header case, order and repeats, and exact body bytes', async () => {
    const body = Buffer.from([0, 1, 2, 254, 255, 13, 10, 0]);
    respond = (_e, socket) =>
      socket.write(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 299 Quite Custom\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\nContent-Length: ${body.length}\r\n\r\n`),
          body,
        ]),
      );
    const answer = await send('/resp');
    const headEnd = answer.indexOf('\r\n\r\n');
    const head = answer.subarray(0, headEnd).toString('latin1').split('\r\n');
    expect(head[0]).toBe('HTTP/1.1 299 Quite Custom');
    expect(head.slice(1).filter((l) => !/^(connection|keep-alive):/i.test(l))).toEqual([
      'X-B: 1',
      'x-a: 2',
      'X-B: 3',
      'Set-Cookie: a=1; Path=/',
      'Set-Cookie: b=2',
      `Content-Length: ${body.length}`,
    ]);
    expect(answer.subarray(headEnd + 4).equals(body)).toBe(true);
    const [record] = (await harness.records(harness.seen.length)).slice(-1);
    expect(record.response).toMatchObject({ status: 299, statusText: 'Quite Custom' });
    expect(record.response?.headers.slice(0, 3)).toEqual([['X-B', '1'], ['x-a', '2'], ['X-B', '3']]);
  });

  test('a chunked response streams through with its body intact', async () => {
    respond = (_e, socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n');
    const answer = (await send('/chunked-response')).toString('latin1');
    expect(answer).toMatch(/\r\nTransfer-Encoding: chunked\r\n/);
    expect(answer.endsWith('3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n')).toBe(true);
  });

  test('response trailers are relayed to the client and kept in the record', async () => {
    respond = (_e, socket) =>
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: abc123\r\n\r\n');
    const answer = (await send('/trailers', ['TE: trailers'])).toString('latin1');
    expect(answer.endsWith('2\r\nok\r\n0\r\nX-Checksum: abc123\r\n\r\n')).toBe(true);
    const [record] = (await harness.records(harness.seen.length)).slice(-1);
    expect(record.response?.trailers).toEqual([['X-Checksum', 'abc123']]);
  });

  test('HTTPS: the decrypted request target reaches the upstream byte for byte (curl --path-as-is)', async () => {
    const upstreamPaths: string[] = [];
    const upstream = await startHttpServer((req, res) => {
      upstreamPaths.push(req.url ?? '');
      res.end('ok');
    });
    try {
      // A tunnel to a plain-HTTP port carries plain HTTP: proxydoc parses it exchange by exchange too.
      const result = await curl(harness, ['--path-as-is', '-p', `http://127.0.0.1:${upstream.port}/a/../b%2Fc//d;e?`]);
      expect(result.stdout).toBe('ok');
      expect(upstreamPaths).toEqual(['/a/../b%2Fc//d;e?']);
    } finally {
      await upstream.close();
    }
  });

  test('WebSocket upgrades pass through and are recorded as one exchange', async () => {
    const upstream = http.createServer();
    upstream.on('upgrade', (_req, socket: net.Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.end(Buffer.concat([Buffer.from('echo:'), d])));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as net.AddressInfo).port;
    try {
      const before = harness.seen.length;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(harness.proxy.port, '127.0.0.1', () =>
          socket.write(`GET http://127.0.0.1:${port}/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`),
        );
        let received = '';
        socket.on('data', (d: Buffer) => {
          received += d.toString();
          if (received.endsWith('\r\n\r\n')) socket.write('frame');
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(received));
      });
      expect(answer).toBe('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\necho:frame');
      const [record] = (await harness.records(before + 1)).slice(before);
      expect(record.response?.status).toBe(101);
      expect(record.tunnel).toEqual({ target: `127.0.0.1:${port}`, reason: 'websocket', bytesUp: 5, bytesDown: 10 });
    } finally {
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
