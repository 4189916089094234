/**
 * External clients the benchmark drives: wrk (S1) and curl (S4, S5). Missing ones are installed from Debian's
 * packages when running as root, since a benchmark that silently switches clients is not comparable across runs.
 */
import { hasCommand, runToCompletion } from './processes';

export interface ToolCheck {
  available: boolean;
  /** What happened, for the report: found, installed, or why not. */
  note: string;
}

async function aptInstall(pkg: string): Promise<string | undefined> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): Promise<{ code: number | null; stderr: string }> => runToCompletion('apt-get', ['install', '-y', '-q', pkg], { env });
  let result = await install();
  if (result.code !== 0) {
    // A fresh machine has no package lists yet.
    await runToCompletion('apt-get', ['update', '-q'], { env });
    result = await install();
  }
  return result.code === 0 ? undefined : result.stderr.trim().split('\n').at(-1) ?? `exit ${result.code}`;
}

/** Finds `command`, or installs Debian package `pkg` with apt-get when we are root. */
export async function ensureTool(command: string, pkg: string, log: (line: string) => void): Promise<ToolCheck> {
  if (hasCommand(command)) return { available: true, note: `${command} found` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { available: false, note: `${command} missing and not root, so not installed (apt-get install ${pkg})` };
  }
  if (!hasCommand('apt-get')) return { available: false, note: `${command} missing and there is no apt-get to install it` };
  log(`${command} is missing: installing Debian package ${pkg} with apt-get…`);
  const failure = await aptInstall(pkg).catch((error: Error) => error.message);
  if (failure === undefined && hasCommand(command)) return { available: true, note: `${command} installed now (apt-get install ${pkg})` };
  return { available: false, note: `${command} missing and apt-get install ${pkg} failed: ${failure ?? 'not on PATH afterwards'}` };
}
