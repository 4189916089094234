/**
 * A real nginx (test/nginx/nginx.conf.template) in front of a loopback API, reached through proxydoc with real curl:
 * the findings must name nginx from what nginx really sends, not from hand-written fixtures.
 *
 * nginx is required in CI (CI=true: the suite fails when it is missing); elsewhere the suite is skipped with a message.
 */
import * as path from 'node:path';
import { curl, startHarness, type Harness } from '../helpers/proxy-harness';
import { startHttpServer } from '../helpers/servers';
import { findNginx, startNginx, type RunningNginx } from '../helpers/nginx';
import type { ExchangeRecord } from '../../src/model/exchange';

const NGINX = findNginx();
const TEMPLATE = path.join(__dirname, '..', 'nginx', 'nginx.conf.template');
const THRESHOLD_NAME = 'api nginx proxy_read_timeout';

if (NGINX === undefined && process.env.CI === 'true') {
  throw new Error('nginx is required in CI but was not found ($NGINX, /usr/sbin/nginx, PATH): apt-get install -y nginx-light');
}

const describeWithNginx = NGINX === undefined ? describe.skip : describe;

if (NGINX === undefined) {
  describe('nginx in front of an API', () => {
    test.skip('SKIPPED: nginx not found ($NGINX, /usr/sbin/nginx, PATH) — apt-get install nginx-light to run it', () => undefined);
  });
}

describeWithNginx('nginx in front of an API', () => {
  let harness: Harness;
  let nginx: RunningNginx;
  let upstream: Awaited<ReturnType<typeof startHttpServer>>;
  /** Raw request targets the API received, in order. */
  const upstreamSaw: string[] = [];
  /** Resolved when nginx gives up on the slow route and closes its upstream connection. */
  let slowClosed: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    let markSlowClosed: () => void = () => undefined;
    slowClosed = new Promise<void>((resolve) => (markSlowClosed = resolve));
    upstream = await startHttpServer((req, res) => {
      const target = req.url ?? '';
      upstreamSaw.push(target);
      if (target.startsWith('/slow/')) {
        // Never answers: only nginx's proxy_read_timeout ends this, and it closes the connection when it does.
        req.socket.once('close', () => markSlowClosed());
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.statusCode = 404;
      // GitLab's API: /projects/:id takes one segment (an encoded namespace%2Fproject is decoded by Rails into the id);
      // a path it has no route for hits the catch-all `route :any, '*path' { error!('404 Not Found', 404) }`.
      const project = /^\/api\/v4\/projects\/([^/]+)$/.exec(target);
      res.end(project ? '{"message":"404 Project Not Found"}' : '{"error":"404 Not Found"}');
    });
    nginx = await startNginx(NGINX as string, TEMPLATE, { UPSTREAM_PORT: upstream.port });
    harness = await startHarness({ timeouts: [{ name: THRESHOLD_NAME, seconds: 1 }] });
  });

  afterAll(async () => {
    await harness?.close();
    await nginx?.stop();
    await upstream?.close();
  });

  async function through(url: string): Promise<{ record: ExchangeRecord; text: string; status: string; body: string }> {
    const before = harness.seen.length;
    const result = await curl(harness, ['-s', '-o', '-', '-w', '\n%{http_code}', url]);
    const [record] = (await harness.records(before + 1)).slice(before);
    const cut = result.stdout.lastIndexOf('\n');
    return { record, text: harness.annotated[before], body: result.stdout.slice(0, cut), status: result.stdout.slice(cut + 1) };
  }

  test('GET …/projects/group%2Fproject: nginx decodes the slash, GitLab has no route, the finding blames nginx', async () => {
    const { record, text, status, body } = await through(`${nginx.url}/api/v4/projects/group%2Fproject`);

    // proxydoc forwarded the path unchanged; nginx (proxy_pass with a URI part) decoded it before the API saw it.
    expect(record.request.url).toBe(`${nginx.url}/api/v4/projects/group%2Fproject`);
    expect(upstreamSaw).toContain('/api/v4/projects/group/project');
    expect(upstreamSaw).not.toContain('/api/v4/projects/group%2Fproject');
    expect(status).toBe('404');
    expect(body).toBe('{"error":"404 Not Found"}');
    expect(record.response?.headers).toContainEqual(['Server', expect.stringMatching(/^nginx\//)]);

    const finding = record.findings.find((f) => f.rule === 'encoded-slash');
    expect(finding).toBeDefined();
    expect(finding?.severity).toBe('error');
    expect(finding?.summary).toBe(
      'GitLab answered 404 for an unknown route, not for an unknown project: nginx likely decoded the %2F before GitLab saw the path.',
    );
    expect(finding?.evidence).toContainEqual(expect.stringMatching(/^the response passed through nginx: Server: nginx\//));
    expect(finding?.explanation).toContain('proxy_pass WITH a URI part');
    expect(finding?.nextSteps[0]).toMatch(/^nginx: Use proxy_pass without a URI part/);
    expect(text).toContain('encoded-slash');
    expect(text).toContain('proxy_pass without a URI part');
  });

  test('GET /slow/x: nginx answers its own 504 after proxy_read_timeout 1 s, the finding names nginx and the threshold', async () => {
    const { record, text, status, body } = await through(`${nginx.url}/slow/x`);
    await slowClosed; // nginx really gave up on the upstream (and the upstream request is gone)

    expect(status).toBe('504');
    expect(body).toContain('<center>nginx/');
    expect(nginx.errorLog()).toMatch(/upstream timed out .* while reading response header from upstream/);
    expect(record.phases.total).toBeGreaterThanOrEqual(1000);
    expect(record.phases.total).toBeLessThan(2000);

    const finding = record.findings.find((f) => f.rule === 'gateway-timeout');
    expect(finding).toBeDefined();
    expect(finding?.summary).toMatch(/^504 after 1\.\d s/);
    expect(finding?.summary).toContain(`your "${THRESHOLD_NAME}" timeout (1 s, from the config)`);
    expect(finding?.summary).toContain('the response came from nginx');
    expect(finding?.evidence).toContain("the body is nginx's error page (<center>nginx</center>)");
    expect(finding?.explanation).toContain('The upstream may still be processing the request');
    expect(text).toContain('gateway-timeout');
    expect(text).toContain(THRESHOLD_NAME);
  });

  test('a path that keeps its slashes is passed through as sent (nginx is otherwise transparent)', async () => {
    const { status, body } = await through(`${nginx.url}/api/v4/projects/42`);
    expect(status).toBe('404');
    expect(body).toBe('{"message":"404 Project Not Found"}');
    expect(upstreamSaw).toContain('/api/v4/projects/42');
  });
});
