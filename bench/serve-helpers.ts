/**
 * What the benchmark's target (target-server.ts) and the soak's (soak-target.ts) share: streaming a large body, and
 * running as a loopback target process. Both of those files run as soon as they are loaded, so the shared code lives
 * here, in a module with no side effects.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import type * as https from 'node:https';
import type * as net from 'node:net';

const CHUNK = Buffer.alloc(1024 * 1024, 'y');

/** Writes `count` copies of one shared 1 MiB chunk, waiting for 'drain' so memory stays flat whatever the reader's pace. */
export function streamChunks(res: http.ServerResponse, count: number): void {
  let left = count;
  const pump = (): void => {
    while (left > 0) {
      left -= 1;
      if (left === 0) {
        res.end(CHUNK);
        return;
      }
      if (!res.write(CHUNK)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

export interface TargetServers {
  http: http.Server;
  https: https.Server;
}

/**
 * The target process's life (`node dist/bench/SCRIPT KEY_PEM CHAIN_PEM`): builds its servers with that key and
 * certificate chain, listens on 127.0.0.1 port 0, prints {"http":PORT,"https":PORT} on stdout, and exits when its
 * stdin closes (the bench ended or died) or on SIGTERM. A failure is one line on stderr and exit 1.
 */
export function runTargetProcess(script: string, createServers: (tls: { key: Buffer; cert: Buffer }) => TargetServers): void {
  const main = async (): Promise<void> => {
    const [keyPath, chainPath] = process.argv.slice(2);
    if (!keyPath || !chainPath) throw new Error(`usage: ${script}.js KEY_PEM CHAIN_PEM`);
    const servers = createServers({ key: fs.readFileSync(keyPath), cert: fs.readFileSync(chainPath) });
    const [httpPort, httpsPort] = await Promise.all([listen(servers.http), listen(servers.https)]);
    process.stdout.write(`${JSON.stringify({ http: httpPort, https: httpsPort })}\n`);
    const exit = (): never => process.exit(0);
    process.stdin.on('end', exit);
    process.stdin.on('error', exit);
    process.stdin.resume();
    process.on('SIGTERM', exit);
  };
  main().catch((error: unknown) => {
    process.stderr.write(`${script}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
