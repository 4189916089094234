/**
 * token-not-yet-valid: a JWT the request carried is not valid yet at the request time — `nbf` (RFC 7519 §4.1.5)
 * or `iat` (§4.1.6, which many validators also reject when in the future) lies after it. That is a clock skew
 * between the issuer, this machine and the API. Validators usually allow some leeway (often 30 s to 5 min), so a
 * small lead is reported as a warning, a larger one as the error.
 */
import type { ExchangeRecord, Finding, Severity } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { numericDateMs, type DecodedJwt } from '../../model/jwt';
import { startedAtMs, type Rule } from '../rule';
import { carriedJwts, credentialPlace, describeCredential, type CarriedCredential } from '../credentials';
import { humanDuration, isoSeconds } from '../text';

/** Lead up to which a typical validator's leeway would still accept the token. */
const TYPICAL_LEEWAY_MS = 30_000;
/** A Date header this far from proxydoc's clock is worth naming (Date has one-second resolution). */
const NOTABLE_DATE_OFFSET_MS = 5_000;

interface Lead {
  credential: CarriedCredential & { jwt: DecodedJwt };
  claim: 'nbf' | 'iat';
  at: number;
  leadMs: number;
}

export const tokenNotYetValid: Rule = {
  id: 'token-not-yet-valid',
  description: 'A JWT whose nbf or iat lies after the request time (clock skew).',
  check(record) {
    const response = record.response;
    if (!response || response.status < 400 || response.status >= 500) return [];
    const start = startedAtMs(record);
    if (!Number.isFinite(start)) return [];
    const leads: Lead[] = [];
    for (const credential of carriedJwts(record.request)) {
      // nbf first: it is the claim that defines validity; iat in the future is the same skew seen differently.
      for (const claim of ['nbf', 'iat'] as const) {
        const at = numericDateMs(credential.jwt.claims, claim);
        if (at !== undefined && at > start) {
          leads.push({ credential, claim, at, leadMs: at - start });
          break;
        }
      }
    }
    if (leads.length === 0) return [];
    const lead = leads.reduce((a, b) => (b.leadMs > a.leadMs ? b : a));
    const authStatus = response.status === 401 || response.status === 403;
    if (lead.leadMs <= TYPICAL_LEEWAY_MS && !authStatus) return [];
    const severity: Severity = lead.leadMs > TYPICAL_LEEWAY_MS && authStatus ? 'error' : 'warn';
    return [finding(record, lead, start, severity)];
  },
};

function finding(record: ExchangeRecord, lead: Lead, start: number, severity: Severity): Finding {
  const status = record.response?.status ?? 0;
  const skew = humanDuration(lead.leadMs);
  const serverClock = serverClockOffset(record, start);
  const withinLeeway = lead.leadMs <= TYPICAL_LEEWAY_MS;
  const issuer = typeof lead.credential.jwt.claims.iss === 'string' ? lead.credential.jwt.claims.iss : undefined;
  return {
    rule: 'token-not-yet-valid',
    severity,
    summary: `The JWT in ${credentialPlace(lead.credential)} is not valid until ${skew} after the request (${lead.claim} ${isoSeconds(lead.at)}): a clock skew of at least ${skew}.`,
    explanation: [
      `${describeCredential(lead.credential)} has ${lead.claim} ${isoSeconds(lead.at)}, but the request was sent at ${isoSeconds(start)} by this machine's clock.`,
      `The issuer${issuer ? ` (${issuer})` : ''} stamped it ${skew} in the future, so its clock is ahead of this machine's, or this machine's clock is behind.`,
      withinLeeway
        ? `That is within the 30 s leeway many validators allow, so it is possibly, not certainly, why the API answered ${status}; validators with zero leeway reject it.`
        : `An API whose clock agrees with this machine rejects the token until then (RFC 7519 §4.1.5), so this is likely why it answered ${status}.`,
      serverClock ?? '',
      `To confirm, wait ${skew} and replay: \`proxydoc replay ${record.seq}\`; if it then succeeds, the clocks are the cause.`,
    ]
      .filter((s) => s !== '')
      .join(' '),
    evidence: [
      `${lead.claim} ${isoSeconds(lead.at)} is ${skew} after the request (${isoSeconds(start)})`,
      ...(issuer ? [`iss ${issuer}`] : []),
      ...(serverClock ? [serverClock.replace(/\.$/, '')] : []),
    ],
    nextSteps: [
      'Synchronise the clocks with NTP on this machine, the token issuer and the API host (`timedatectl`, `chronyc tracking`).',
      'If you run the validator, allow a small leeway (30–60 s) for nbf/iat.',
    ],
  };
}

/** What the response's Date header (RFC 9110 §6.6.1) says about the API's clock relative to this machine. */
function serverClockOffset(record: ExchangeRecord, start: number): string | undefined {
  const date = headerValue(record.response?.headers ?? [], 'date');
  if (date === undefined) return undefined;
  const serverMs = Date.parse(date);
  if (!Number.isFinite(serverMs)) return undefined;
  // The Date header is generated around the first response byte; compare with the request start plus ttfb.
  const localMs = start + (record.phases.ttfb ?? 0);
  const offset = serverMs - localMs;
  if (Math.abs(offset) < NOTABLE_DATE_OFFSET_MS) return `The API's Date header agrees with this machine's clock, so the issuer's clock is the one ahead.`;
  return `The API's Date header is ${humanDuration(offset)} ${offset > 0 ? 'ahead of' : 'behind'} this machine's clock.`;
}
