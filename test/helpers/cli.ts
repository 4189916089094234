/**
 * Runs the built CLI (`bin/proxydoc`, compiled by `npm test`'s pretest build) as a real subprocess.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { run, type CommandResult } from './proxy-harness';

export const ROOT = path.join(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin/proxydoc');

export function assertBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
}

export interface StartedCli {
  child: ChildProcessWithoutNullStreams;
  port: number;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Sends a signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `proxydoc start …` in `cwd` and resolves once it printed its listen address. */
export function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<StartedCli> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, 'start', ...args], { cwd, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/[^\s]+:(\d+))/.exec(out);
      if (match) {
        resolve({
          child,
          port: Number(match[2]),
          url: match[1],
          stdout: () => out,
          stderr: () => err,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`proxydoc exited (${code}) before listening: ${err}`)));
  });
}

/** Peak resident memory of a process in MiB (Linux VmHWM), or undefined where /proc has no such field. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function rssMiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `proxydoc ARGS…` (the built CLI) to completion in `cwd`, with optional stdin. */
export function runBin(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): Promise<CommandResult> {
  assertBuilt();
  return run(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    // NO_COLOR keeps assertions on plain text unless a test asks for colour (https://no-color.org).
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    input: options.input,
  });
}
