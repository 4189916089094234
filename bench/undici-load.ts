/**
 * The Node load generator, run as its own process (`node dist/bench/undici-load.js '<json spec>'`) so its CPU time
 * is not mixed with the bench's or proxydoc's. Prints one JSON result line on stdout.
 *
 * - `throughput` (S2; S1 when wrk is unavailable): N requests in flight on N keep-alive connections for a fixed
 *   time, after an unmeasured warm-up (connections opened, leaf issued, JIT warm). Per-request latency is taken
 *   with process.hrtime from dispatch to the end of the body.
 * - `first-response` (S3): one request at a time, each on a brand-new connection (a new Client or ProxyAgent,
 *   closed afterwards), timed from dispatch to the response headers.
 *
 * Direct and proxied runs use the same undici machinery: an Agent (a Pool per origin) directly, a ProxyAgent
 * (the same Agent, whose connections are CONNECT tunnels) through proxydoc, or for plain HTTP a Pool to the proxy
 * that sends absolute-form request lines, as HTTP_PROXY clients do.
 */
import * as fs from 'node:fs';
import { Agent, Client, Pool, ProxyAgent, type Dispatcher } from 'undici';

/** How requests reach the target. */
export type Route =
  | { kind: 'direct'; caPath?: string }
  /** HTTPS through CONNECT; caPath is the CA the client trusts for the presented leaf (proxydoc's). */
  | { kind: 'proxy-tunnel'; proxyUrl: string; caPath: string }
  /** Plain HTTP through the proxy, absolute-form request target. */
  | { kind: 'proxy-absolute'; proxyUrl: string };

export interface ThroughputSpec {
  mode: 'throughput';
  origin: string;
  path: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  route: Route;
}

export interface FirstResponseSpec {
  mode: 'first-response';
  path: string;
  /** One request per origin, in order; `servername` sets SNI (the fallback when names can't be resolved). */
  targets: Array<{ origin: string; servername?: string }>;
  /** Leading targets that warm up the code paths and are not reported. */
  warmup: number;
  route: Route;
}

export type LoadSpec = ThroughputSpec | FirstResponseSpec;

export interface ThroughputResult {
  requests: number;
  /** Completed requests including the warm-up, for CPU per request over the whole run. */
  allRequests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Every measured request's latency, in ms, so the bench computes percentiles itself. */
  latenciesMs: number[];
  errors: number;
  firstError?: string;
  non2xx: number;
}

export interface FirstResponseResult {
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

function readCa(route: Route): string | undefined {
  const caPath = route.kind === 'proxy-absolute' ? undefined : route.caPath;
  return caPath ? fs.readFileSync(caPath, 'utf8') : undefined;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
/** Microsecond precision is plenty and keeps the JSON of 100 000s of samples small. */
const roundMicro = (ms: number): number => Math.round(ms * 1000) / 1000;

async function throughput(spec: ThroughputSpec): Promise<ThroughputResult> {
  const ca = readCa(spec.route);
  const target = new URL(spec.origin);
  let dispatcher: Dispatcher;
  let requestOptions: Dispatcher.RequestOptions;
  switch (spec.route.kind) {
    case 'direct':
      dispatcher = new Agent({ connections: spec.connections, connect: ca ? { ca } : undefined });
      requestOptions = { origin: spec.origin, path: spec.path, method: 'GET' };
      break;
    case 'proxy-tunnel':
      dispatcher = new ProxyAgent({ uri: spec.route.proxyUrl, connections: spec.connections, requestTls: { ca } });
      requestOptions = { origin: spec.origin, path: spec.path, method: 'GET' };
      break;
    case 'proxy-absolute':
      // A Pool to the proxy whose request lines carry the absolute URL (undici accepts absolute paths), with the
      // target's Host header: byte for byte what an HTTP_PROXY client sends.
      dispatcher = new Pool(spec.route.proxyUrl, { connections: spec.connections });
      requestOptions = { path: `${spec.origin}${spec.path}`, method: 'GET', headers: { host: target.host } };
      break;
  }

  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let measureStart = 0;
  let measureEnd = 0;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let firstError: string | undefined;
  let allRequests = 0;

  const worker = async (): Promise<void> => {
    while (phase !== 'stop') {
      const started = nowMs();
      try {
        const { statusCode, body } = await dispatcher.request(requestOptions);
        await body.dump({ limit: Infinity });
        const ended = nowMs();
        allRequests += 1;
        // Requests completed inside the window count, as wrk counts them (its latency is of those requests too).
        if (measureStart > 0 && ended >= measureStart && (measureEnd === 0 || ended <= measureEnd)) {
          latencies.push(roundMicro(ended - started));
          if (statusCode < 200 || statusCode > 299) non2xx += 1;
        }
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        // A broken route would otherwise spin at full speed; pause briefly so the error count stays meaningful.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };

  const workers = Array.from({ length: spec.connections }, () => worker());
  await new Promise((resolve) => setTimeout(resolve, spec.warmupMs));
  measureStart = nowMs();
  phase = 'measure';
  await new Promise((resolve) => setTimeout(resolve, spec.durationMs));
  measureEnd = nowMs();
  phase = 'stop';
  await Promise.all(workers);
  await dispatcher.close();
  const seconds = (measureEnd - measureStart) / 1000;
  return { requests: latencies.length, allRequests, seconds, requestsPerSecond: latencies.length / seconds, latenciesMs: latencies, errors, firstError, non2xx };
}

async function firstResponse(spec: FirstResponseSpec): Promise<FirstResponseResult> {
  const ca = readCa(spec.route);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  for (const [index, { origin, servername }] of spec.targets.entries()) {
    const tls = { ca, servername };
    if (spec.route.kind === 'proxy-absolute') throw new Error('first-response measures HTTPS: use a direct or proxy-tunnel route');
    const dispatcher: Dispatcher =
      spec.route.kind === 'direct'
        ? new Client(origin, { connect: tls })
        : new ProxyAgent({ uri: spec.route.proxyUrl, connections: 1, requestTls: tls });
    try {
      const started = nowMs();
      const { statusCode, body } = await dispatcher.request({ origin, path: spec.path, method: 'GET' });
      const elapsed = nowMs() - started;
      await body.dump({ limit: Infinity });
      if (statusCode !== 200) throw new Error(`status ${statusCode}`);
      if (index >= spec.warmup) latencies.push(roundMicro(elapsed));
    } catch (error) {
      errors += 1;
      firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      await dispatcher.close().catch(() => undefined);
    }
  }
  return { latenciesMs: latencies, errors, firstError };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  const result = spec.mode === 'throughput' ? await throughput(spec) : await firstResponse(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`undici-load: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
