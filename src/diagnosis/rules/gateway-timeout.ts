/**
 * gateway-timeout: a hop gave up waiting for the server behind it.
 *
 * Fires on 504 (RFC 9110 §15.6.5), Cloudflare's 524, a 408 from an intermediary, and on a 502/503 when the
 * responder's fingerprint *and* the elapsed time match one of that product's timeouts (Apache mod_proxy_http answers
 * its 60 s Timeout with 502, Heroku H12 / Varnish / Fastly answer 503). Such 502/503s belong to this rule alone:
 * bad-gateway and service-unavailable call `isTimeoutShaped` and stay silent, so one exchange gets one explanation.
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import type { DiagnosisContext, Rule } from '../rule';
import type { Responder, TimeoutMatch } from '../knowledge/types';
import { identifyResponder } from '../knowledge/responder';
import {
  describeTimeout,
  formatElapsed,
  formatSeconds,
  isNarrowedMatch,
  matchTimeouts,
  productFamily,
  timerOf,
} from '../knowledge/timeouts';
import { splitRawUrl } from '../../model/url';

/** Methods whose repetition has the same effect as one call (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/** The retry caution every "the server may still have done it" finding carries. */
export function retryCaution(method: string): string {
  const upper = method.toUpperCase();
  return isIdempotentMethod(upper)
    ? `${upper} is idempotent (RFC 9110 §9.2.2), so a retry is safe, but it will likely hit the same limit again.`
    : `${upper} is not idempotent (RFC 9110 §9.2.2): check whether it took effect (look the resource up) before retrying, or the retry may do it twice.`;
}

export function hostOf(record: ExchangeRecord): string {
  return splitRawUrl(record.request.url)?.host ?? 'the target';
}

export interface TimeoutAnalysis {
  status: number;
  elapsedSeconds: number;
  responder?: Responder;
  /** All matching known timeouts, best first. */
  matches: TimeoutMatch[];
  /** The matches the fingerprint (or the user's config) points at. */
  narrowed: TimeoutMatch[];
}

/** Products a responder stands for when narrowing timeouts. */
function responderProducts(responder: Responder | undefined): string[] {
  return responder ? [responder.product] : [];
}

/**
 * The timeout reading of a response, or undefined when this rule does not apply to it. Exported so bad-gateway and
 * service-unavailable can leave timeout-shaped 502/503s to this rule.
 */
export function analyseTimeout(record: ExchangeRecord, context: DiagnosisContext): TimeoutAnalysis | undefined {
  const response = record.response;
  if (!response) return undefined;
  const status = response.status;
  if (![408, 502, 503, 504, 524].includes(status)) return undefined;
  const elapsedSeconds = record.phases.total / 1000;
  if (!Number.isFinite(elapsedSeconds)) return undefined;
  const responder = identifyResponder(response);
  const products = responderProducts(responder);
  const matches = matchTimeouts(elapsedSeconds, { outcome: status, products, userTimeouts: context.userTimeouts });
  const narrowed = matches.filter((match) => isNarrowedMatch(match, products));
  const analysis: TimeoutAnalysis = { status, elapsedSeconds, responder, matches, narrowed };
  if (status === 504 || status === 524) return analysis;
  if (status === 408) {
    // A 408 the API itself sent is about the request it got; one from a proxy (or at a known 408 timer) is a timeout.
    if (responder?.intermediary || narrowed.length > 0 || (responder === undefined && matches.length > 0)) return analysis;
    return undefined;
  }
  // 502/503: only when who answered and how long it took agree on a timer (RULES.md), or the user's own threshold.
  return narrowed.length > 0 ? analysis : undefined;
}

export function isTimeoutShaped(record: ExchangeRecord, context: DiagnosisContext): boolean {
  const status = record.response?.status;
  return (status === 502 || status === 503) && analyseTimeout(record, context) !== undefined;
}

/** "A", "A and B", "A, B and C". */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The best match of each product family, in order, so nginx's three 60 s timers don't crowd out the ALB. */
function bestPerFamily(matches: readonly TimeoutMatch[]): TimeoutMatch[] {
  const seen = new Set<string>();
  const result: TimeoutMatch[] = [];
  for (const match of matches) {
    const family = match.fact.layer === 'user' ? `user:${match.fact.productName}` : productFamily(match.fact.product);
    if (seen.has(family)) continue;
    seen.add(family);
    result.push(match);
  }
  return result;
}

function signedDelta(deltaSeconds: number): string {
  const rounded = Math.round(deltaSeconds * 10) / 10;
  return `${rounded >= 0 ? '+' : '−'}${Math.abs(rounded).toFixed(1)} s`;
}

const STATUS_NAMES: Record<number, string> = {
  408: 'Request Timeout',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  524: 'A Timeout Occurred',
};

function meaningOf(analysis: TimeoutAnalysis): string {
  const { status, responder } = analysis;
  const name = responder?.productName;
  if (status === 524) return "Cloudflare's 524 means Cloudflare reached the origin but got no response before its Proxy Read Timeout.";
  if (status === 504) return 'A 504 comes from a gateway or proxy that gave up waiting for the server behind it (RFC 9110 §15.6.5).';
  if (status === 408) {
    return analysis.narrowed.some((match) => timerOf(match.fact) === 'request')
      ? `${name ?? 'A hop'} sent 408 because the request itself did not arrive in time: the upload stalled or was slower than the hop's request timer.`
      : `${name ?? 'A hop'} answered 408 Request Timeout: its timer expired before the exchange completed.`;
  }
  return `${name ?? 'This hop'} reports an upstream timeout as ${status}, not 504 (e.g. Apache mod_proxy_http's "Error reading from remote server", Heroku H12, Varnish "Backend fetch failed").`;
}

function buildFinding(record: ExchangeRecord, analysis: TimeoutAnalysis): Finding {
  const { status, elapsedSeconds, responder, matches, narrowed } = analysis;
  const elapsed = formatElapsed(elapsedSeconds);
  const method = record.request.method.toUpperCase();
  const families = bestPerFamily(matches);
  const shown = families.slice(0, 3).map((match) => describeTimeout(match.fact));
  const more = families.length > 3 ? ` and ${families.length - 3} more` : '';
  const hopFact = narrowed.find((match) => match.fact.layer !== 'user')?.fact;
  const userFact = narrowed.find((match) => match.fact.layer === 'user')?.fact;

  let summary: string;
  if (matches.length > 0) {
    summary = `${status} after ${elapsed} s — matches ${shown.length > 1 && more ? `${shown.join(', ')}${more}` : joinList(shown)}`;
    if (responder && hopFact) summary += `; ${responder.evidence[0]}, so ${responder.productName} is the likely hop`;
    else if (responder?.intermediary) summary += `; the response came from ${responder.productName}`;
    summary += '.';
  } else {
    summary = `${status} ${STATUS_NAMES[status] ?? ''} after ${elapsed} s`.replace(/ {2}/g, ' ');
    summary += responder?.intermediary
      ? ` from ${responder.productName} — no known default timeout matches, so that hop probably has a custom timeout near ${formatSeconds(elapsedSeconds)} s.`
      : ' — no known default timeout matches, so a hop with a custom timeout gave up waiting for the upstream.';
  }

  const explanation: string[] = [meaningOf(analysis)];
  if (matches.length > 0) {
    const listed = families.slice(0, 6).map((match) => describeTimeout(match.fact));
    explanation.push(`The exchange took ${elapsed} s, within tolerance of ${joinList(listed)}.`);
    if (responder && hopFact) {
      explanation.push(`Since the response came from ${responder.productName}, its ${hopFact.setting} is the likely timer.`);
    } else if (userFact) {
      explanation.push(`It matches your configured "${userFact.productName}" threshold, so that hop is likely the one.`);
    } else {
      explanation.push(
        responder
          ? `The response came from ${responder.productName}, which has no matching default: it possibly passed on a timeout from a hop further back, or one of these is the hop.`
          : 'Nothing in the response identifies the hop that answered, so each of these is possibly the one.',
      );
    }
    if (matches.some((match) => match.fact.confidence === 'conflicting-sources')) {
      explanation.push("Sources disagree on Cloudflare's default Proxy Read Timeout (100 s vs 120 s); both are candidates.");
    }
  } else {
    explanation.push(
      `${elapsed} s matches no known default (±1 s), so the hop that answered likely has a custom timeout, or passed on a timeout from a hop further back.`,
    );
  }
  const topFact = hopFact ?? matches[0]?.fact;
  const topTimer = topFact ? timerOf(topFact) : undefined;
  if (topTimer === 'connect') {
    explanation.push('That timer covers connecting to the upstream, so the request probably never reached it; if it did,');
    explanation.push(`the upstream may still be processing the request and may complete it. ${retryCaution(method)}`);
  } else {
    explanation.push(
      `The upstream may still be processing the request and may complete it even though the caller got an error. ${retryCaution(method)}`,
    );
  }
  explanation.push(
    `To confirm, run \`proxydoc replay ${record.seq}\`: a timer cuts the call at the same elapsed time every time.`,
  );

  const evidence: string[] = [`${status} after ${elapsed} s`];
  for (const match of families.slice(0, 3)) {
    evidence.push(`${signedDelta(match.deltaSeconds)} from ${describeTimeout(match.fact)}`);
  }
  if (responder) evidence.push(...responder.evidence);
  if (!isIdempotentMethod(method)) evidence.push(`method ${method} is not idempotent`);

  const nextSteps: string[] = [];
  if (hopFact && timerOf(hopFact) === 'connect') {
    nextSteps.push(`Check that ${hopFact.productName} can reach its upstream (address, port, security group) — its ${hopFact.setting} (${formatSeconds(hopFact.seconds)} s) expired`);
  } else if (hopFact) {
    nextSteps.push(`Raise ${hopFact.productName} ${hopFact.setting} (now ${formatSeconds(hopFact.seconds)} s) on the hop that answered, or make the operation asynchronous (answer 202 and let the client poll)`);
  } else if (userFact) {
    nextSteps.push(`Raise your "${userFact.productName}" timeout (${formatSeconds(userFact.seconds)} s), or make the operation asynchronous (answer 202 and let the client poll)`);
  } else if (families.length > 0) {
    nextSteps.push(`Find which hop timed out (its error log at ${record.startedAt}) and raise that setting — candidates: ${joinList(families.slice(0, 3).map((match) => `${match.fact.productName} ${match.fact.setting}`))}`);
    nextSteps.push('Or make the operation asynchronous (answer 202 and let the client poll)');
  } else {
    nextSteps.push(`Find the hop with a timeout near ${formatSeconds(elapsedSeconds)} s${responder?.intermediary ? ` (${responder.productName} answered)` : ''} and raise it, or make the operation asynchronous (answer 202 and let the client poll)`);
  }
  nextSteps.push(
    isIdempotentMethod(method)
      ? 'Retry only after the upstream got faster or the timeout was raised'
      : `Before retrying the ${method}, check whether it took effect`,
  );
  nextSteps.push(`Run \`proxydoc replay ${record.seq}\` to see whether it fails at the same elapsed time`);

  return { rule: 'gateway-timeout', severity: 'error', summary, explanation: explanation.join(' '), evidence, nextSteps };
}

export const gatewayTimeout: Rule = {
  id: 'gateway-timeout',
  description: 'A hop gave up waiting for the upstream (504, 524, a 408 from a proxy, or a 502/503 at a known timeout): which timer, and on which hop.',
  check(record, context) {
    const analysis = analyseTimeout(record, context);
    return analysis ? [buildFinding(record, analysis)] : [];
  },
};
