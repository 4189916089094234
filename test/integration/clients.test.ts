/**
 * HTTP and HTTPS through the running proxy with real clients: curl (-x, --cacert) and Node's undici ProxyAgent
 * (which tunnels http:// requests through CONNECT too), and what lands in exchanges.jsonl and proxydoc.log.
 */
import * as fs from 'node:fs';
import { ProxyAgent, request as undiciRequest } from 'undici';
import { curl, startHarness, type Harness } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpServer, startHttpsServer, type Closable } from '../helpers/servers';

describe('clients through proxydoc', () => {
  let harness: Harness;
  let plain: Closable & { port: number };
  let secure: Closable & { port: number };
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;

  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-Seen-Path': req.url ?? '' });
        res.end(JSON.stringify({ method: req.method, path: req.url, body: Buffer.concat(chunks).toString('utf8') }));
      });
    };
    plain = await startHttpServer(handler);
    secure = await startHttpsServer(upstreamCa.leaves, handler);
    harness = await startHarness({ upstreamCa: [upstreamCa.caPath] });
  });

  afterAll(async () => {
    await harness.close();
    await plain.close();
    await secure.close();
    upstreamCa.cleanup();
  });

  test('curl: plain HTTP GET is forwarded and recorded with phases', async () => {
    const before = harness.seen.length;
    const result = await curl(harness, [`http://127.0.0.1:${plain.port}/api/items?page=2`]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ method: 'GET', path: '/api/items?page=2', body: '' });
    const [record] = (await harness.records(before + 1)).slice(before);
    expect(record).toMatchObject({
      v: 1,
      request: { method: 'GET', url: `http://127.0.0.1:${plain.port}/api/items?page=2`, httpVersion: '1.1' },
      response: { status: 200, statusText: 'OK' },
      tunnel: false,
      replayOf: null,
      client: { address: '127.0.0.1' },
    });
    expect(record.error).toBeUndefined();
    expect(record.phases.total).toBeGreaterThan(0);
    expect(record.phases.ttfb).toBeGreaterThanOrEqual(0);
    expect(record.phases.tls).toBeUndefined(); // plain HTTP has no TLS phase
    expect(record.upstream?.address).toBe(`127.0.0.1:${plain.port}`);
    expect(new Date(record.startedAt).toISOString()).toBe(record.startedAt);
  });

  test('curl: HTTPS is intercepted with proxydoc CA and the decrypted exchange recorded', async () => {
    const before = harness.seen.length;
    const result = await curl(harness, ['-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"title":"x"}', `https://127.0.0.1:${secure.port}/api/v4/projects`]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ method: 'POST', path: '/api/v4/projects', body: '{"title":"x"}' });
    const [record] = (await harness.records(before + 1)).slice(before);
    expect(record.request.url).toBe(`https://127.0.0.1:${secure.port}/api/v4/projects`);
    expect(record.request.body).toEqual({ size: 13, text: '{"title":"x"}', truncated: false });
    expect(record.response?.body.text).toContain('"method":"POST"');
    expect(record.upstream?.tls).toMatch(/^TLSv1\.[23]$/);
    expect(record.phases.tls).toBeGreaterThanOrEqual(0);
  });

  test('undici ProxyAgent: HTTPS, and http:// tunnelled through CONNECT, both recorded exchange by exchange', async () => {
    const agent = new ProxyAgent({ uri: harness.proxy.url, requestTls: { ca: harness.caPem } });
    try {
      const before = harness.seen.length;
      const secureResponse = await undiciRequest(`https://127.0.0.1:${secure.port}/over-tls`, { dispatcher: agent });
      expect(await secureResponse.body.json()).toMatchObject({ path: '/over-tls' });
      const plainResponse = await undiciRequest(`http://127.0.0.1:${plain.port}/through-tunnel`, { dispatcher: agent });
      expect(await plainResponse.body.json()).toMatchObject({ path: '/through-tunnel' });
      const records = (await harness.records(before + 2)).slice(before);
      expect(records.map((r) => r.request.url).sort()).toEqual(
        [`http://127.0.0.1:${plain.port}/through-tunnel`, `https://127.0.0.1:${secure.port}/over-tls`].sort(),
      );
      expect(records.every((r) => r.tunnel === false && r.response?.status === 200)).toBe(true);
    } finally {
      await agent.close();
    }
  });

  test('the annotated log has one line per exchange and the jsonl file is mode 0600', async () => {
    const before = harness.seen.length;
    await curl(harness, [`http://127.0.0.1:${plain.port}/logged`]);
    const [record] = (await harness.records(before + 1)).slice(before);
    const log = harness.readLog();
    const line = log.split('\n').find((l) => l.includes(`#${record.seq} GET http://127.0.0.1:${plain.port}/logged`));
    expect(line).toMatch(/→ 200 OK/);
    expect(harness.readJsonl().some((r) => r.id === record.id)).toBe(true);
    expect(fs.statSync(`${harness.config.logDir}/exchanges.jsonl`).mode & 0o777).toBe(0o600);
  });
});
