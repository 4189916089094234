/**
 * Subprocesses of the proxy benchmark. Every process it starts is tracked, so an error or Ctrl-C stops exactly those
 * (by pid, one by one) and nothing is left running. Also reads a process's memory from /proc.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

const running = new Set<ChildProcess>();

/** spawn(), remembering the child until it exits. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  return child;
}

/** Sends SIGTERM to every child still running (then SIGKILL to those that ignore it). */
export function killAllChildren(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const stubborn = child;
      setTimeout(() => {
        if (stubborn.exitCode === null && stubborn.signalCode === null) stubborn.kill('SIGKILL');
      }, 2000).unref();
    }
  }
}

export interface Completed {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and collects its output; rejects only when it can't be started. */
export function runToCompletion(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether a command can be run at all (found on PATH). */
export function hasCommand(command: string, versionArgs: readonly string[] = ['--version']): boolean {
  const result = spawnSync(command, versionArgs, { stdio: 'ignore' });
  return !(result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT');
}

/** The environment for clients, without proxy variables: direct runs must be direct, proxied ones use -x. */
export function environmentWithoutProxy(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(https?|all|no)_proxy$/i.test(name)) delete env[name];
  }
  return env;
}

/** A /proc/<pid>/status memory field (VmRSS, VmHWM) in MiB, or undefined off Linux / when the process is gone. */
export function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resets a process's peak RSS (VmHWM) to its current RSS: Linux's clear_refs value 5 (since 4.0). Returns false
 * when that is not possible (not Linux, not permitted, or a kernel that accepts the write but keeps the peak), so
 * the caller falls back to a fresh process per scenario.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    return false;
  }
  const peak = statusMiB(pid, 'VmHWM');
  const current = statusMiB(pid, 'VmRSS');
  // The peak may have grown by a few pages between the two reads; anything more means the reset did nothing.
  return peak !== undefined && current !== undefined && peak <= current + 2;
}

/** Total and idle jiffies of all CPUs (first line of /proc/stat), or undefined off Linux. */
function cpuTimes(): { total: number; idle: number } | undefined {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { total: fields.reduce((sum, n) => sum + n, 0), idle };
  } catch {
    return undefined;
  }
}

/**
 * How many CPUs' worth of work other programs are doing right now (sampled over `ms`), measured before the bench
 * starts anything: a busy machine makes every figure noisy, and the report should say so.
 */
export async function busyCpus(ms = 1000): Promise<number | undefined> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTimes();
  if (!before || !after || after.total === before.total) return undefined;
  return (1 - (after.idle - before.idle) / (after.total - before.total)) * os.cpus().length;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ): 100 on every common Linux build. */
const USER_HZ = 100;

/**
 * CPU time (user + system, seconds) a process has used so far, or undefined off Linux. A difference over a run,
 * divided by the requests served, gives CPU per request: a figure that noisy neighbours on the machine hardly move,
 * unlike requests per second.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces, hence the last ')'): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}
