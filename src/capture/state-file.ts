/**
 * <logDir>/proxydoc.state.json: where a running proxydoc listens, so `proxydoc env` can find one started with
 * `--port 0`. Written once the proxy listens and removed when it closes. A proxy killed with SIGKILL leaves it
 * behind, so readers check that its pid is still alive.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const STATE_FILE = 'proxydoc.state.json';

export interface ProxyState {
  pid: number;
  /** The listen URL, e.g. http://127.0.0.1:45123 (http://0.0.0.0:8080 when listening on every interface). */
  url: string;
  caCertPath: string;
  /** ISO 8601. */
  startedAt: string;
}

export function stateFileOf(logDir: string): string {
  return path.join(logDir, STATE_FILE);
}

/**
 * Temp file + rename, so a reader never sees half a file. 0600 like the records beside it: it names no secret, but
 * nothing in the log directory is for other users.
 */
export async function writeStateFile(logDir: string, state: ProxyState): Promise<void> {
  const target = stateFileOf(logDir);
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // the creation mode is filtered by the umask
      await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** Removes the state file only if it still describes this proxy: another proxydoc may have replaced it since. */
export async function removeStateFile(logDir: string, ours: Pick<ProxyState, 'pid' | 'url'>): Promise<void> {
  const current = await readStateFile(logDir);
  if (current === undefined || current.pid !== ours.pid || current.url !== ours.url) return;
  await fs.rm(stateFileOf(logDir), { force: true });
}

/** The state file's content, or undefined when there is none or it is not one of ours (corrupt, hand-edited). */
export async function readStateFile(logDir: string): Promise<ProxyState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(stateFileOf(logDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<ProxyState>;
    if (
      Number.isInteger(value.pid) &&
      typeof value.url === 'string' &&
      typeof value.caCertPath === 'string' &&
      typeof value.startedAt === 'string'
    ) {
      return { pid: value.pid!, url: value.url, caCertPath: value.caCertPath, startedAt: value.startedAt };
    }
  } catch {
    // not JSON: treated like no state file
  }
  return undefined;
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists but belongs to another user. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a proxydoc that is running now, or undefined. */
export async function findRunningProxy(
  logDir: string,
  isAlive: (pid: number) => boolean = processIsAlive,
): Promise<ProxyState | undefined> {
  const state = await readStateFile(logDir);
  return state !== undefined && isAlive(state.pid) ? state : undefined;
}
