/**
 * Runs the proxydoc CLI in-process with captured io, a fake proxy and fake signals, so tests see exactly what a
 * user would: stdout, stderr and the exit code.
 */
import type { RunningProxy } from '../../../src/capture/proxy-server';
import type { ProxyConfig } from '../../../src/config';
import { main, type CliServices } from '../../../src/cli/main';

export interface CliRun {
  stdout: string;
  stderr: string;
  /** Every io.exit call, in order; a correct run has exactly one. */
  exits: number[];
  /** What main resolved to. */
  code: number;
}

export interface FakeProxy {
  /** Configs the fake startProxy was called with. */
  started: ProxyConfig[];
  closed: number;
  startProxy: CliServices['startProxy'];
}

export function fakeRunningProxy(overrides: Partial<RunningProxy> = {}): RunningProxy {
  return {
    url: 'http://127.0.0.1:8080',
    host: '127.0.0.1',
    port: 8080,
    caCertPath: '/work/app/certs/ca.pem',
    caCreated: false,
    logDir: '/work/app/logs',
    stats: () => ({ written: 0, lost: 0 }),
    flush: async () => undefined,
    close: async () => undefined,
    ...overrides,
  };
}

/** A startProxy that records its config and returns a running proxy whose close() is counted. */
export function fakeProxy(running: Partial<RunningProxy> = {}): FakeProxy {
  const fake: FakeProxy = {
    started: [],
    closed: 0,
    startProxy: async (config) => {
      fake.started.push(config);
      return fakeRunningProxy({
        ...running,
        close: async () => {
          fake.closed += 1;
          await running.close?.();
        },
      });
    },
  };
  return fake;
}

/** Signals delivered by the test instead of the OS. `listening` resolves once the command waits for one. */
export function fakeSignals(): {
  onShutdownSignal: CliServices['onShutdownSignal'];
  send: (signal: NodeJS.Signals) => void;
  listening: Promise<void>;
  listenerCount: () => number;
} {
  const listeners = new Set<(signal: NodeJS.Signals) => void>();
  let markListening: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => {
    markListening = resolve;
  });
  return {
    onShutdownSignal: (listener) => {
      listeners.add(listener);
      markListening();
      return () => listeners.delete(listener);
    },
    send: (signal) => {
      for (const listener of [...listeners]) listener(signal);
    },
    listening,
    listenerCount: () => listeners.size,
  };
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  files?: Record<string, string>;
  services?: Partial<CliServices>;
}

/** Starts main() and returns the live captured output plus the promise of the finished run. */
export function startCli(argv: string[], options: RunOptions = {}): { output: CliRun; done: Promise<CliRun> } {
  const output: CliRun = { stdout: '', stderr: '', exits: [], code: -1 };
  const files = options.files ?? {};
  const done = main(
    argv,
    {
      stdout: (text) => {
        output.stdout += typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
      },
      stderr: (text) => {
        output.stderr += text;
      },
      exit: (code) => {
        output.exits.push(code);
      },
      env: options.env ?? {},
      cwd: options.cwd ?? '/work/app',
      stdoutIsTTY: false,
    },
    {
      readFile: (filePath) => {
        if (!(filePath in files)) {
          throw Object.assign(new Error(`ENOENT: no such file or directory, open '${filePath}'`), { code: 'ENOENT' });
        }
        return files[filePath];
      },
      // A test that forgets to fake the proxy must fail loudly, never start a real one.
      startProxy: async () => {
        throw new Error('test did not inject startProxy');
      },
      onShutdownSignal: () => {
        throw new Error('test did not inject onShutdownSignal');
      },
      ...options.services,
    },
  ).then((code) => {
    output.code = code;
    return output;
  });
  return { output, done };
}

/** Runs a CLI invocation that finishes on its own (errors, --help, --version). */
export function runCli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  return startCli(argv, options).done;
}
