/**
 * upstream-reset: the target closed or reset the connection mid-exchange (error.kind 'reset'), or went silent until
 * the connection timed out (error.kind 'timeout'). Says when (while sending, before any response, mid-body) and,
 * when the elapsed time matches a timer that drops connections (AWS NLB 350 s, Azure LB 240 s idle flows, a Gunicorn
 * worker kill), which; a reset on a reused keep-alive connection before any response is the classic keep-alive race.
 */
import type { ExchangeRecord } from '../../model/exchange';
import type { Rule, UserTimeout } from '../rule';
import type { TimeoutMatch } from '../knowledge/types';
import { describeTimeout, formatElapsed, matchTimeouts, timerOf } from '../knowledge/timeouts';
import { hostOf, isIdempotentMethod, joinList, retryCaution } from './gateway-timeout';

type When = 'connecting' | 'sending' | 'before-response' | 'mid-body' | 'unknown';

function whenOf(record: ExchangeRecord): When {
  const stage = record.error?.stage;
  if (stage === 'response-body' || record.response) return 'mid-body';
  if (stage === 'request') return 'sending';
  if (stage === 'response-headers') return 'before-response';
  if (stage === 'connect' || stage === 'tls' || stage === 'tunnel') return 'connecting';
  return 'unknown';
}

function whenPhrase(when: When, record: ExchangeRecord): string {
  switch (when) {
    case 'mid-body':
      return record.response ? `mid-body, after the ${record.response.status} headers` : 'mid-body, after the response headers';
    case 'sending':
      return 'while the request was still being sent';
    case 'before-response':
      return 'after the request was sent, before any response';
    case 'connecting':
      return `during the ${record.error?.stage === 'tls' ? 'TLS handshake' : 'connection setup'}`;
    default:
      return 'before the response was complete';
  }
}

/** Timers whose expiry drops the connection mid-exchange (not keep-alive timers between requests, not clients). */
function droppingTimers(elapsedSeconds: number, when: When, userTimeouts: readonly UserTimeout[]): TimeoutMatch[] {
  return matchTimeouts(elapsedSeconds, { outcome: 'dropped', userTimeouts }).filter((match) => {
    if (match.fact.layer === 'user') return true;
    if (match.fact.layer === 'client') return false;
    const timer = timerOf(match.fact);
    if (timer === 'idle-connection' || timer === 'client-write' || timer === 'connect') return false;
    // A request timer (Traefik readTimeout 60 s) only cuts an upload.
    if (timer === 'request') return when === 'sending';
    return true;
  });
}

export const upstreamReset: Rule = {
  id: 'upstream-reset',
  description: 'The target reset or dropped the connection mid-exchange: when, and which idle timer or keep-alive race explains it.',
  check(record, context) {
    const error = record.error;
    if (!error || (error.kind !== 'reset' && error.kind !== 'timeout')) return [];
    const elapsedSeconds = record.phases.total / 1000;
    const elapsed = formatElapsed(elapsedSeconds);
    const method = record.request.method.toUpperCase();
    const when = whenOf(record);
    const code = error.code || (error.kind === 'timeout' ? 'ETIMEDOUT' : 'ECONNRESET');
    const host = hostOf(record);
    const reused = record.upstream?.reusedConnection === true;
    const keepAliveRace = reused && error.kind === 'reset' && (when === 'sending' || when === 'before-response' || when === 'unknown');
    const timers = droppingTimers(elapsedSeconds, when, context.userTimeouts);

    const verb =
      error.kind === 'timeout'
        ? `The connection to ${host} went silent and timed out`
        : `${host} closed the connection`;
    let summary = `${verb} ${whenPhrase(when, record)} (${code} after ${elapsed} s)`;
    if (timers.length > 0) summary += ` — ${elapsed} s matches ${describeTimeout(timers[0].fact)}`;
    else if (keepAliveRace) summary += ' — on a reused keep-alive connection, likely a keep-alive race';
    summary += '.';

    const explanation: string[] = [];
    const evidence: string[] = [`${error.kind} (${code}) after ${elapsed} s`, `stage: ${error.stage ?? 'unknown'}`];
    const nextSteps: string[] = [];
    if (when === 'mid-body' && record.response) {
      explanation.push(
        `The ${record.response.status} headers arrived, then the connection died: the ${record.response.body.size} bytes received are a truncated body, so don't use them.`,
      );
      evidence.push(`${record.response.body.size} body bytes received before the ${error.kind}`);
    }
    if (timers.length > 0) {
      const top = timers[0].fact;
      const timer = timerOf(top);
      explanation.push(
        timer === 'flow-idle'
          ? `${elapsed} s matches ${describeTimeout(top)}: an L4 balancer silently forgets a TCP flow that carried no bytes for that long, so a call whose server stays silent that long is cut without any HTTP status. Likely the cause.`
          : `${elapsed} s matches ${joinList(timers.slice(0, 3).map((match) => describeTimeout(match.fact)))}, a timer that drops the connection instead of answering; likely the cause.`,
      );
      evidence.push(...timers.slice(0, 3).map((match) => `${elapsed} s ≈ ${describeTimeout(match.fact)}`));
      nextSteps.push(
        timer === 'flow-idle'
          ? `Raise ${top.productName} ${top.setting}, enable TCP keepalives shorter than it on both ends, or make the operation asynchronous so no connection idles that long`
          : top.layer === 'user'
            ? `Raise your "${top.productName}" timeout or make the operation asynchronous`
            : `Raise ${top.productName} ${top.setting} or make the operation asynchronous`,
      );
    }
    if (keepAliveRace) {
      explanation.push(
        `The connection was a reused keep-alive one and failed before any response: the server likely closed it as idle (Node.js keepAliveTimeout 5 s, Apache KeepAliveTimeout 5 s) just as the request went out. A retry on a fresh connection usually succeeds.`,
      );
      evidence.push('reused keep-alive connection');
      nextSteps.push("Make the server's keep-alive timeout longer than the client's idle pool timeout, or retry idempotent requests once on a fresh connection");
    }
    if (timers.length === 0 && !keepAliveRace) {
      explanation.push(
        error.kind === 'timeout'
          ? 'Nothing came back for so long that the connection timed out: the server is stuck or a hop between dropped the flow.'
          : 'The server (or a hop in front of it) aborted the connection: a crash or restart of the backend process, a worker killed for taking too long, or a firewall resetting the flow are the usual causes; the elapsed time matches no known timer.',
      );
      nextSteps.push(`Check the server's logs at ${record.startedAt} for a crash, restart or killed worker`);
    }
    if (when === 'sending') {
      explanation.push('It died while the request body was going out: a server that refuses large or slow uploads often just closes the connection.');
      nextSteps.push('Check upload size limits and whether a smaller body goes through');
    }
    if (when === 'connecting' && error.stage === 'tls') {
      explanation.push('A reset during the TLS handshake is often a firewall or SNI filter, or a TLS version the server refuses.');
    }
    explanation.push(
      when === 'sending' || when === 'connecting'
        ? 'The server probably did not process the request.'
        : `The server may have processed the request before the connection died. ${retryCaution(method)}`,
    );
    explanation.push(`To confirm, run \`proxydoc replay ${record.seq}\` and compare when it fails.`);
    if (!isIdempotentMethod(method) && when !== 'sending' && when !== 'connecting') {
      nextSteps.push(`Check whether the ${method} took effect before retrying`);
    }
    return [{ rule: 'upstream-reset', severity: 'error', summary, explanation: explanation.join(' '), evidence, nextSteps }];
  },
};
