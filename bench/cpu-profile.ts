/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, written by proxydoc when the bench runs with --cpu-prof DIR):
 * self time by module and by function, merged over several profiles, so a tuner sees where proxydoc spends its CPU
 * in each scenario (a flat profile of small costs shows better by module). Also usable alone: `node dist/bench/cpu-profile.js FILE.cpuprofile… [--top N]`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The parts of the .cpuprofile format (Chrome DevTools Protocol Profiler.Profile) used here. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  /** Microseconds since the previous sample; timeDeltas[i] belongs to samples[i]. */
  timeDeltas: number[];
}

export interface SelfTime {
  /** "function (file:line)", with paths shortened. */
  name: string;
  selfMs: number;
  share: number;
}

/** "file:///…/dist/src/capture/forward.js" → "dist/src/capture/forward.js"; node internals as "node:…". */
function shortUrl(url: string, root: string): string {
  const withoutScheme = url.replace(/^file:\/\//, '');
  if (withoutScheme.startsWith(root)) return path.relative(root, withoutScheme);
  const modules = withoutScheme.lastIndexOf('node_modules/');
  return modules >= 0 ? withoutScheme.slice(modules) : withoutScheme;
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame'], root: string): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn; // (garbage collector), (program), (idle), native code
  return `${fn} (${shortUrl(frame.url, root)}:${frame.lineNumber + 1})`;
}

/** Where a frame's code lives: a proxydoc file, a node: module, an npm package, or V8 itself. */
function moduleOf(frame: CpuProfile['nodes'][number]['callFrame'], root: string): string {
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : '(native: C++ bindings, builtins)';
  if (frame.url.startsWith('node:')) return frame.url.replace(/^node:internal\//, 'node:').replace(/\/.*$/, '');
  const file = shortUrl(frame.url, root);
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return pkg ? pkg[1] : file;
}

export interface ProfileSummary {
  /** Milliseconds the process was busy (everything but (idle)), and idle. */
  busyMs: number;
  idleMs: number;
  functions: SelfTime[];
  modules: SelfTime[];
}

function ranked(totals: Map<string, number>, busyMs: number): SelfTime[] {
  return [...totals.entries()]
    .map(([name, selfMs]) => ({ name, selfMs, share: busyMs > 0 ? selfMs / busyMs : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

/** Self time per function and per module over all the profiles, largest first; shares are of busy time. */
export function summarizeProfiles(profiles: readonly CpuProfile[], root: string): ProfileSummary {
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (const profile of profiles) {
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    for (let i = 0; i < profile.samples.length; i++) {
      const frame = frames.get(profile.samples[i]);
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      if (!frame || frame.functionName === '(idle)') {
        idleMs += ms;
        continue;
      }
      busyMs += ms;
      const fn = frameName(frame, root);
      const mod = moduleOf(frame, root);
      functions.set(fn, (functions.get(fn) ?? 0) + ms);
      modules.set(mod, (modules.get(mod) ?? 0) + ms);
    }
  }
  return { busyMs, idleMs, functions: ranked(functions, busyMs), modules: ranked(modules, busyMs) };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
}

export function formatSelfTimes(entries: readonly SelfTime[], top: number): string {
  return entries
    .slice(0, top)
    .map((entry) => `  ${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.selfMs.toFixed(0).padStart(7)} ms  ${entry.name}`)
    .join('\n');
}

export function formatSummary(summary: ProfileSummary, topFunctions: number, topModules: number): string {
  return [
    `busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s (waiting for I/O); self time by module:`,
    formatSelfTimes(summary.modules, topModules),
    'by function:',
    formatSelfTimes(summary.functions, topFunctions),
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 25;
  if (args.length === 0) {
    process.stderr.write('usage: node dist/bench/cpu-profile.js FILE.cpuprofile… [--top N]\n');
    process.exit(2);
  }
  const root = path.join(__dirname, '../..');
  process.stdout.write(`${formatSummary(summarizeProfiles(args.map(readProfile), root), top, 15)}\n`);
}
