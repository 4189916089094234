/**
 * bad-gateway: a 502 (RFC 9110 §15.6.3) — a hop got no valid response from the server behind it — and Cloudflare's
 * origin-failure codes 520–523/525/526, which mean the same from Cloudflare. Names the hop from its fingerprint and
 * what that product's 502 usually means. A 502 whose fingerprint and elapsed time match a timer of that product is
 * left to gateway-timeout (see isTimeoutShaped); a 502 at a known timeout without a fingerprint gets the timeout
 * candidates here as a "possibly".
 */
import type { Finding } from '../../model/exchange';
import { bodyText } from '../../model/body';
import type { Rule } from '../rule';
import { identifyResponder } from '../knowledge/responder';
import { describeTimeout, formatElapsed, matchTimeouts } from '../knowledge/timeouts';
import { hostOf, isIdempotentMethod, isTimeoutShaped, joinList, retryCaution } from './gateway-timeout';

/** What a 502 from each product usually means, and where to look (kb fingerprints/timeouts notes). */
const HOP_MEANING: Readonly<Record<string, { meaning: string; step: string }>> = {
  nginx: {
    meaning: 'nginx could not use the upstream\'s answer: the upstream refused the connection, closed it before answering ("upstream prematurely closed connection", e.g. a Gunicorn worker killed at its 30 s timeout) or sent an invalid header',
    step: "Look in nginx's error.log at the time of the request: it names the upstream address and the exact failure",
  },
  apache: {
    meaning: 'Apache mod_proxy got no valid answer from the backend ("Error reading from remote server" is its read timeout or a closed connection; mod_proxy_http answers a backend timeout with 502, not 504)',
    step: "Look in Apache's error log for AH01102/AH01103 and check the ProxyPass backend is up",
  },
  envoy: {
    meaning: 'Envoy could not get a response from the upstream cluster (see the reset reason in the body)',
    step: "Check the upstream cluster's endpoints and Envoy's access log response flags (UF, UC, URX)",
  },
  haproxy: {
    meaning: 'HAProxy got an invalid or incomplete response from the server ("The server returned an invalid or incomplete response")',
    step: "Check HAProxy's log termination code (SH = server aborted, sH = timeout) for this request",
  },
  traefik: {
    meaning: 'Traefik could not reach the backend or the backend closed the connection (refused or EOF)',
    step: "Check the service's backend URL and that the container/pod behind the router is running",
  },
  kong: {
    meaning: 'Kong Gateway received an invalid response from the upstream service',
    step: "Check the Kong service's upstream (host, port, protocol) and the upstream's own logs",
  },
  'aws-cloudfront': {
    meaning: 'CloudFront could not connect to the origin or complete TLS with it (the origin certificate must match the origin domain name)',
    step: 'Check the origin domain, port and certificate in the CloudFront distribution',
  },
  'aws-alb': {
    meaning: 'the ALB got no valid response from the target (target closed the connection — often a target keep-alive shorter than the ALB idle timeout, e.g. Node.js keepAliveTimeout 5 s vs ALB 60 s)',
    step: 'Set the target\'s keep-alive timeout above the ALB idle timeout and check HTTPCode_ELB_502_Count in CloudWatch',
  },
  'aws-api-gateway': {
    meaning: 'API Gateway could not use the integration\'s answer (for Lambda proxy integrations: the function returned a malformed response)',
    step: 'Check the integration (Lambda logs: the function must return statusCode/headers/body)',
  },
  'azure-app-gateway': {
    meaning: 'Azure Application Gateway got no valid response from the backend pool (unhealthy probe, NSG, or its 20 s request timeout on v1)',
    step: 'Check backend health in the Application Gateway and the backend settings request timeout',
  },
  iis: {
    meaning: 'IIS Application Request Routing got no valid response from the backend (502.3: connection failure or timeout)',
    step: 'Check the ARR server farm health and the proxy timeout',
  },
  caddy: {
    meaning: 'Caddy reverse_proxy could not get a response from the upstream (refused, closed or dial timeout)',
    step: "Check the reverse_proxy upstream address and Caddy's log",
  },
  application: {
    meaning: 'the API answered 502 with its own JSON error: one of its own dependencies failed',
    step: "Quote the error's request id to the API's support",
  },
};

/** Cloudflare's origin-failure codes (kb fingerprints: Cloudflare 52x family). */
const CLOUDFLARE_CODES: Readonly<Record<number, { what: string; step: string }>> = {
  520: { what: 'the origin returned an empty or unknown response', step: 'Check the origin logs for crashes or resets at that time, and header sizes' },
  521: { what: 'the origin refused the connection', step: "Check the web server is running and allows Cloudflare's IP ranges" },
  522: { what: "Cloudflare's TCP connection to the origin timed out (19 s)", step: "Check the origin's firewall allows Cloudflare's IP ranges and the origin is not overloaded" },
  523: { what: 'the origin is unreachable (DNS or routing)', step: 'Check the DNS record for the origin in Cloudflare' },
  525: { what: 'the TLS handshake between Cloudflare and the origin failed', step: 'Check the origin supports TLS with a matching SNI and cipher' },
  526: { what: "the origin's certificate is invalid (SSL mode Full (strict))", step: "Install a valid certificate on the origin (or a Cloudflare Origin CA certificate)" },
};

export const badGateway: Rule = {
  id: 'bad-gateway',
  description: 'A hop got no valid response from the server behind it (502, Cloudflare 520–526): which hop, and what its 502 usually means.',
  check(record, context) {
    const response = record.response;
    if (!response) return [];
    const status = response.status;
    const cloudflare = CLOUDFLARE_CODES[status];
    if (status !== 502 && !cloudflare) return [];
    if (isTimeoutShaped(record, context)) return [];
    const responder = identifyResponder(response);
    if (cloudflare && responder?.product !== 'cloudflare') return [];
    const elapsedSeconds = record.phases.total / 1000;
    const elapsed = formatElapsed(elapsedSeconds);
    const method = record.request.method.toUpperCase();
    const evidence: string[] = [`${status} after ${elapsed} s`, ...(responder?.evidence ?? [])];
    const nextSteps: string[] = [];
    const explanation: string[] = [];
    let summary: string;

    if (cloudflare) {
      summary = `${status} from Cloudflare: ${cloudflare.what}.`;
      explanation.push(`Cloudflare's ${status} means ${cloudflare.what}; Cloudflare itself is fine, the problem is between it and the origin server of ${hostOf(record)}.`);
      nextSteps.push(cloudflare.step);
    } else {
      const hop = responder ? HOP_MEANING[responder.product] : undefined;
      const who = responder ? responder.productName : 'a proxy between proxydoc and the API';
      summary = responder?.product === 'application'
        ? `502 Bad Gateway from the API itself: it reports that one of its dependencies failed.`
        : `502 Bad Gateway from ${who}: it got no valid response from the server behind it.`;
      explanation.push('A 502 means a gateway or proxy received an invalid response, or none, from the server it forwards to (RFC 9110 §15.6.3).');
      if (responder && hop) explanation.push(`${responder.strength === 'certain' ? 'The response is' : 'The response is likely'} from ${responder.productName}; ${hop.meaning}.`);
      else if (responder) explanation.push(`The response is ${responder.strength === 'certain' ? '' : 'likely '}from ${responder.productName}.`);
      else explanation.push('Nothing in the response identifies which hop answered (no Server header or known error page).');
      const resetReason = /reset reason:\s*([^\n,]+)/.exec(bodyText(response.body) ?? '')?.[1]?.trim();
      if (resetReason) evidence.push(`Envoy reset reason: ${resetReason}`);
      if (hop) nextSteps.push(hop.step);
      else nextSteps.push("Check the error log of the hop that answered at the time of the request and whether its upstream is running");
    }

    // A 502 at a known timer without a fingerprint that confirms it: possibly a timeout (Apache answers 502 at 60 s).
    const timeouts = matchTimeouts(elapsedSeconds, { outcome: 502, userTimeouts: context.userTimeouts });
    if (timeouts.length > 0 && elapsedSeconds >= 2) {
      const names = joinList(timeouts.slice(0, 3).map((match) => describeTimeout(match.fact)));
      explanation.push(`It came after ${elapsed} s, which matches ${names}: possibly a timeout reported as 502 rather than a crash.`);
      evidence.push(`${elapsed} s matches ${names}`);
      nextSteps.push(`If the backend is just slow, raise that timeout or make the operation asynchronous`);
    }
    explanation.push(`The backend may or may not have received the request. ${retryCaution(method)}`);
    explanation.push(`To confirm it is not transient, run \`proxydoc replay ${record.seq}\`.`);
    nextSteps.push(
      isIdempotentMethod(method)
        ? "Retry once with backoff; a 502 that persists needs the hop's log, not more retries"
        : `Check whether the ${method} took effect before retrying it with backoff`,
    );
    const finding: Finding = { rule: 'bad-gateway', severity: 'error', summary, explanation: explanation.join(' '), evidence, nextSteps };
    return [finding];
  },
};
