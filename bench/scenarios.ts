/**
 * The benchmark's scenarios. Each runs the same workload directly against the target, then through proxydoc, with
 * the same client and settings, and returns its figures for one round. Where a figure is proxydoc's memory, the
 * proxied run is wrapped in ProxyHost.measurePeak.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCurl, type CurlResult } from './curl';
import { median, summarizeLatencies } from './stats';
import { BENCH_DOMAIN, type RunningTarget, type TargetCerts } from './target';
import { cpuSeconds, runToCompletion } from './processes';
import type { FirstResponseResult, FirstResponseSpec, LoadSpec, Route, ThroughputResult } from './undici-load';
import { runWrk, type WrkResult } from './wrk';

export interface Settings {
  rounds: number;
  /** S1/S2: unmeasured warm-up, then measured time, per side and round (wrk rounds both to whole seconds, ≥ 1). */
  warmupSeconds: number;
  durationSeconds: number;
  connections: number;
  /** S3: measured new host names per side and round, after a few unmeasured ones. */
  newHosts: number;
  newHostWarmup: number;
  downloadMiB: number;
  uploadMiB: number;
  /** Start-up / idle memory samples, and how long the proxy idles before its RSS is read. */
  startupSamples: number;
  idleMs: number;
}

export const NORMAL: Settings = {
  rounds: 5,
  warmupSeconds: 2,
  durationSeconds: 10,
  connections: 50,
  newHosts: 50,
  newHostWarmup: 3,
  downloadMiB: 200,
  uploadMiB: 50,
  startupSamples: 5,
  idleMs: 10_000,
};

/** `--quick`: the same scenarios in well under a minute; noisier, for a quick look while tuning. */
export const QUICK: Settings = { ...NORMAL, rounds: 2, warmupSeconds: 0.5, durationSeconds: 2, newHostWarmup: 2, startupSamples: 3, idleMs: 500 };

/** The proxy side of a run, as the scenarios need it (see ProxyHost in proxy-bench.ts). */
export interface ProxySide {
  url: string;
  caPath: string;
  pid: number;
  /**
   * Runs `fn` against the proxy and returns its peak RSS (MiB) during it, and its RSS just before (what earlier
   * scenarios of the round left behind, so growth during this one can be told apart).
   */
  measurePeak<T>(fn: () => Promise<T>): Promise<{ result: T; peakMiB: number | undefined; beforeMiB: number | undefined }>;
}

export interface ScenarioContext {
  settings: Settings;
  target: RunningTarget;
  certs: TargetCerts;
  /** Where per-run temporary files go (wrk scripts). */
  tmpDir: string;
  /** wrk for S1, or the Node load generator when wrk is unavailable. */
  s1Tool: 'wrk' | 'node';
  /** How S3's new names reach 127.0.0.1: /etc/hosts, or CONNECT/connect to 127.0.0.1 with the name only as SNI. */
  s3Resolution: 'hosts' | 'sni';
  uploadFile: string;
  /** Notes for the report (errors seen in a run, etc.). */
  warn(message: string): void;
}

/** One figure of one round, directly and through proxydoc. */
export interface Pair {
  direct?: number;
  proxied?: number;
}

export type MetricId =
  | `${'s1' | 's2'}.${'rps' | 'p50' | 'p99' | 'cpuUs'}`
  | 's3.p50' | 's3.p99'
  | `${'s4' | 's5'}.${'http' | 'https'}.${'mibps' | 'rss' | 'rssBefore'}`;

export type RoundFigures = Partial<Record<MetricId, Pair>>;

export interface Scenario {
  id: 's1' | 's2' | 's3' | 's4' | 's5';
  title: string;
  run(ctx: ScenarioContext, proxy: ProxySide, round: number): Promise<RoundFigures>;
}

// ---------------------------------------------------------------------------------------------------------------

interface ThroughputFigures {
  rps: number;
  p50: number | undefined;
  p99: number | undefined;
  /** CPU µs per request of the server side: the target directly, proxydoc through it (not in the table). */
  cpuUs: number | undefined;
}

/** CPU µs per request that process `pid` spent while `run` served `requests(result)` requests. */
async function withCpu<T>(pid: number, run: () => Promise<T>, requests: (result: T) => number): Promise<{ result: T; cpuUs: number | undefined }> {
  const before = cpuSeconds(pid);
  const result = await run();
  const after = cpuSeconds(pid);
  const served = requests(result);
  return { result, cpuUs: before === undefined || after === undefined || served === 0 ? undefined : ((after - before) * 1e6) / served };
}

/** Runs undici-load.js in its own process. */
async function runLoad<T extends ThroughputResult | FirstResponseResult>(spec: LoadSpec): Promise<T> {
  const { code, stdout, stderr } = await runToCompletion(process.execPath, [path.join(__dirname, 'undici-load.js'), JSON.stringify(spec)]);
  if (code !== 0) throw new Error(`load generator exited with ${code}: ${stderr.trim()}`);
  return JSON.parse(stdout) as T;
}

async function nodeThroughput(ctx: ScenarioContext, label: string, serverPid: number, origin: string, route: Route): Promise<ThroughputFigures> {
  const { settings } = ctx;
  const spec: LoadSpec = {
    mode: 'throughput',
    origin,
    path: '/1k',
    connections: settings.connections,
    warmupMs: settings.warmupSeconds * 1000,
    durationMs: settings.durationSeconds * 1000,
    route,
  };
  // The warm-up is inside the same run, so CPU per request counts its requests too.
  const { result, cpuUs } = await withCpu(serverPid, () => runLoad<ThroughputResult>(spec), (r) => r.allRequests);
  if (result.errors > 0 || result.non2xx > 0) {
    ctx.warn(`${label}: ${result.errors} errors, ${result.non2xx} non-2xx responses (first error: ${result.firstError ?? 'none'})`);
  }
  const latency = summarizeLatencies(result.latenciesMs);
  return { rps: result.requestsPerSecond, p50: latency.p50, p99: latency.p99, cpuUs };
}

async function wrkThroughput(ctx: ScenarioContext, label: string, serverPid: number, connectTo: string, requestTarget: string): Promise<ThroughputFigures> {
  const { settings } = ctx;
  const hostHeader = `127.0.0.1:${ctx.target.httpPort}`;
  const common = { connectTo, requestTarget, hostHeader, threads: 2, connections: settings.connections, scriptDir: ctx.tmpDir };
  // Warm-up: connections, JIT, the proxy's caches; its numbers are thrown away.
  await runWrk({ ...common, seconds: settings.warmupSeconds });
  const { result, cpuUs } = await withCpu(serverPid, () => runWrk({ ...common, seconds: settings.durationSeconds }), (r: WrkResult) => r.requests);
  if (result.errors > 0) ctx.warn(`${label}: wrk counted ${result.errors} socket errors or non-2xx/3xx responses`);
  return { rps: result.requestsPerSecond, p50: result.p50Ms, p99: result.p99Ms, cpuUs };
}

function throughputPairs(prefix: 's1' | 's2', direct: ThroughputFigures, proxied: ThroughputFigures): RoundFigures {
  return {
    [`${prefix}.rps`]: { direct: direct.rps, proxied: proxied.rps },
    [`${prefix}.p50`]: { direct: direct.p50, proxied: proxied.p50 },
    [`${prefix}.p99`]: { direct: direct.p99, proxied: proxied.p99 },
    [`${prefix}.cpuUs`]: { direct: direct.cpuUs, proxied: proxied.cpuUs },
  };
}

/** S1: plain HTTP, keep-alive, small GETs, N connections. */
const s1: Scenario = {
  id: 's1',
  title: 'plain HTTP keep-alive GET 1 KiB',
  async run(ctx, proxy) {
    const origin = `http://127.0.0.1:${ctx.target.httpPort}`;
    if (ctx.s1Tool === 'wrk') {
      const direct = await wrkThroughput(ctx, 'S1 direct', ctx.target.pid, origin, '/1k');
      const proxied = await wrkThroughput(ctx, 'S1 proxydoc', proxy.pid, proxy.url, `${origin}/1k`);
      return throughputPairs('s1', direct, proxied);
    }
    const direct = await nodeThroughput(ctx, 'S1 direct', ctx.target.pid, origin, { kind: 'direct' });
    const proxied = await nodeThroughput(ctx, 'S1 proxydoc', proxy.pid, origin, { kind: 'proxy-absolute', proxyUrl: proxy.url });
    return throughputPairs('s1', direct, proxied);
  },
};

/** S2: HTTPS keep-alive small GETs; through proxydoc every connection is a CONNECT tunnel it decrypts. */
const s2: Scenario = {
  id: 's2',
  title: 'HTTPS (CONNECT, intercepted) keep-alive GET 1 KiB',
  async run(ctx, proxy) {
    const origin = `https://127.0.0.1:${ctx.target.httpsPort}`;
    const direct = await nodeThroughput(ctx, 'S2 direct', ctx.target.pid, origin, { kind: 'direct', caPath: ctx.certs.caPath });
    const proxied = await nodeThroughput(ctx, 'S2 proxydoc', proxy.pid, origin, { kind: 'proxy-tunnel', proxyUrl: proxy.url, caPath: proxy.caPath });
    return throughputPairs('s2', direct, proxied);
  },
};

/** S3's host names for a round: new to proxydoc in every round (a fresh leaf each), shared by both sides. */
export function newHostNames(round: number, settings: Settings): { warmup: string[]; measured: string[] } {
  const name = (kind: string, i: number): string => `r${round}${kind}${i}.${BENCH_DOMAIN}`;
  return {
    warmup: Array.from({ length: settings.newHostWarmup }, (_, i) => name('w', i + 1)),
    measured: Array.from({ length: settings.newHosts }, (_, i) => name('h', i + 1)),
  };
}

/** S3: HTTPS to hosts proxydoc has not seen, a new connection each, one at a time: the cost of issuing leaves. */
const s3: Scenario = {
  id: 's3',
  title: 'HTTPS to new host names, new connection each',
  async run(ctx, proxy, round) {
    const { warmup, measured } = newHostNames(round, ctx.settings);
    const port = ctx.target.httpsPort;
    const targets = [...warmup, ...measured].map((name) =>
      ctx.s3Resolution === 'hosts' ? { origin: `https://${name}:${port}` } : { origin: `https://127.0.0.1:${port}`, servername: name },
    );
    const run = async (label: string, route: Route): Promise<{ p50?: number; p99?: number }> => {
      const spec: FirstResponseSpec = { mode: 'first-response', path: '/1k', targets, warmup: warmup.length, route };
      const result = await runLoad<FirstResponseResult>(spec);
      if (result.errors > 0) ctx.warn(`${label}: ${result.errors} of ${targets.length} requests failed (first: ${result.firstError})`);
      return summarizeLatencies(result.latenciesMs);
    };
    const direct = await run('S3 direct', { kind: 'direct', caPath: ctx.certs.caPath });
    const proxied = await run('S3 proxydoc', { kind: 'proxy-tunnel', proxyUrl: proxy.url, caPath: proxy.caPath });
    return { 's3.p50': { direct: direct.p50, proxied: proxied.p50 }, 's3.p99': { direct: direct.p99, proxied: proxied.p99 } };
  },
};

const MIB = 1024 * 1024;

/** One curl transfer each way for HTTP and HTTPS; MiB/s of the body, and proxydoc's peak RSS during its transfer. */
async function transferScenario(ctx: ScenarioContext, proxy: ProxySide, kind: 's4' | 's5'): Promise<RoundFigures> {
  const figures: RoundFigures = {};
  for (const scheme of ['http', 'https'] as const) {
    const port = scheme === 'http' ? ctx.target.httpPort : ctx.target.httpsPort;
    const url = kind === 's4' ? `${scheme}://127.0.0.1:${port}/download?mib=${ctx.settings.downloadMiB}` : `${scheme}://127.0.0.1:${port}/upload`;
    const uploadFile = kind === 's5' ? ctx.uploadFile : undefined;
    const expected = (kind === 's4' ? ctx.settings.downloadMiB : ctx.settings.uploadMiB) * MIB;
    const speed = (label: string, result: CurlResult): number | undefined => {
      const bytes = kind === 's4' ? result.bytesDownloaded : result.bytesUploaded;
      if (result.status !== 200 || bytes !== expected) {
        ctx.warn(`${label}: status ${result.status}, ${bytes} of ${expected} bytes: not counted`);
        return undefined;
      }
      return bytes / MIB / result.seconds;
    };
    const label = `${kind.toUpperCase()} ${scheme.toUpperCase()}`;
    const direct = await runCurl({ url, uploadFile, caPath: scheme === 'https' ? ctx.certs.caPath : undefined });
    const proxied = await proxy.measurePeak(() =>
      runCurl({ url, uploadFile, proxyUrl: proxy.url, caPath: scheme === 'https' ? proxy.caPath : undefined }),
    );
    figures[`${kind}.${scheme}.mibps`] = { direct: speed(`${label} direct`, direct), proxied: speed(`${label} proxydoc`, proxied.result) };
    figures[`${kind}.${scheme}.rss`] = { proxied: proxied.peakMiB };
    figures[`${kind}.${scheme}.rssBefore`] = { proxied: proxied.beforeMiB };
  }
  return figures;
}

/** S4: one big download (from a reused buffer on the target: no disk involved). */
const s4: Scenario = { id: 's4', title: 'download', run: (ctx, proxy) => transferScenario(ctx, proxy, 's4') };

/** S5: one big upload, which the target reads and discards. */
const s5: Scenario = { id: 's5', title: 'upload', run: (ctx, proxy) => transferScenario(ctx, proxy, 's5') };

export const SCENARIOS: readonly Scenario[] = [s1, s2, s3, s4, s5];

/** A temp file of `mib` MiB for S5, written a MiB at a time so the bench itself stays small. */
export function writeUploadFile(file: string, mib: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    const chunk = Buffer.alloc(MIB);
    for (let i = 0; i < mib; i++) fs.writeSync(fd, chunk.fill(i % 251));
  } finally {
    fs.closeSync(fd);
  }
}

/** Medians over rounds, per figure and side. */
export function medianFigures(rounds: readonly RoundFigures[]): RoundFigures {
  const ids = new Set(rounds.flatMap((round) => Object.keys(round) as MetricId[]));
  const result: RoundFigures = {};
  for (const id of ids) {
    result[id] = { direct: median(rounds.map((round) => round[id]?.direct)), proxied: median(rounds.map((round) => round[id]?.proxied)) };
  }
  return result;
}
