/**
 * A real nginx for integration tests: rendered from a template into a temp dir (pid, logs and temp paths all inside
 * it), run in the foreground as the current user on a free 127.0.0.1 port, stopped and removed by stop().
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { closedPort } from './servers';

/** The nginx binary: $NGINX, /usr/sbin/nginx (Debian), or the first nginx on PATH; undefined when there is none. */
export function findNginx(): string | undefined {
  const candidates = [
    process.env.NGINX,
    '/usr/sbin/nginx',
    ...(process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '').map((dir) => path.join(dir, 'nginx')),
  ];
  return candidates.find((candidate): candidate is string => {
    if (candidate === undefined || candidate === '') return false;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

export interface RunningNginx {
  port: number;
  url: string;
  dir: string;
  /** nginx's error.log so far (it writes synchronously, so an answered request's entries are already there). */
  errorLog(): string;
  stop(): Promise<void>;
}

/** Renders `template` ({{DIR}}, {{PORT}}, {{USER_DIRECTIVE}} and `vars`) and starts nginx with it. */
export async function startNginx(binary: string, template: string, vars: Record<string, string | number>): Promise<RunningNginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-nginx-'));
  const port = await closedPort();
  // As root the workers would drop to "nobody", which may not enter the 0700 temp dir: keep them as this user.
  const userDirective = process.getuid?.() === 0 ? `user ${os.userInfo().username};` : '';
  const values: Record<string, string | number> = { DIR: dir, PORT: port, USER_DIRECTIVE: userDirective, ...vars };
  const conf = fs.readFileSync(template, 'utf8').replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    if (!(name in values)) throw new Error(`nginx template ${template}: no value for ${whole}`);
    return String(values[name]);
  });
  const confPath = path.join(dir, 'nginx.conf');
  fs.writeFileSync(confPath, conf);

  // -e stderr: the startup log, before the config is read (a build's default may be /var/log/nginx/error.log).
  const child = spawn(binary, ['-p', dir, '-c', confPath, '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      const onData = (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        // The master logs this after ngx_init_cycle has bound the listening socket.
        if (/start worker process/.test(stderr)) done(resolve);
      };
      const onExit = (code: number | null, signal: string | null) =>
        done(() => reject(new Error(`nginx exited during startup (code ${code}, signal ${signal}):\n${stderr}`)));
      const onError = (error: Error) => done(() => reject(error));
      function done(settle: () => void) {
        child.stderr.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
        settle();
      }
      child.stderr.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  child.stderr.resume(); // keep draining notices so nginx never blocks on a full pipe

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dir,
    errorLog: () => fs.readFileSync(path.join(dir, 'error.log'), 'utf8'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); // fast shutdown, master waits for workers
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
