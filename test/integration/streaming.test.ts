/**
 * Large bodies stream through with backpressure: a 200 MB download through the proxy (a real `proxydoc start`
 * subprocess, so its memory is its own) must not grow the proxy's peak RSS by more than a few tens of MB.
 * This measures memory, not speed: the throughput benchmark is `npm run bench`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { peakRssMiB, startCli, type StartedCli } from '../helpers/cli';
import { run } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpServer, startHttpsServer } from '../helpers/servers';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TOTAL = 200 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
/** Allowed growth of the proxy's peak RSS over its idle peak, in MiB. */
const MAX_GROWTH_MIB = 40;

/** Streams TOTAL bytes, respecting backpressure, without ever holding more than one chunk. */
function streamDownload(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': TOTAL });
  let sent = 0;
  const pump = (): void => {
    while (sent < TOTAL) {
      sent += CHUNK.length;
      if (!res.write(CHUNK)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

describe('streaming', () => {
  let dir: string;
  let cli: StartedCli;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-stream-'));
    upstreamCa = await makeUpstreamCa();
    cli = await startCli(['--port', '0', '--upstream-ca', upstreamCa.caPath], dir);
  });
  afterAll(async () => {
    await cli.stop();
    upstreamCa.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each([['http'], ['https']])('a 200 MB %s download keeps the proxy memory bounded and the record complete', async (scheme) => {
    const server = scheme === 'http' ? await startHttpServer(streamDownload) : await startHttpsServer(upstreamCa.leaves, streamDownload);
    try {
      // Warm up the code paths first, so the baseline already includes what any exchange loads once.
      const target = `${scheme}://127.0.0.1:${server.port}/download`;
      const caPath = path.join(dir, 'certs/ca.pem');
      await run('curl', ['-sS', '-x', cli.url, '--cacert', caPath, '-r', '0-0', '-o', '/dev/null', target]);
      const baseline = peakRssMiB(cli.child.pid!);
      const result = await run('curl', ['-sS', '-x', cli.url, '--cacert', caPath, '-o', '/dev/null', '-w', '%{size_download}', target]);
      expect(result.stderr).toBe('');
      expect(Number(result.stdout)).toBe(TOTAL);
      const peak = peakRssMiB(cli.child.pid!);
      if (baseline === undefined || peak === undefined) throw new Error('/proc/<pid>/status has no VmHWM: cannot measure memory here');
      process.stdout.write(`${scheme} 200 MB download: proxy peak RSS ${baseline.toFixed(1)} → ${peak.toFixed(1)} MiB\n`);
      expect(peak - baseline).toBeLessThan(MAX_GROWTH_MIB);
    } finally {
      await server.close();
    }
  }, 120_000);
});
