/**
 * The pure parts of `npm run soak` (bench/soak.ts): its options, the mix of exchanges, how a client's outcome is
 * classified, the pass/fail criteria and the Markdown summary. No sockets, no clock: soak.ts feeds in what it saw.
 */

// ---------------------------------------------------------------------------------------------------------------
// Options

export interface SoakOptions {
  exchanges: number;
  /** Client loops running at once; each keeps one request in flight. */
  concurrency: number;
  jsonFile?: string;
  /** Keep the temporary directory (CA, exchanges.jsonl, proxydoc.log) instead of deleting it. */
  keep: boolean;
  /** Seconds without traffic before each RSS reading. */
  idleSeconds: number;
  help: boolean;
}

export const SOAK_USAGE = `usage: npm run soak -- [--exchanges N] [--concurrency N] [--idle SECONDS] [--json FILE] [--keep]
  --exchanges N    exchanges to send through proxydoc (default 200000; 200k and 200_000 work too)
  --concurrency N  client loops sending at once, each one request at a time (default 32)
  --idle SECONDS   pause before each memory reading (at 10 %, 50 % and the end), so keep-alive connections
                   close (default 6; proxydoc's keep-alive timeout is 5 s)
  --json FILE      also write the figures and verdicts as JSON
  --keep           keep the temporary directory with exchanges.jsonl and proxydoc.log (deleted by default)`;

export const DEFAULT_EXCHANGES = 200_000;
export const DEFAULT_CONCURRENCY = 32;
/** Longer than proxydoc's 5 s keep-alive timeout, so idle client connections are closed when descriptors are counted. */
export const DEFAULT_IDLE_SECONDS = 6;

export class SoakUsageError extends Error {}

function wholeNumber(flag: string, text: string | undefined): number {
  if (text === undefined || text.startsWith('--')) throw new SoakUsageError(`${flag} needs a value`);
  const match = /^(\d[\d_]*)(k?)$/i.exec(text.trim());
  const n = match ? Number(match[1].replace(/_/g, '')) * (match[2] ? 1000 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new SoakUsageError(`${flag} needs a positive whole number, got "${text}"`);
  return n;
}

export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = { exchanges: DEFAULT_EXCHANGES, concurrency: DEFAULT_CONCURRENCY, idleSeconds: DEFAULT_IDLE_SECONDS, keep: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--exchanges':
        options.exchanges = wholeNumber(flag, value());
        break;
      case '--concurrency':
        options.concurrency = wholeNumber(flag, value());
        break;
      case '--idle': {
        const text = value();
        const seconds = Number(text);
        if (text === undefined || text.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new SoakUsageError(`--idle needs a number of seconds, got "${text ?? ''}"`);
        options.idleSeconds = seconds;
        break;
      }
      case '--json': {
        const file = value();
        if (file === undefined || file === '' || file.startsWith('--')) throw new SoakUsageError('--json needs a file name');
        options.jsonFile = file;
        break;
      }
      case '--keep':
        options.keep = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new SoakUsageError(`unknown option ${argv[i]}`);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------------------------
// The mix

export type Scheme = 'http' | 'https';

/**
 * What one exchange asks the target for. The last three are built to fail on the upstream side: the target resets the
 * connection halfway through a body, closes it before answering, or nothing listens on the port.
 */
export type Kind = 'small' | 'status' | 'upload' | 'slow' | 'large-download' | 'large-upload' | 'reset-mid-body' | 'close-before-response' | 'refused';

export const UPSTREAM_FAILURE_KINDS: ReadonlySet<Kind> = new Set(['reset-mid-body', 'close-before-response', 'refused']);

export interface MixEntry {
  kind: Kind;
  scheme: Scheme;
  /** Per 1000 exchanges. */
  weight: number;
}

/**
 * Per 1000 exchanges, HTTP and HTTPS alike: mostly small API calls, some error statuses and uploads, a few slow
 * answers, large bodies (1–5 MiB down, 2 MiB up: 0.6 % of exchanges, still gigabytes over a full run) and 4.8 % of
 * failures the upstream causes.
 */
export const SOAK_MIX: readonly MixEntry[] = [
  { kind: 'small', scheme: 'http', weight: 395 },
  { kind: 'small', scheme: 'https', weight: 395 },
  { kind: 'status', scheme: 'http', weight: 40 },
  { kind: 'status', scheme: 'https', weight: 40 },
  { kind: 'upload', scheme: 'http', weight: 30 },
  { kind: 'upload', scheme: 'https', weight: 30 },
  { kind: 'slow', scheme: 'http', weight: 8 },
  { kind: 'slow', scheme: 'https', weight: 8 },
  { kind: 'large-download', scheme: 'http', weight: 2 },
  { kind: 'large-download', scheme: 'https', weight: 2 },
  { kind: 'large-upload', scheme: 'http', weight: 1 },
  { kind: 'large-upload', scheme: 'https', weight: 1 },
  { kind: 'reset-mid-body', scheme: 'http', weight: 8 },
  { kind: 'reset-mid-body', scheme: 'https', weight: 8 },
  { kind: 'close-before-response', scheme: 'http', weight: 8 },
  { kind: 'close-before-response', scheme: 'https', weight: 8 },
  { kind: 'refused', scheme: 'http', weight: 8 },
  { kind: 'refused', scheme: 'https', weight: 8 },
];

const MIX_SLOTS: readonly MixEntry[] = SOAK_MIX.flatMap((entry) => Array.from({ length: entry.weight }, () => entry));
/** A prime that shares no factor with the slot count, so index × STRIDE mod slots visits every slot once per round. */
const STRIDE = 7919;

/** The entry of exchange number `index` (0-based): deterministic, and every block of 1000 has exactly the mix. */
export function mixEntryFor(index: number): MixEntry {
  return MIX_SLOTS[(index * STRIDE) % MIX_SLOTS.length];
}

/** The request each kind makes; sizes vary with the index so both small and large frames go through. */
export interface PlannedRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Bytes to upload (POST). */
  uploadBytes: number;
  /** The status a healthy path answers with; undefined for kinds built to fail. */
  expectedStatus?: number;
  /** The body length a healthy path delivers. */
  expectedBodyBytes?: number;
  /**
   * Close the client's connection after this exchange (`Connection: close`), so connections to proxydoc, CONNECT
   * tunnels and TLS handshakes keep being opened and closed: leaked sockets would pile up as descriptors.
   */
  closeConnection: boolean;
}

/** One exchange in CLOSE_EVERY asks for `Connection: close`. */
export const CLOSE_EVERY = 40;

export const MIB = 1024 * 1024;
export const SMALL_BODY_BYTES = 512;
export const UPLOAD_BYTES = 64 * 1024;
export const LARGE_UPLOAD_BYTES = 2 * MIB;
const ERROR_STATUSES = [400, 401, 404, 409, 429, 500, 502, 503] as const;

export function plannedRequest(kind: Kind, index: number): PlannedRequest {
  return { ...requestShape(kind, index), closeConnection: index % CLOSE_EVERY === CLOSE_EVERY - 1 };
}

function requestShape(kind: Kind, index: number): Omit<PlannedRequest, 'closeConnection'> {
  switch (kind) {
    case 'small':
      return { method: 'GET', path: `/small?i=${index}`, uploadBytes: 0, expectedStatus: 200, expectedBodyBytes: SMALL_BODY_BYTES };
    case 'status': {
      const status = ERROR_STATUSES[index % ERROR_STATUSES.length];
      return { method: 'GET', path: `/status/${status}`, uploadBytes: 0, expectedStatus: status, expectedBodyBytes: statusBody(status).length };
    }
    case 'upload':
      return { method: 'POST', path: '/upload', uploadBytes: UPLOAD_BYTES, expectedStatus: 200, expectedBodyBytes: uploadAnswer(UPLOAD_BYTES).length };
    case 'slow':
      return { method: 'GET', path: `/slow?ms=${100 + (index % 5) * 100}`, uploadBytes: 0, expectedStatus: 200, expectedBodyBytes: SMALL_BODY_BYTES };
    case 'large-download': {
      const mib = 1 + (index % 5);
      return { method: 'GET', path: `/download?mib=${mib}`, uploadBytes: 0, expectedStatus: 200, expectedBodyBytes: mib * MIB };
    }
    case 'large-upload':
      return { method: 'POST', path: '/upload', uploadBytes: LARGE_UPLOAD_BYTES, expectedStatus: 200, expectedBodyBytes: uploadAnswer(LARGE_UPLOAD_BYTES).length };
    case 'reset-mid-body':
      return { method: 'GET', path: '/reset-mid-body', uploadBytes: 0 };
    case 'close-before-response':
      return { method: 'GET', path: '/close-before-response', uploadBytes: 0 };
    case 'refused':
      return { method: 'GET', path: '/refused', uploadBytes: 0 };
  }
}

/** The JSON error body the target sends with an error status (shared with soak-target.ts). */
export function statusBody(status: number): string {
  return JSON.stringify({ error: `status ${status}`, detail: 'sent on purpose by the soak target' });
}

/** What the target answers to an upload: how many bytes it received. */
export function uploadAnswer(received: number): string {
  return `received ${received}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Outcomes

/** What the client saw: a response (status and how many body bytes arrived), or an error. */
export type ClientOutcome = { status: number; bodyBytes: number } | { error: string };

/**
 * - ok: what a healthy path gives.
 * - upstream-failure: a kind built to fail failed, as proxydoc promises: an error response it wrote (502/504) or a
 *   connection cut where the upstream cut it.
 * - unexplained: anything else. For a healthy kind, any error, status or length but the expected one; for a failing
 *   kind, a full success (the failure never happened, so the test of it did not run).
 */
export type OutcomeClass = 'ok' | 'upstream-failure' | 'unexplained';

export function classifyOutcome(kind: Kind, request: PlannedRequest, outcome: ClientOutcome): OutcomeClass {
  if (UPSTREAM_FAILURE_KINDS.has(kind)) {
    if ('error' in outcome) return 'upstream-failure';
    return outcome.status === 502 || outcome.status === 504 ? 'upstream-failure' : 'unexplained';
  }
  if ('error' in outcome) return 'unexplained';
  return outcome.status === request.expectedStatus && outcome.bodyBytes === request.expectedBodyBytes ? 'ok' : 'unexplained';
}

/** One line for an unexplained outcome, for the report's examples. */
export function describeOutcome(kind: Kind, scheme: Scheme, request: PlannedRequest, outcome: ClientOutcome): string {
  const what = `${scheme} ${request.method} ${request.path} (${kind})`;
  if ('error' in outcome) return `${what}: ${outcome.error}`;
  const expected = request.expectedStatus !== undefined ? `, expected ${request.expectedStatus} with ${request.expectedBodyBytes} B` : ', expected a failure';
  return `${what}: ${outcome.status} with ${outcome.bodyBytes} B${expected}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Criteria

/** One reading of proxydoc's RSS while traffic flows (kept in the JSON output, not judged). */
export interface RssSample {
  completed: number;
  atSeconds: number;
  rssMiB?: number;
}

/**
 * Where the traffic pauses for an idle reading: after 10 % of the exchanges (warmed up: JIT, leaf certificate,
 * pools), after 50 %, and at the end. Returned as the exclusive end index of each phase.
 */
export function phaseEnds(total: number): number[] {
  const ends = [Math.floor(total / 10), Math.floor(total / 2), total].filter((end) => end > 0);
  return ends.filter((end, index) => index === 0 || end > ends[index - 1]);
}

export interface SoakFigures {
  exchangesSent: number;
  recordsWritten: number;
  unexplained: number;
  rssMiB: { start?: number; middle?: number; end?: number; peak?: number };
  /** V8 heap in use after a forced full GC, at the same three moments: live JavaScript objects only. */
  heapMiB: { start?: number; middle?: number; end?: number };
  fds: { baseline?: number; end?: number; logFilesOpenedSince: number };
}

export interface Verdict {
  criterion: string;
  value: string;
  pass: boolean;
  rule: string;
}

/**
 * Memory is read at three idle moments (phaseEnds: after 10 %, 50 % and 100 % of the exchanges), each after a forced
 * full GC, so the readings compare like with like: under load, one reading may catch a few 5 MiB bodies in flight, and
 * without a GC it mostly says when V8 last collected. RSS is flat when the second half of the run grows it by at most
 * 10 % or 16 MiB, whichever is larger (a leak of 200 bytes per exchange is ~19 MiB over the second half of 200 000),
 * and the whole run by at most 25 % or 32 MiB (allocator arenas and V8's heap sized to the load stay resident). The
 * live JavaScript heap has no such excuse: at most 10 % or 4 MiB over the second half.
 */
export const RSS_SECOND_HALF_ALLOWANCE = { ratio: 0.1, mib: 16 };
export const RSS_OVERALL_ALLOWANCE = { ratio: 0.25, mib: 32 };
export const HEAP_SECOND_HALF_ALLOWANCE = { ratio: 0.1, mib: 4 };

function allowance(base: number, rule: { ratio: number; mib: number }): number {
  return Math.max(base * rule.ratio, rule.mib);
}

export function evaluateSoak(figures: SoakFigures): Verdict[] {
  const lost = figures.exchangesSent - figures.recordsWritten;
  const { start, middle, end } = figures.rssMiB;
  const rssKnown = start !== undefined && middle !== undefined && end !== undefined;
  const rssFlat = rssKnown && end - middle <= allowance(middle, RSS_SECOND_HALF_ALLOWANCE) && end - start <= allowance(start, RSS_OVERALL_ALLOWANCE);
  const heap = figures.heapMiB;
  const heapKnown = heap.start !== undefined && heap.middle !== undefined && heap.end !== undefined;
  const heapFlat = heapKnown && heap.end! - heap.middle! <= allowance(heap.middle!, HEAP_SECOND_HALF_ALLOWANCE);
  const { baseline, end: fdEnd, logFilesOpenedSince } = figures.fds;
  const fdKnown = baseline !== undefined && fdEnd !== undefined;
  return [
    {
      criterion: 'records lost (sent − written)',
      value: `${formatCount(lost)} (${formatCount(figures.exchangesSent)} sent, ${formatCount(figures.recordsWritten)} written)`,
      pass: lost === 0,
      rule: 'must be 0',
    },
    {
      criterion: 'client errors the upstream did not cause',
      value: formatCount(figures.unexplained),
      pass: figures.unexplained === 0,
      rule: 'must be 0',
    },
    {
      criterion: 'proxy RSS start / middle / end',
      value: rssKnown ? `${mib(start)} / ${mib(middle)} / ${mib(end)} MiB (peak ${mib(figures.rssMiB.peak)})` : 'not measurable (no /proc)',
      pass: rssFlat,
      rule: `second half ≤ +${RSS_SECOND_HALF_ALLOWANCE.ratio * 100} % or +${RSS_SECOND_HALF_ALLOWANCE.mib} MiB; whole run ≤ +${RSS_OVERALL_ALLOWANCE.ratio * 100} % or +${RSS_OVERALL_ALLOWANCE.mib} MiB`,
    },
    {
      criterion: 'proxy JS heap in use start / middle / end',
      value: heapKnown ? `${mib(heap.start)} / ${mib(heap.middle)} / ${mib(heap.end)} MiB` : 'not measured (no inspector)',
      pass: heapFlat,
      rule: `second half ≤ +${HEAP_SECOND_HALF_ALLOWANCE.ratio * 100} % or +${HEAP_SECOND_HALF_ALLOWANCE.mib} MiB`,
    },
    {
      criterion: 'proxy open file descriptors baseline / end',
      value: fdKnown ? `${baseline} / ${fdEnd}${logFilesOpenedSince > 0 ? ` (${logFilesOpenedSince} of them the log files, opened at the first record)` : ''}` : 'not measurable (no /proc)',
      pass: fdKnown && fdEnd <= baseline + logFilesOpenedSince,
      rule: 'back to the baseline once clients closed (plus the log files)',
    },
  ];
}

function mib(value: number | undefined): string {
  return value === undefined ? '?' : value.toFixed(1);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US').replace(/,/g, ' ');
}

// ---------------------------------------------------------------------------------------------------------------
// Report

export interface KindTally {
  kind: Kind;
  scheme: Scheme;
  sent: number;
  ok: number;
  upstreamFailure: number;
  unexplained: number;
}

export interface SoakReport {
  title: string;
  /** `key: value` facts shown under the title: date, Node, CPU, command, duration. */
  facts: Array<[string, string]>;
  verdicts: Verdict[];
  tallies: KindTally[];
  unexplainedExamples: string[];
  notes: string[];
}

export function formatSoakReport(report: SoakReport): string {
  const lines: string[] = [`## ${report.title}`, ''];
  for (const [key, value] of report.facts) lines.push(`- ${key}: ${value}`);
  lines.push('', '| criterion | value | rule | verdict |', '|---|---|---|---|');
  for (const verdict of report.verdicts) lines.push(`| ${verdict.criterion} | ${verdict.value} | ${verdict.rule} | ${verdict.pass ? 'PASS' : '**FAIL**'} |`);
  lines.push('', '| exchange | sent | ok | failed as the upstream made it fail | unexplained |', '|---|--:|--:|--:|--:|');
  for (const tally of report.tallies) {
    lines.push(`| ${tally.scheme} ${tally.kind} | ${formatCount(tally.sent)} | ${formatCount(tally.ok)} | ${formatCount(tally.upstreamFailure)} | ${formatCount(tally.unexplained)} |`);
  }
  if (report.unexplainedExamples.length > 0) {
    lines.push('', 'Unexplained outcomes (first ones):');
    for (const example of report.unexplainedExamples) lines.push(`- ${example}`);
  }
  if (report.notes.length > 0) {
    lines.push('');
    for (const note of report.notes) lines.push(note);
  }
  const failed = report.verdicts.filter((verdict) => !verdict.pass).length;
  lines.push('', failed === 0 ? 'Result: PASS' : `Result: FAIL (${failed} of ${report.verdicts.length} criteria)`);
  return `${lines.join('\n')}\n`;
}
