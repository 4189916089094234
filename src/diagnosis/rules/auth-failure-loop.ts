/**
 * auth-failure-loop: the same client got at least three consecutive 401/403 from the same origin within a minute
 * (this exchange included). Retrying a rejected credential never fixes it and trips lockouts: Jira demands a
 * CAPTCHA after repeated failed logins (X-Seraph-LoginReason: AUTHENTICATION_DENIED), GitLab's Rack::Attack bans
 * IPs after repeated failed authentications, and identity providers lock accounts.
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { startedAtMs, type Rule } from '../rule';
import { carriedCredentials, describeCredential } from '../credentials';

const MIN_STREAK = 3;
const WINDOW_MS = 60_000;

function isAuthFailure(record: ExchangeRecord): boolean {
  const status = record.response?.status;
  return status === 401 || status === 403;
}

/** The credentials of a request as a comparable key (location, name, scheme, hash; never the value). */
function credentialKey(record: ExchangeRecord): string {
  return carriedCredentials(record.request)
    .map((c) => `${c.where}:${c.name.toLowerCase()}:${c.scheme ?? ''}:${c.hash}`)
    .sort()
    .join('|');
}

export const authFailureLoop: Rule = {
  id: 'auth-failure-loop',
  description: 'The same client got three or more consecutive 401/403 from the same origin within a minute.',
  check(record, context) {
    if (!isAuthFailure(record)) return [];
    const end = startedAtMs(record);
    if (!Number.isFinite(end)) return [];
    // Walk back from the most recent earlier exchange; any success or non-auth outcome ends the streak.
    const streak: ExchangeRecord[] = [record];
    for (let i = context.history.length - 1; i >= 0; i--) {
      const earlier = context.history[i];
      const at = startedAtMs(earlier);
      if (!Number.isFinite(at) || end - at > WINDOW_MS || !isAuthFailure(earlier)) break;
      streak.push(earlier);
    }
    if (streak.length < MIN_STREAK) return [];
    streak.reverse();
    const first = streak[0];
    const span = end - startedAtMs(first);
    const keys = new Set(streak.map(credentialKey));
    const sameCredential = keys.size === 1;
    const credentials = carriedCredentials(record.request);
    const credentialText = credentials.length > 0 ? credentials.slice(0, 2).map(describeCredential).join(' and ') : 'no credential';
    const captcha = streak.some((r) => /AUTHENTICATION_DENIED/i.test(headerValue(r.response?.headers ?? [], 'x-seraph-loginreason') ?? ''));
    const statuses = streak.map((r) => r.response?.status).join(', ');
    const finding: Finding = {
      rule: 'auth-failure-loop',
      severity: 'warn',
      summary: `This client got ${streak.length} consecutive 401/403 from this host in ${Math.round(span / 1000)} s${sameCredential ? ', each time with the same credential' : ''}.`,
      explanation: [
        `Exchanges #${streak.map((r) => r.seq).join(', #')} all failed authentication (${statuses}) within ${Math.round(span / 1000)} s.`,
        sameCredential
          ? `Every attempt carried the same credential (${credentialText}), so the client is retrying a credential the server already rejected; that cannot succeed.`
          : 'The credentials changed between attempts, so the client is trying alternatives, none of them accepted.',
        'Repeated failures trip lockouts: Jira starts demanding a CAPTCHA, GitLab bans the IP for a while, identity providers lock the account.',
        captcha ? 'Jira already answered X-Seraph-LoginReason: AUTHENTICATION_DENIED: the account now needs a CAPTCHA login in the browser before the API accepts it again.' : '',
        `Look at the first failure (#${first.seq}) for the actual reason.`,
      ]
        .filter((s) => s !== '')
        .join(' '),
      evidence: [
        `${streak.length} consecutive 401/403 in ${Math.round(span / 1000)} s (#${first.seq}–#${record.seq})`,
        sameCredential ? `same credential each time: ${credentialText}` : `${keys.size} different credentials`,
        ...(captcha ? ['X-Seraph-LoginReason: AUTHENTICATION_DENIED'] : []),
      ],
      nextSteps: [
        'Stop retrying on 401/403: fix the credential first (retries only help for 429/503).',
        captcha ? 'Log in once in the browser and solve the CAPTCHA to unlock the account.' : 'Check the account is not locked after the repeated failures.',
      ],
    };
    return [finding];
  },
};
