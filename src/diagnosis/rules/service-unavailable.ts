/**
 * service-unavailable: a 503 (RFC 9110 §15.6.4) — the server or a hop in front of it cannot handle the request right
 * now (overload, maintenance, no healthy backend). Reads Retry-After (RFC 9110 §10.2.3) as a wait and as a time, and
 * names the hop from its fingerprint. A 503 whose fingerprint and elapsed time match that product's timer (Heroku H12
 * at 30 s, Varnish first_byte_timeout at 60 s) is left to gateway-timeout (see isTimeoutShaped).
 */
import { bodyText } from '../../model/body';
import { headerValue } from '../../model/headers';
import type { Finding } from '../../model/exchange';
import { startedAtMs, type Rule } from '../rule';
import { parseRetryAfter } from '../parsers/retry-after';
import { identifyResponder } from '../knowledge/responder';
import { formatElapsed } from '../knowledge/timeouts';
import { hostOf, isIdempotentMethod, isTimeoutShaped } from './gateway-timeout';

/** What a 503 from each product usually means (kb fingerprints and timeouts). */
const HOP_MEANING: Readonly<Record<string, string>> = {
  varnish: 'Varnish\'s "Backend fetch failed" means its backend failed to connect (3.5 s), send first byte (60 s) or keep sending (60 s), or was marked sick',
  fastly: 'Fastly could not get a response from the origin (first byte timeout or connection failure)',
  envoy: "Envoy could not reach a healthy upstream (\"no healthy upstream\" or \"upstream connect error … reset reason\": the connection failed, was refused or was closed by a backend whose keep-alive is shorter than Envoy's)",
  haproxy: 'HAProxy has no server available for this backend (all down or the queue timed out)',
  nginx: 'nginx answers 503 for limit_req / limit_conn rejections and for maintenance pages ("Service Temporarily Unavailable")',
  kong: 'Kong Gateway reports the upstream service as unavailable (no healthy targets or DNS failure)',
  heroku: 'the Heroku router could not serve the app (H10 app crashed, H14 no web dynos, H80 maintenance, or H12 at 30 s)',
  'aws-api-gateway': 'API Gateway could not reach or throttled the integration',
  'azure-front-door': 'Azure Front Door got an invalid response from the origin (OriginInvalidResponse)',
  'gcp-lb': 'Google Front End had no healthy backend for the request',
  traefik: 'Traefik has no healthy server for the service',
  squid: 'Squid could not connect to the server',
  application: 'the API itself says it is unavailable: overloaded, rate-shedding or in maintenance',
};

export const serviceUnavailable: Rule = {
  id: 'service-unavailable',
  description: 'The server or a hop cannot take the request right now (503): which hop, and when Retry-After allows the next try.',
  check(record, context) {
    const response = record.response;
    if (!response || response.status !== 503) return [];
    if (isTimeoutShaped(record, context)) return [];
    const responder = identifyResponder(response);
    const elapsed = formatElapsed(record.phases.total / 1000);
    const method = record.request.method.toUpperCase();
    const evidence: string[] = [`503 after ${elapsed} s`, ...(responder?.evidence ?? [])];
    const explanation: string[] = [
      'A 503 means the server, or a hop in front of it, cannot handle the request right now — overload, maintenance or no healthy backend — and that the condition is expected to pass (RFC 9110 §15.6.4).',
    ];
    const nextSteps: string[] = [];

    const hopMeaning = responder ? HOP_MEANING[responder.product] : undefined;
    if (responder) {
      explanation.push(
        `The response is ${responder.strength === 'certain' ? '' : 'likely '}from ${responder.productName}${hopMeaning ? `: ${hopMeaning}` : ''}.`,
      );
    } else {
      explanation.push(`Nothing in the response identifies which hop answered for ${hostOf(record)}.`);
    }
    const text = bodyText(response.body) ?? '';
    const envoyReason = /reset reason:\s*([^\n,]+)/.exec(text)?.[1]?.trim();
    if (envoyReason) evidence.push(`Envoy reset reason: ${envoyReason}`);
    const cue = /Backend fetch failed|no healthy upstream|upstream connect error|No server is available|Service Temporarily Unavailable/.exec(text)?.[0];

    // Retry-After is relative to when the response arrived, i.e. the end of the exchange.
    const retryAfterValue = headerValue(response.headers, 'retry-after');
    const receivedAtMs = startedAtMs(record) + record.phases.total;
    const retryAfter = retryAfterValue !== undefined ? parseRetryAfter(retryAfterValue, receivedAtMs) : undefined;
    let retryClause = '';
    if (retryAfter) {
      const until = Number.isFinite(retryAfter.atMs) ? new Date(retryAfter.atMs).toISOString() : undefined;
      retryClause = `; Retry-After asks to wait ${retryAfter.delaySeconds} s${until ? ` (until ${until})` : ''}`;
      evidence.push(`Retry-After: ${(retryAfterValue ?? '').trim()} = ${retryAfter.delaySeconds} s`);
      nextSteps.push(`Wait ${retryAfter.delaySeconds} s${until ? ` (until ${until})` : ''} before retrying, as Retry-After asks`);
    } else {
      if (retryAfterValue !== undefined) evidence.push(`Retry-After "${retryAfterValue.slice(0, 40)}" is neither delay-seconds nor an HTTP-date`);
      nextSteps.push('Retry with exponential backoff and jitter (e.g. 1 s, 2 s, 4 s …, capped), and give up after a few attempts');
    }

    const from = responder ? ` from ${responder.productName}` : '';
    const summary = `503 Service Unavailable${from}${cue ? ` ("${cue}")` : ''}${retryClause}.`;
    if (responder?.intermediary && !isIdempotentMethod(method)) {
      explanation.push(`A 503 from a hop usually means the backend never got the ${method}, but if the hop gave up mid-way it may have; check before retrying.`);
    }
    explanation.push(`If it persists, replay with \`proxydoc replay ${record.seq}\` after the wait to see whether it was transient.`);
    if (responder?.product === 'application') nextSteps.push("Check the API's status page for an incident or maintenance window");
    else if (responder) nextSteps.push(`Check the health of the backends behind ${responder.productName} (its log at ${record.startedAt})`);
    else nextSteps.push("Check the API's status page and the health of the hops in front of it");

    const finding: Finding = {
      rule: 'service-unavailable',
      severity: 'error',
      summary,
      explanation: explanation.join(' '),
      evidence,
      nextSteps,
    };
    return [finding];
  },
};
