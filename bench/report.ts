/**
 * From medians to the report: which figure goes in which row with the targets (issue 5), and the text
 * around the table that says how each figure was measured.
 */
import * as os from 'node:os';
import type { MetricId, Pair, Settings } from './scenarios';
import { formatTable, type Row, type Target, type Unit } from './table';
import { wrkSeconds } from './wrk';

export type ReportMetric = MetricId | 'startup.ms' | 'idle.rss' | 'idle.earlyRss';

interface RowSpec {
  id: ReportMetric;
  scenario: (s: Settings) => string;
  metric: string;
  unit: Unit;
  target: Target;
}

const minRatio = (value: number): Target => ({ kind: 'min-ratio', value });
const maxRatio = (value: number): Target => ({ kind: 'max-ratio', value });
const maxAbs = (value: number): Target => ({ kind: 'max-abs', value });
const none: Target = { kind: 'none' };

const S1 = (s: Settings): string => `S1 HTTP GET 1 KiB, ${s.connections} conn`;
const S2 = (s: Settings): string => `S2 HTTPS GET 1 KiB, ${s.connections} conn`;
const S3 = (s: Settings): string => `S3 HTTPS, ${s.newHosts} new hosts`;
const S4 = (s: Settings): string => `S4 download ${s.downloadMiB} MiB`;
const S5 = (s: Settings): string => `S5 upload ${s.uploadMiB} MiB`;

export const ROW_SPECS: readonly RowSpec[] = [
  { id: 's1.rps', scenario: S1, metric: 'throughput', unit: 'req/s', target: minRatio(0.4) },
  { id: 's1.p50', scenario: S1, metric: 'latency p50', unit: 'ms', target: maxRatio(2) },
  { id: 's1.p99', scenario: S1, metric: 'latency p99', unit: 'ms', target: none },
  { id: 's2.rps', scenario: S2, metric: 'throughput', unit: 'req/s', target: minRatio(0.55) },
  { id: 's2.p50', scenario: S2, metric: 'latency p50', unit: 'ms', target: none },
  { id: 's2.p99', scenario: S2, metric: 'latency p99', unit: 'ms', target: none },
  { id: 's3.p50', scenario: S3, metric: 'first response p50', unit: 'ms', target: maxRatio(2) },
  { id: 's3.p99', scenario: S3, metric: 'first response p99', unit: 'ms', target: none },
  { id: 's4.http.mibps', scenario: S4, metric: 'HTTP speed', unit: 'MiB/s', target: minRatio(0.8) },
  { id: 's4.https.mibps', scenario: S4, metric: 'HTTPS speed', unit: 'MiB/s', target: minRatio(0.85) },
  { id: 's4.http.rss', scenario: S4, metric: 'HTTP proxy peak RSS', unit: 'MiB', target: maxAbs(80) },
  { id: 's4.https.rss', scenario: S4, metric: 'HTTPS proxy peak RSS', unit: 'MiB', target: maxAbs(80) },
  { id: 's5.http.mibps', scenario: S5, metric: 'HTTP speed', unit: 'MiB/s', target: minRatio(0.8) },
  { id: 's5.https.mibps', scenario: S5, metric: 'HTTPS speed', unit: 'MiB/s', target: minRatio(0.6) },
  { id: 's5.http.rss', scenario: S5, metric: 'HTTP proxy peak RSS', unit: 'MiB', target: maxAbs(80) },
  { id: 's5.https.rss', scenario: S5, metric: 'HTTPS proxy peak RSS', unit: 'MiB', target: maxAbs(80) },
  { id: 'startup.ms', scenario: () => 'start-up', metric: 'spawn to open port', unit: 'ms', target: maxAbs(300) },
  { id: 'idle.earlyRss', scenario: () => 'idle', metric: 'proxy RSS 1 s after start', unit: 'MiB', target: none },
  { id: 'idle.rss', scenario: () => 'idle', metric: 'proxy RSS, idle', unit: 'MiB', target: maxAbs(55) },
];

/** Table rows for the figures that were measured (a scenario left out with --only has no rows). */
export function buildRows(medians: Partial<Record<ReportMetric, Pair>>, settings: Settings): Row[] {
  return ROW_SPECS.filter((spec) => medians[spec.id] !== undefined).map((spec) => ({
    scenario: spec.scenario(settings),
    metric: spec.metric,
    unit: spec.unit,
    direct: medians[spec.id]?.direct,
    proxied: medians[spec.id]?.proxied,
    target: spec.target,
  }));
}


/** How this run measured, for the lines above the table. */
export interface ReportInfo {
  quick: boolean;
  startedAt: Date;
  /** git describe of the measured proxydoc. */
  revision: string;
  settings: Settings;
  /** Scenario ids that ran (s1…s5, startup). */
  ran: ReadonlySet<string>;
  /** wrk's version, or why the Node load generator was used. */
  s1Client: string;
  undiciVersion: string;
  curlVersion: string;
  s3Resolution: string;
  peakMethod: string;
  startupSamples: number;
  cpuProfile: boolean;
  /** --baseline: the proxied side was bench/bare-proxy.ts, not proxydoc. */
  baseline: boolean;
}

/**
 * The whole report: a Markdown heading, how it was measured, the table, CPU per request (a figure the tuner can
 * compare across machines and noisy runs better than req/s), and warnings.
 */
export function formatReport(info: ReportInfo, rows: readonly Row[], medians: Partial<Record<ReportMetric, Pair>>, warnings: readonly string[]): string {
  const { settings: s } = info;
  const cpus = os.cpus();
  const warm = `${s.durationSeconds} s after a ${s.warmupSeconds} s warm-up`;
  const lines = [
    `## proxydoc benchmark${info.quick ? ' (--quick)' : ''}`,
    '',
    `- date: ${info.startedAt.toISOString()}; Node ${process.version}; ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}); ${os.type()} ${os.release()}`,
    `- ${s.rounds} round${s.rounds === 1 ? '' : 's'}, each running every scenario directly and then through proxydoc; medians over rounds; ratio = proxydoc ÷ direct`,
    `- proxydoc ${info.revision}: \`node bin/proxydoc start --port 0 --log-dir <fresh> --ca-dir <existing CA> --upstream-ca <target CA>\`, capture, diagnosis and both logs on; a fresh process per round${info.cpuProfile ? ' and scenario' : ''}`,
    '- target: Node http/https servers in their own process on 127.0.0.1; every load generator runs in its own process too',
    '- measured with:',
  ];
  if (info.ran.has('s1')) {
    lines.push(
      info.s1Client.startsWith('node')
        ? `  - S1: Node load generator, undici Pool with ${s.connections} connections (absolute-form request lines through proxydoc), ${warm}; ${info.s1Client}`
        : `  - S1: ${info.s1Client}, \`wrk -t2 -c${s.connections} -d${wrkSeconds(s.durationSeconds)}s --latency\` after a ${wrkSeconds(s.warmupSeconds)} s warm-up; through proxydoc absolute-form request lines (Lua script)`,
    );
  }
  if (info.ran.has('s2')) {
    lines.push(`  - S2: Node load generator, undici ${info.undiciVersion}: Agent directly, ProxyAgent (CONNECT) through proxydoc, ${s.connections} connections and ${s.connections} requests in flight, ${warm}`);
  }
  if (info.ran.has('s3')) {
    const names = info.s3Resolution === 'hosts' ? 'resolved through /etc/hosts' : `sent only as SNI on connections to 127.0.0.1: ${info.s3Resolution}`;
    lines.push(`  - S3: undici, a new Client / ProxyAgent per request, ${s.newHosts} names per round one at a time (after ${s.newHostWarmup} unmeasured), dispatch to response headers; names ${names}`);
  }
  if (info.ran.has('s4') || info.ran.has('s5')) {
    lines.push(`  - S4/S5: ${info.curlVersion}, one transfer per side and round, speed from %{time_total}`);
    lines.push(
      `  - peak RSS: VmHWM of the proxydoc process, ${info.peakMethod === 'clear_refs' ? "reset through /proc/PID/clear_refs before each transfer (so it starts from what the round's earlier scenarios left)" : 'of a fresh proxydoc per transfer (/proc/PID/clear_refs unusable)'}`,
    );
  }
  if (info.startupSamples > 0) {
    lines.push(`  - start-up: spawn to a successful TCP connect on the printed port, existing CA; RSS: VmRSS 1 s after start, and idle: after ${s.idleMs / 1000} s without traffic (V8's memory reducer returns start-up garbage ~8 s after the last activity); medians of ${info.startupSamples} starts`);
  }
  if (info.cpuProfile) lines.push('- **proxydoc ran under --cpu-prof: its figures are slower than without the profiler**');
  if (info.baseline) {
    lines.push(
      "- **--baseline: the proxied side is bench/bare-proxy.ts, not proxydoc** — Node's http/https/tls modules forwarding with keep-alive agents and pipe(), leaves from proxydoc's CA module, and nothing else (no capture, timing, diagnosis or logs): the floor a Node proxy starts from",
    );
  }
  lines.push('', formatTable(rows, info.baseline ? 'bare Node' : 'proxydoc'));
  const cpu = (['s1', 's2'] as const)
    .map((id) => ({ id, pair: medians[`${id}.cpuUs`] }))
    .filter(({ pair }) => pair?.direct !== undefined && pair.proxied !== undefined)
    .map(({ id, pair }) => `${id.toUpperCase()} ${pair!.direct!.toFixed(0)} µs → ${pair!.proxied!.toFixed(0)} µs (${(pair!.proxied! / pair!.direct!).toFixed(1)}×)`);
  if (cpu.length > 0) {
    lines.push('', `CPU per request of the serving process (user + system from /proc/PID/stat; the target directly → proxydoc, medians): ${cpu.join(' · ')}`);
  }
  if (warnings.length > 0) lines.push('', 'Warnings:', ...warnings.map((warning) => `- ${warning}`));
  return `${lines.join('\n')}\n`;
}
