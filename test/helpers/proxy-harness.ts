/**
 * Starts proxydoc in-process on 127.0.0.1:0 with its CA and logs in a temp dir, and lets a test wait for records
 * as events (no polling, no sleeps).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startProxy, type ProxyDependencies, type RunningProxy } from '../../src/capture/proxy-server';
import { DEFAULT_CONFIG, type ProxyConfig } from '../../src/config';
import type { ExchangeRecord } from '../../src/model/exchange';

export interface Harness {
  proxy: RunningProxy;
  dir: string;
  caPem: string;
  config: ProxyConfig;
  /** Resolves with the first `count` records (in the order they finished), once they are on disk. */
  records(count: number): Promise<ExchangeRecord[]>;
  /** Every record finished so far. */
  seen: ExchangeRecord[];
  annotated: string[];
  readLog(): string;
  readJsonl(): ExchangeRecord[];
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<ProxyConfig> = {}, deps: ProxyDependencies = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-test-'));
  const seen: ExchangeRecord[] = [];
  const annotated: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const config: ProxyConfig = {
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    port: 0,
    caDir: path.join(dir, 'certs'),
    logDir: path.join(dir, 'logs'),
    ...overrides,
  };
  const proxy = await startProxy(config, {
    warn: () => undefined,
    ...deps,
    onRecord: (record, text) => {
      seen.push(record);
      annotated.push(text);
      deps.onRecord?.(record, text);
      for (const waiter of waiters.filter((w) => seen.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
  });
  const caPem = fs.readFileSync(proxy.caCertPath, 'utf8');
  return {
    proxy,
    dir,
    caPem,
    config,
    seen,
    annotated,
    async records(count: number) {
      if (seen.length < count) await new Promise<void>((resolve) => waiters.push({ count, resolve }));
      await proxy.flush();
      return seen.slice(0, count);
    },
    readLog: () => fs.readFileSync(path.join(config.logDir, 'proxydoc.log'), 'utf8'),
    readJsonl: () =>
      fs
        .readFileSync(path.join(config.logDir, 'exchanges.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as ExchangeRecord),
    async close() {
      await proxy.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real program (curl, python3, node) to completion. */
export function run(
  command: string,
  args: string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(options.input);
  });
}

/** curl through the proxy: `-x` and, for HTTPS, `--cacert` with proxydoc's CA. */
export function curl(harness: Harness, args: string[], options: { input?: string | Buffer } = {}): Promise<CommandResult> {
  const caFile = harness.proxy.caCertPath;
  return run('curl', ['-sS', '-x', harness.proxy.url, '--cacert', caFile, ...args], options);
}

/** Sends raw bytes to the proxy and collects everything it answers until it closes the connection. */
export function rawRequest(port: number, bytes: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}
