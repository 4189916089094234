/**
 * `npm run bench` (`-- --quick` for a look in under a minute): what proxydoc costs compared with talking to the
 * target directly (issue 5). A benchmark that prints figures; nothing here is a test, and nothing runs it in CI.
 *
 * Processes: the target (HTTP + HTTPS, its own process), proxydoc exactly as users start it (`node bin/proxydoc
 * start`, capture and diagnosis on), and the load generators (wrk, curl, undici-load.js), each its own process, so
 * no two of them share an event loop. The same workload runs directly and through proxydoc, one after the other,
 * for several rounds (A B A B …), and the table shows medians over rounds with proxydoc ÷ direct.
 *
 * Progress goes to stderr; the report (Markdown) to stdout. Options: see USAGE.
 */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { formatSummary, readProfile, summarizeProfiles } from './cpu-profile';
import { HostsFile } from './hosts-file';
import { busyCpus, killAllChildren, resetPeakRss, statusMiB } from './processes';
import { ROOT, startProxydoc, type RunningProxydoc } from './proxy-process';
import { buildRows, formatReport, ROW_SPECS, type ReportMetric } from './report';
import {
  medianFigures,
  newHostNames,
  NORMAL,
  QUICK,
  SCENARIOS,
  writeUploadFile,
  type Pair,
  type ProxySide,
  type RoundFigures,
  type ScenarioContext,
  type Settings,
} from './scenarios';
import { median } from './stats';
import { formatValue, rowRatio, verdict } from './table';
import { createTargetCerts, startTarget } from './target';
import { ensureTool } from './tools';

const USAGE = `usage: npm run bench -- [--quick] [--json FILE] [--only s1,s2,…] [--rounds N] [--duration SECONDS]
                           [--s1-client wrk|node] [--no-hosts-file] [--cpu-prof DIR]
  --quick          2 rounds of shorter runs (under a minute); noisier
  --json FILE      also save every round's raw figures, the medians and the table as JSON
  --only LIST      run only these scenarios (s1…s5, startup)
  --rounds N       rounds of direct/proxydoc pairs (default 5, quick 2)
  --duration S     measured seconds per S1/S2 run (default 10, quick 2)
  --s1-client C    S1's load generator: wrk (default; installed with apt-get when missing and root) or node
  --no-hosts-file  leave /etc/hosts alone: S3 sends its new names only as SNI on connections to 127.0.0.1
  --baseline       measure bench/bare-proxy.ts (Node's http modules forwarding, nothing else) instead of
                   proxydoc: the floor any Node proxy starts from (start-up is not measured then)
  --cpu-prof DIR   run proxydoc under node --cpu-prof, a fresh proxy per scenario and round, and print where it
                   spends its CPU per scenario; profiling slows proxydoc, so the table is not comparable then`;

/** Other programs using more than this many CPUs make the figures noisy enough to say so. */
const BUSY_CPUS_WARNING = 0.25;

const SCENARIO_IDS = [...SCENARIOS.map((scenario) => scenario.id as string), 'startup'];

interface Options {
  quick: boolean;
  jsonFile?: string;
  only?: Set<string>;
  rounds?: number;
  duration?: number;
  s1Client: 'wrk' | 'node';
  hostsFile: boolean;
  cpuProfileDir?: string;
  baseline: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { quick: false, s1Client: 'wrk', hostsFile: true, baseline: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) fail(`${arg} needs a value`);
      return next;
    };
    const positive = (text: string): number => {
      const n = Number(text);
      if (!(n > 0) || !Number.isInteger(n)) fail(`${arg} needs a positive whole number, got ${text}`);
      return n;
    };
    switch (arg) {
      case '--quick':
        options.quick = true;
        break;
      case '--json':
        options.jsonFile = path.resolve(value());
        break;
      case '--only': {
        options.only = new Set(value().toLowerCase().split(',').map((s) => s.trim()));
        const unknown = [...options.only].filter((id) => !SCENARIO_IDS.includes(id));
        if (unknown.length > 0) fail(`--only takes ${SCENARIO_IDS.join(', ')}; unknown: ${unknown.join(', ')}`);
        break;
      }
      case '--rounds':
        options.rounds = positive(value());
        break;
      case '--duration':
        options.duration = positive(value());
        break;
      case '--s1-client': {
        const client = value();
        if (client !== 'wrk' && client !== 'node') fail(`--s1-client is wrk or node, got ${client}`);
        options.s1Client = client;
        break;
      }
      case '--no-hosts-file':
        options.hostsFile = false;
        break;
      case '--cpu-prof':
        options.cpuProfileDir = path.resolve(value());
        break;
      case '--baseline':
        options.baseline = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
      default:
        fail(`unknown option ${arg}`);
    }
  }
  return options;
}

function fail(message: string): never {
  process.stderr.write(`proxy-bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * The proxydoc process the scenarios talk to: one per round (a fresh log dir each), or one per scenario with
 * --cpu-prof (a profile per scenario). The peak RSS of a transfer is isolated by resetting the process's peak
 * (clear_refs) before it; where that is impossible, each measured transfer gets a fresh proxydoc instead.
 */
class ProxyHost implements ProxySide {
  private current: RunningProxydoc | undefined;
  private logDir: string | undefined;
  private runs = 0;
  private round = 0;
  private scenarioId = '';
  peakMethod: 'clear_refs' | 'fresh proxy per measurement' = 'clear_refs';
  readonly recordCounts: string[] = [];

  constructor(private readonly base: { caDir: string; upstreamCaPath: string; tmpDir: string; cpuProfileDir?: string; script?: string }) {}

  get url(): string {
    return this.proxy().url;
  }

  get caPath(): string {
    return this.proxy().caPath;
  }

  get pid(): number {
    return this.proxy().pid;
  }

  private proxy(): RunningProxydoc {
    if (!this.current) throw new Error('proxydoc is not running');
    return this.current;
  }

  /** Called before each scenario: keeps the round's proxy, or starts one (for each scenario with --cpu-prof). */
  async beginScenario(round: number, scenarioId: string): Promise<void> {
    this.round = round;
    this.scenarioId = scenarioId;
    if (!this.current || this.base.cpuProfileDir) await this.restart();
  }

  private async restart(): Promise<RunningProxydoc> {
    await this.stop();
    this.runs += 1;
    this.logDir = path.join(this.base.tmpDir, `logs-${this.runs}`);
    this.current = await startProxydoc({
      caDir: this.base.caDir,
      logDir: this.logDir,
      upstreamCaPath: this.base.upstreamCaPath,
      cpuProfileDir: this.base.cpuProfileDir,
      script: this.base.script,
      // Ends in the scenario id, which is how printCpuProfiles groups them.
      cpuProfileName: `r${this.round}-${this.runs}-${this.scenarioId}.cpuprofile`,
    });
    return this.current;
  }

  async measurePeak<T>(fn: () => Promise<T>): Promise<{ result: T; peakMiB: number | undefined; beforeMiB: number | undefined }> {
    let proxy = this.proxy();
    if (this.peakMethod === 'clear_refs' && !resetPeakRss(proxy.pid)) {
      log("  (cannot reset the proxy's peak RSS through /proc/PID/clear_refs: a fresh proxydoc for each measurement from now on)");
      this.peakMethod = 'fresh proxy per measurement';
    }
    if (this.peakMethod === 'fresh proxy per measurement') proxy = await this.restart();
    const beforeMiB = statusMiB(proxy.pid, 'VmRSS');
    const result = await fn();
    return { result, peakMiB: statusMiB(proxy.pid, 'VmHWM'), beforeMiB };
  }

  /** Stops the proxy (cleanly, so it flushes its records) and deletes its log dir. */
  async stop(): Promise<void> {
    if (!this.current) return;
    const stopped = this.current;
    this.current = undefined;
    await stopped.stop();
    const summary = /stopped; (.*) in /.exec(stopped.stderr());
    if (summary) this.recordCounts.push(summary[1]);
    if (/LOST/.test(stopped.stderr())) log(`  proxydoc lost records: ${summary?.[1]}`);
    if (this.logDir) fs.rmSync(this.logDir, { recursive: true, force: true });
  }
}

/** Which proxydoc was measured: the commit, marked when the work tree had uncommitted changes. */
function proxydocRevision(): string {
  const result = spawnSync('git', ['describe', '--always', '--dirty=+uncommitted changes'], { cwd: ROOT, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().replace('+', ' + ') : 'unknown revision (no git)';
}

/** The first line of a tool's version output, for the report. */
function versionOf(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n')[0].trim();
}

function lookup(name: string): Promise<string | undefined> {
  return new Promise((resolve) => dns.lookup(name, { family: 4 }, (error, address) => resolve(error ? undefined : address)));
}

/**
 * Start-up time (spawn → open port, with an existing CA) and RSS while idle, several times. RSS is read twice: 1 s
 * after start, and after `idleMs` without traffic — V8's memory reducer gives back start-up garbage about 8 s after
 * the last activity, so the second reading is what an idle proxy really holds.
 */
async function measureStartup(
  settings: Settings,
  base: { caDir: string; upstreamCaPath: string; tmpDir: string },
): Promise<Array<{ ms: number; earlyRssMiB?: number; idleRssMiB?: number }>> {
  const samples: Array<{ ms: number; earlyRssMiB?: number; idleRssMiB?: number }> = [];
  const early = Math.min(1000, settings.idleMs);
  for (let i = 0; i < settings.startupSamples; i++) {
    const logDir = path.join(base.tmpDir, `startup-logs-${i}`);
    const proxy = await startProxydoc({ caDir: base.caDir, logDir, upstreamCaPath: base.upstreamCaPath });
    await new Promise((resolve) => setTimeout(resolve, early));
    const earlyRssMiB = statusMiB(proxy.pid, 'VmRSS');
    await new Promise((resolve) => setTimeout(resolve, settings.idleMs - early));
    samples.push({ ms: proxy.startupMs, earlyRssMiB, idleRssMiB: statusMiB(proxy.pid, 'VmRSS') });
    await proxy.stop();
    fs.rmSync(logDir, { recursive: true, force: true });
  }
  return samples;
}

function progressLine(round: number, rounds: number, scenario: string, figures: RoundFigures): string {
  const parts = Object.entries(figures).map(([id, pair]) => {
    if (id.endsWith('.cpuUs')) {
      // Server-side CPU per request: the target's directly, proxydoc's through it.
      return `${id} ${pair.direct?.toFixed(0) ?? '—'} → ${pair.proxied?.toFixed(0) ?? '—'} µs`;
    }
    const unit = ROW_SPECS.find((spec) => spec.id === id)?.unit ?? (id.endsWith('rssBefore') ? 'MiB' : 'ms');
    const direct = pair.direct === undefined ? '' : `${formatValue(pair.direct, unit)} → `;
    return `${id} ${direct}${formatValue(pair.proxied, unit)}`;
  });
  return `[${(process.uptime()).toFixed(0).padStart(3)} s] round ${round}/${rounds} ${scenario.toUpperCase()}: ${parts.join(' · ')}`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const settings: Settings = {
    ...(options.quick ? QUICK : NORMAL),
    ...(options.rounds ? { rounds: options.rounds } : {}),
    ...(options.duration ? { durationSeconds: options.duration } : {}),
  };
  const wanted = (id: string): boolean => !options.only || options.only.has(id);
  const scenarios = SCENARIOS.filter((scenario) => wanted(scenario.id));
  const startedAt = new Date();

  // Everything the bench creates lives here, or in /etc/hosts as lines marked "# proxydoc-bench"; both are undone on
  // any exit.
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-bench-'));
  const hosts = new HostsFile();
  let cleanedUp = false;
  const cleanUp = (): void => {
    if (cleanedUp) return;
    cleanedUp = true;
    killAllChildren();
    try {
      hosts.restore();
    } catch (error) {
      process.stderr.write(`proxy-bench: could not restore /etc/hosts: ${(error as Error).message}; remove the lines ending in "# proxydoc-bench" by hand\n`);
    }
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping the bench's processes and cleaning up`);
      cleanUp();
      process.exit(130);
    });
  }

  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    log(`  warning: ${message}`);
  };

  const checkQuiet = async (when: string): Promise<void> => {
    const busy = await busyCpus();
    if (busy !== undefined && busy > BUSY_CPUS_WARNING) {
      warn(`${when}, other programs kept ${busy.toFixed(1)} of ${os.cpus().length} CPUs busy: expect noisy figures (and rerun on a quiet machine)`);
    }
  };
  await checkQuiet('before the bench started');

  // Clients: wrk for S1 (installed when missing), curl for S4/S5.
  const needsCurl = wanted('s4') || wanted('s5');
  const curl = needsCurl ? await ensureTool('curl', 'curl', log) : undefined;
  if (curl && !curl.available) throw new Error(`S4/S5 need curl: ${curl.note}`);
  const wrk = wanted('s1') && options.s1Client === 'wrk' ? await ensureTool('wrk', 'wrk', log) : undefined;
  const s1Tool = options.s1Client === 'node' || (wrk && !wrk.available) ? 'node' : 'wrk';
  if (wrk && !wrk.available) warn(`${wrk.note}: S1 uses the Node load generator instead, which saturates sooner; its figures are not comparable with wrk's`);

  log(`setting up in ${tmpDir}`);
  const caDir = path.join(tmpDir, 'proxydoc-ca');
  // The first start creates proxydoc's CA; every measured start then finds an existing one, as users' do.
  const targetReady = createTargetCerts(path.join(tmpDir, 'target')).then(async (made) => ({ certs: made, target: await startTarget(made) }));
  const caReady = startProxydoc({ caDir, logDir: path.join(tmpDir, 'logs-ca') }).then((first) => first.stop());
  const [{ certs, target }] = await Promise.all([targetReady, caReady]);
  const base = {
    caDir,
    upstreamCaPath: certs.caPath,
    tmpDir,
    cpuProfileDir: options.cpuProfileDir,
    script: options.baseline ? path.join(__dirname, 'bare-proxy.js') : undefined,
  };
  if (options.cpuProfileDir) fs.mkdirSync(options.cpuProfileDir, { recursive: true });

  // S3's names: /etc/hosts when we may write it, else the names go only in SNI, to 127.0.0.1.
  let s3Resolution: ScenarioContext['s3Resolution'] = 'sni';
  if (wanted('s3')) {
    if (!options.hostsFile) {
      log('--no-hosts-file: S3 sends its new names only as SNI, to 127.0.0.1');
    } else if (hosts.writable()) {
      const stale = hosts.removeStale();
      if (stale > 0) log(`removed ${stale} /etc/hosts lines left by an earlier, interrupted run`);
      const names = Array.from({ length: settings.rounds }, (_, r) => newHostNames(r + 1, settings)).flatMap((n) => [...n.warmup, ...n.measured]);
      hosts.add(names);
      if ((await lookup(names[0])) === '127.0.0.1') s3Resolution = 'hosts';
      else {
        hosts.restore();
        warn('names added to /etc/hosts do not resolve (no "files" in nsswitch.conf?): S3 falls back to SNI names on CONNECT 127.0.0.1');
      }
    } else {
      warn('/etc/hosts is not writable: S3 connects to 127.0.0.1 and sends the new names only as SNI (proxydoc still issues one leaf per name)');
    }
  }
  const uploadFile = path.join(tmpDir, 'upload.bin');
  if (wanted('s5')) writeUploadFile(uploadFile, settings.uploadMiB);

  const ctx: ScenarioContext = { settings, target, certs, tmpDir, s1Tool, s3Resolution, uploadFile, warn };
  const host = new ProxyHost(base);
  const rounds: RoundFigures[] = [];
  for (let round = 1; round <= settings.rounds && scenarios.length > 0; round++) {
    const figures: RoundFigures = {};
    for (const scenario of scenarios) {
      await host.beginScenario(round, scenario.id);
      const result = await scenario.run(ctx, host, round);
      Object.assign(figures, result);
      log(progressLine(round, settings.rounds, scenario.id, result));
    }
    await host.stop(); // a fresh proxydoc and log dir for the next round
    rounds.push(figures);
  }
  hosts.restore();

  const startup = wanted('startup') && !options.baseline ? await measureStartup(settings, base) : [];
  if (startup.length > 0) log(`[${process.uptime().toFixed(0).padStart(3)} s] start-up: ${startup.map((s) => `${s.ms.toFixed(0)} ms / ${s.earlyRssMiB?.toFixed(1)} → ${s.idleRssMiB?.toFixed(1)} MiB`).join(', ')}`);
  await target.stop();
  await checkQuiet('after the bench ended');

  const medians: Partial<Record<ReportMetric, Pair>> = { ...medianFigures(rounds) };
  if (startup.length > 0) {
    medians['startup.ms'] = { proxied: median(startup.map((s) => s.ms)) };
    medians['idle.rss'] = { proxied: median(startup.map((s) => s.idleRssMiB)) };
    medians['idle.earlyRss'] = { proxied: median(startup.map((s) => s.earlyRssMiB)) };
  }
  const rows = buildRows(medians, settings);

  // The report.
  const cpus = os.cpus();
  const revision = proxydocRevision();
  const ran = new Set([...scenarios.map((scenario) => scenario.id as string), ...(startup.length > 0 ? ['startup'] : [])]);
  const report = formatReport(
    {
      quick: options.quick,
      startedAt,
      revision,
      settings,
      ran,
      s1Client:
        s1Tool === 'wrk'
          ? versionOf('wrk', ['--version']).replace(/ Copyright.*/, '')
          : `node (${wrk ? `wrk is unavailable: ${wrk.note}` : 'as asked with --s1-client node'})`,
      undiciVersion: require('undici/package.json').version as string,
      curlVersion: versionOf('curl', ['--version']).split(' ').slice(0, 2).join(' '),
      s3Resolution: s3Resolution === 'hosts' ? 'hosts' : options.hostsFile ? 'sni (/etc/hosts not usable)' : 'sni (--no-hosts-file)',
      peakMethod: host.peakMethod,
      startupSamples: startup.length,
      cpuProfile: options.cpuProfileDir !== undefined,
      baseline: options.baseline,
    },
    rows,
    medians,
    warnings,
  );
  process.stdout.write(report);

  if (options.cpuProfileDir) printCpuProfiles(options.cpuProfileDir, scenarios.map((s) => s.id));

  if (options.jsonFile) {
    const json = {
      date: startedAt.toISOString(),
      node: process.version,
      proxydoc: revision,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim(),
      quick: options.quick,
      settings,
      s1Tool,
      s3Resolution,
      peakRssMethod: host.peakMethod,
      rounds,
      startup,
      medians,
      rows: rows.map((row) => ({ ...row, ratio: rowRatio(row), met: verdict(row) })),
      proxydocRecords: host.recordCounts,
      warnings,
    };
    fs.writeFileSync(options.jsonFile, `${JSON.stringify(json, null, 2)}\n`);
    log(`raw figures saved to ${options.jsonFile}`);
  }
}

/** Where proxydoc spent its CPU, per scenario (all rounds merged). */
function printCpuProfiles(dir: string, scenarioIds: readonly string[]): void {
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  for (const id of scenarioIds) {
    const mine = files.filter((file) => file.endsWith(`-${id}.cpuprofile`));
    if (mine.length === 0) continue;
    const summary = summarizeProfiles(mine.map((file) => readProfile(path.join(dir, file))), ROOT);
    // Idle time includes the direct runs of the scenario, during which the proxy waits.
    process.stdout.write(`\nproxydoc CPU, ${id.toUpperCase()} (${mine.length} profile(s) in ${dir}): ${formatSummary(summary, 20, 12)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`proxy-bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
