/**
 * proxydoc as users run it: `node bin/proxydoc start --port 0 …` in a subprocess, with everything on (capture,
 * diagnosis, exchanges.jsonl and proxydoc.log). Ready once it printed its "listening on" line and a TCP connect to
 * that port succeeded.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { environmentWithoutProxy, spawnTracked } from './processes';
import type { ChildProcess } from 'node:child_process';

/** Repository root: this file runs from dist/bench/. */
export const ROOT = path.join(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/proxydoc');

export interface ProxydocOptions {
  caDir: string;
  logDir: string;
  /** The target's CA (--upstream-ca); left out only by the start that merely creates proxydoc's CA. */
  upstreamCaPath?: string;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory when the proxy exits… */
  cpuProfileDir?: string;
  /** …under this file name. */
  cpuProfileName?: string;
  /** Start with a Node inspector on a loopback port (--inspect=127.0.0.1:0); its address is then in inspectorUrl. */
  inspect?: boolean;
  /** Run this script (same arguments, same "listening on" line) instead of bin/proxydoc: the --baseline proxy. */
  script?: string;
}

export interface RunningProxydoc {
  pid: number;
  url: string;
  /** proxydoc's CA, which clients trust for intercepted HTTPS. */
  caPath: string;
  /** From spawn() to the open port. */
  startupMs: number;
  /** The inspector's ws:// address, when started with `inspect`. */
  inspectorUrl?: string;
  /** What it printed on stderr so far (on a clean stop: how many exchanges it recorded, and lost). */
  stderr(): string;
  /** SIGTERM (proxydoc's clean stop, which also lets --cpu-prof write its file) and wait for the exit. */
  stop(): Promise<void>;
}

function connectOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

export function startProxydoc(options: ProxydocOptions): Promise<RunningProxydoc> {
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  if (options.cpuProfileDir && options.cpuProfileName) nodeArgs.push(`--cpu-prof-name=${options.cpuProfileName}`);
  if (options.inspect) nodeArgs.push('--inspect=127.0.0.1:0');
  const args = [...nodeArgs, options.script ?? BIN, 'start', '--port', '0', '--log-dir', options.logDir, '--ca-dir', options.caDir];
  if (options.upstreamCaPath) args.push('--upstream-ca', options.upstreamCaPath);
  const started = process.hrtime.bigint();
  // Without proxy variables, so proxydoc can't be told to chain to some other proxy from the bench's shell.
  const child: ChildProcess = spawnTracked(process.execPath, args, { cwd: ROOT, env: { ...environmentWithoutProxy(), NO_COLOR: '1' } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (ready) return; // the banner is all it prints; later output is ignored
      stdout += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+:(\d+))/.exec(stdout);
      if (!match) return;
      ready = true;
      // Node prints the inspector's address on stderr before running the script, so it is there by now.
      const inspectorUrl = options.inspect ? /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1] : undefined;
      if (options.inspect && !inspectorUrl) {
        child.kill('SIGTERM');
        reject(new Error(`proxydoc started without an inspector address on stderr: ${stderr.trim()}`));
        return;
      }
      const port = Number(match[2]);
      connectOnce(port).then(
        () => {
          const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
          resolve({
            pid: child.pid as number,
            url: match[1],
            caPath: path.join(options.caDir, 'ca.pem'),
            startupMs,
            inspectorUrl,
            stderr: () => stderr,
            stop: async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              await exited;
            },
          });
        },
        (error: Error) => {
          child.kill('SIGTERM');
          reject(new Error(`proxydoc printed its port but a connect to it failed: ${error.message}`));
        },
      );
    });
    void exited.then(() => {
      if (!ready) reject(new Error(`proxydoc exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr.trim()}`));
    });
  });
}
