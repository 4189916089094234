/**
 * `npm run soak` (not in CI): pushes 200 000 mixed exchanges — HTTP and intercepted HTTPS, error statuses, uploads,
 * slow answers, 1–5 MiB bodies, and failures the upstream causes (a reset mid-body, a connection closed before the
 * answer, a refused port) — through proxydoc started as users start it, then checks that it lost nothing and leaked
 * nothing: every exchange has its record in exchanges.jsonl, clients saw no error the upstream did not cause, the
 * proxy's memory stayed flat, and its file descriptors went back to the baseline once the clients closed.
 *
 * Processes: the target (soak-target.ts) and proxydoc (`node bin/proxydoc start`, plus an inspector to force a GC
 * before memory readings: soak-proxy.ts) run as their own processes; the clients run here, on undici: a Pool to
 * proxydoc sending absolute-form requests for HTTP (as HTTP_PROXY clients do) and a ProxyAgent (CONNECT, then TLS to
 * proxydoc's leaf) for HTTPS. `--concurrency` loops each keep one request in flight. Progress goes to stderr, the
 * Markdown summary to stdout; exit 1 when a criterion fails.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool, ProxyAgent, type Dispatcher } from 'undici';
import { killAllChildren, statusMiB } from './processes';
import { startSoakProxydoc, type SoakProxydoc } from './soak-proxy';
import {
  classifyOutcome,
  describeOutcome,
  evaluateSoak,
  formatCount,
  formatSoakReport,
  mixEntryFor,
  parseSoakArgs,
  phaseEnds,
  plannedRequest,
  SOAK_MIX,
  SOAK_USAGE,
  SoakUsageError,
  type ClientOutcome,
  type KindTally,
  type PlannedRequest,
  type RssSample,
  type SoakOptions,
} from './soak-plan';
import { createTargetCerts, startTarget, type RunningTarget } from './target';

/** Past this, a request that neither answers nor fails is a hang, counted as an unexplained error. */
const REQUEST_TIMEOUT_MS = 60_000;
/** After the clients closed: how long proxydoc may take to close its side (upstream keep-alive is 5 s at the target). */
const FD_SETTLE_LIMIT_MS = 20_000;
const FD_POLL_MS = 250;
const MAX_EXAMPLES = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on (bound, then released): connections to it are refused. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// /proc

interface FdSnapshot {
  total: number;
  sockets: number;
  /** Link targets of the descriptors that are files under the log directory. */
  logFiles: string[];
}

function fdSnapshot(pid: number, logDir: string): FdSnapshot | undefined {
  const dir = `/proc/${pid}/fd`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  let sockets = 0;
  const logFiles: string[] = [];
  for (const name of names) {
    let target: string;
    try {
      target = fs.readlinkSync(path.join(dir, name));
    } catch {
      continue; // closed between readdir and readlink
    }
    if (target.startsWith('socket:')) sockets += 1;
    else if (target.startsWith(logDir + path.sep)) logFiles.push(target);
  }
  return { total: names.length, sockets, logFiles };
}

// ---------------------------------------------------------------------------------------------------------------
// Clients

interface Clients {
  /** Plain HTTP: absolute-form request lines to proxydoc. */
  http: Pool;
  /** HTTPS: CONNECT tunnels, intercepted with proxydoc's CA. */
  https: ProxyAgent;
}

function openClients(proxy: SoakProxydoc, concurrency: number): Clients {
  const timeouts = { headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS };
  return {
    http: new Pool(proxy.url, { connections: concurrency, ...timeouts }),
    https: new ProxyAgent({ uri: proxy.url, connections: concurrency, requestTls: { ca: fs.readFileSync(proxy.caPath, 'utf8') }, ...timeouts }),
  };
}

/** Upload bodies, made once: 64 KiB of JSON text, and 2 MiB of binary. */
const uploadBodies = new Map<number, Buffer>();
function uploadBody(bytes: number): Buffer {
  let body = uploadBodies.get(bytes);
  if (!body) {
    body = bytes >= 1024 * 1024 ? Buffer.alloc(bytes, 0xa5) : Buffer.from(`{"data":"${'d'.repeat(bytes - 12)}"}`);
    uploadBodies.set(bytes, body);
  }
  return body;
}

async function send(clients: Clients, origin: string, request: PlannedRequest): Promise<ClientOutcome> {
  const body = request.uploadBytes > 0 ? uploadBody(request.uploadBytes) : undefined;
  const headers: Record<string, string> = {};
  if (body) headers['content-type'] = request.uploadBytes >= 1024 * 1024 ? 'application/octet-stream' : 'application/json';
  const common = { method: request.method, body, headers, reset: request.closeConnection } as const;
  let options: Dispatcher.RequestOptions;
  let dispatcher: Dispatcher;
  if (origin.startsWith('http:')) {
    dispatcher = clients.http;
    options = { ...common, path: `${origin}${request.path}`, headers: { ...headers, host: new URL(origin).host } };
  } else {
    dispatcher = clients.https;
    options = { ...common, origin, path: request.path };
  }
  try {
    const response = await dispatcher.request(options);
    let bodyBytes = 0;
    for await (const chunk of response.body) bodyBytes += (chunk as Buffer).length;
    return { status: response.statusCode, bodyBytes };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { error: `${err.code ?? err.name}: ${err.message}` };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The run

/** The run's temporary directory, removed on Ctrl-C too (it holds gigabytes of records by the end). */
let temporaryDir: string | undefined;

async function soak(options: SoakOptions): Promise<number> {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-soak-'));
  if (!options.keep) temporaryDir = dir;
  const logDir = path.join(dir, 'logs');
  let proxy: SoakProxydoc | undefined;
  let target: RunningTarget | undefined;
  try {
    const certs = await createTargetCerts(path.join(dir, 'target'));
    target = await startTarget(certs, 'soak-target.js');
    const refusedPort = await closedPort();
    proxy = await startSoakProxydoc({ caDir: path.join(dir, 'certs'), logDir, upstreamCaPath: certs.caPath });
    const pid = proxy.pid;
    const fdBaseline = fdSnapshot(pid, logDir);
    const rssAtLaunch = statusMiB(pid, 'VmRSS');
    progress(`proxydoc pid ${pid} on ${proxy.url}; ${fdBaseline?.total ?? '?'} fds, ${rssAtLaunch?.toFixed(1) ?? '?'} MiB RSS at launch; sending ${formatCount(options.exchanges)} exchanges, ${options.concurrency} at a time`);
    const logFilesOpenedSince = (snapshot: FdSnapshot | undefined): number =>
      snapshot && fdBaseline ? snapshot.logFiles.filter((file) => !fdBaseline.logFiles.includes(file)).length : 0;

    const clients = openClients(proxy, options.concurrency);
    const tallies = new Map<string, KindTally>();
    for (const entry of SOAK_MIX) {
      tallies.set(`${entry.scheme} ${entry.kind}`, { kind: entry.kind, scheme: entry.scheme, sent: 0, ok: 0, upstreamFailure: 0, unexplained: 0 });
    }
    const examples: string[] = [];
    let completed = 0;
    let unexplained = 0;
    let bytesDown = 0;
    let bytesUp = 0;
    let trafficMs = 0;
    const samples: RssSample[] = [];
    // RSS under load every 1 % of the exchanges (kept for the JSON output), progress every 5 %.
    const sampleEvery = Math.max(1, Math.floor(options.exchanges / 100));
    const loopStarted = Date.now();

    const onCompleted = (): void => {
      completed += 1;
      if (completed % sampleEvery !== 0 && completed !== options.exchanges) return;
      const rss = statusMiB(pid, 'VmRSS');
      samples.push({ completed, atSeconds: Math.round((Date.now() - loopStarted) / 100) / 10, rssMiB: rss });
      if (samples.length % 5 === 0 || completed === options.exchanges) {
        const rate = Math.round(completed / ((trafficMs + Date.now() - phaseStarted) / 1000));
        progress(`${formatCount(completed)} / ${formatCount(options.exchanges)}  ${rate}/s  RSS ${rss?.toFixed(1) ?? '?'} MiB  unexplained ${unexplained}`);
      }
    };

    let next = 0;
    let phaseStarted = Date.now();
    const loop = async (phaseEnd: number): Promise<void> => {
      while (next < phaseEnd) {
        const index = next++;
        const entry = mixEntryFor(index);
        const request = plannedRequest(entry.kind, index);
        const port = entry.kind === 'refused' ? refusedPort : entry.scheme === 'http' ? target!.httpPort : target!.httpsPort;
        const outcome = await send(clients, `${entry.scheme}://127.0.0.1:${port}`, request);
        const tally = tallies.get(`${entry.scheme} ${entry.kind}`)!;
        tally.sent += 1;
        bytesUp += request.uploadBytes;
        if ('bodyBytes' in outcome) bytesDown += outcome.bodyBytes;
        const verdict = classifyOutcome(entry.kind, request, outcome);
        if (verdict === 'ok') tally.ok += 1;
        else if (verdict === 'upstream-failure') tally.upstreamFailure += 1;
        else {
          tally.unexplained += 1;
          unexplained += 1;
          if (examples.length < MAX_EXAMPLES) examples.push(`#${index} ${describeOutcome(entry.kind, entry.scheme, request, outcome)}`);
        }
        onCompleted();
      }
    };

    // Traffic in phases; after each, an idle moment and a reading of RSS and descriptors. The last phase also
    // closes the clients first, and waits (bounded) for proxydoc to close its side of every connection.
    const idle: Array<{ after: number; rssMiB?: number; heapUsedMiB: number; externalMiB: number; fds?: number; settleMs: number }> = [];
    const ends = phaseEnds(options.exchanges);
    for (const [index, phaseEnd] of ends.entries()) {
      phaseStarted = Date.now();
      await Promise.all(Array.from({ length: options.concurrency }, () => loop(phaseEnd)));
      trafficMs += Date.now() - phaseStarted;
      const last = index === ends.length - 1;
      if (last) await Promise.all([clients.http.close(), clients.https.close()]);
      const idleStarted = Date.now();
      let fds = fdSnapshot(pid, logDir);
      while (last && fds && fdBaseline && fds.total > fdBaseline.total + logFilesOpenedSince(fds) && Date.now() - idleStarted < FD_SETTLE_LIMIT_MS) {
        await sleep(FD_POLL_MS);
        fds = fdSnapshot(pid, logDir);
      }
      const settleMs = Date.now() - idleStarted;
      await sleep(Math.max(0, options.idleSeconds * 1000 - settleMs));
      fds = fdSnapshot(pid, logDir);
      const { heapUsedMiB, externalMiB } = await proxy.collectGarbage();
      const rss = statusMiB(pid, 'VmRSS');
      idle.push({ after: phaseEnd, rssMiB: rss, heapUsedMiB, externalMiB, fds: fds?.total, settleMs });
      progress(`idle after ${formatCount(phaseEnd)}, full GC: RSS ${rss?.toFixed(1) ?? '?'} MiB, heap ${heapUsedMiB.toFixed(1)} MiB, external ${externalMiB.toFixed(1)} MiB, ${fds?.total ?? '?'} fds`);
    }
    const fdEnd = fdSnapshot(pid, logDir);
    const rssPeak = statusMiB(pid, 'VmHWM');
    const loaded = samples.map((sample) => sample.rssMiB).filter((rss): rss is number => rss !== undefined);

    await proxy.stop();
    const proxyStderr = proxy.stderr();
    proxy = undefined;
    const recordsWritten = await countLines(path.join(logDir, 'exchanges.jsonl'));
    const annotatedBytes = fileSize(path.join(logDir, 'proxydoc.log'));
    const recordsBytes = fileSize(path.join(logDir, 'exchanges.jsonl'));

    const [atStart, atMiddle, atEnd] = idle.length === 3 ? idle : [undefined, undefined, idle[idle.length - 1]];
    const verdicts = evaluateSoak({
      exchangesSent: options.exchanges,
      recordsWritten,
      unexplained,
      rssMiB: { start: atStart?.rssMiB, middle: atMiddle?.rssMiB, end: atEnd?.rssMiB, peak: rssPeak },
      heapMiB: { start: atStart?.heapUsedMiB, middle: atMiddle?.heapUsedMiB, end: atEnd?.heapUsedMiB },
      fds: { baseline: fdBaseline?.total, end: fdEnd?.total, logFilesOpenedSince: logFilesOpenedSince(fdEnd) },
    });
    const cpus = os.cpus();
    const trafficSeconds = trafficMs / 1000;
    const stopLine = proxyStderr.split('\n').find((line) => /stopped;/.test(line))?.replace(/^proxydoc: /, '');
    const report = {
      title: `proxydoc soak: ${formatCount(options.exchanges)} exchanges`,
      facts: [
        ['date', new Date(started).toISOString()],
        ['command', `npm run soak -- --exchanges ${options.exchanges} --concurrency ${options.concurrency} --idle ${options.idleSeconds}`],
        ['machine', `Node ${process.version}, ${os.platform()} ${os.release()}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`],
        ['traffic', `${trafficSeconds.toFixed(1)} s (${Math.round(options.exchanges / trafficSeconds)} exchanges/s), ${(bytesDown / 2 ** 30).toFixed(2)} GiB down and ${(bytesUp / 2 ** 30).toFixed(2)} GiB up through the proxy`],
        ['proxydoc', `${stopLine ?? 'no stop line on stderr'}; exchanges.jsonl ${(recordsBytes / 2 ** 20).toFixed(0)} MiB, proxydoc.log ${(annotatedBytes / 2 ** 20).toFixed(0)} MiB`],
        [
          'RSS',
          `${rssAtLaunch?.toFixed(1) ?? '?'} MiB at launch; ${loaded.length > 0 ? `${Math.min(...loaded).toFixed(0)}–${Math.max(...loaded).toFixed(0)} MiB under load; ` : ''}start, middle and end are read after 10 %, 50 % and 100 % of the exchanges, each after ${options.idleSeconds} s without traffic (the end one with the clients closed) and a full GC forced through the inspector`,
        ],
      ] as Array<[string, string]>,
      verdicts,
      tallies: [...tallies.values()],
      unexplainedExamples: examples,
      notes: options.keep ? [`Kept: ${dir}`] : [],
    };
    process.stdout.write(formatSoakReport(report));
    if (options.jsonFile) {
      fs.writeFileSync(options.jsonFile, `${JSON.stringify({ ...report, idle, samples, options, proxyStderr }, null, 2)}\n`);
      progress(`wrote ${options.jsonFile}`);
    }
    return verdicts.every((verdict) => verdict.pass) ? 0 : 1;
  } finally {
    if (proxy) await proxy.stop();
    if (target) await target.stop();
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Whole lines (newline-terminated) in a file, read in chunks: exchanges.jsonl runs to gigabytes here. */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    const buffer = chunk as Buffer;
    for (let at = buffer.indexOf(0x0a); at >= 0; at = buffer.indexOf(0x0a, at + 1)) lines += 1;
  }
  return lines;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function progress(text: string): void {
  process.stderr.write(`soak: ${text}\n`);
}

async function main(): Promise<void> {
  let options: SoakOptions;
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SoakUsageError)) throw error;
    process.stderr.write(`soak: ${error.message}\n${SOAK_USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${SOAK_USAGE}\n`);
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllChildren();
      if (temporaryDir) fs.rmSync(temporaryDir, { recursive: true, force: true });
      process.exit(130);
    });
  }
  process.exitCode = await soak(options);
}

main().catch((error: unknown) => {
  killAllChildren();
  process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
