/**
 * client-aborted: the client closed its connection to proxydoc before the response ended. When the elapsed time
 * matches a client default (undici headersTimeout 300 s, OkHttp 10 s …), a common round timeout (10/30/60 s) or the
 * user's configured threshold, the client's own timeout tripped: the server was slower than the client would wait.
 */
import type { Rule, UserTimeout } from '../rule';
import type { TimeoutFact } from '../knowledge/types';
import {
  CLIENT_TIMEOUT_HINTS,
  TIMEOUTS,
  describeTimeout,
  formatElapsed,
  formatSeconds,
  timerOf,
  userTimeoutFact,
  withinTolerance,
} from '../knowledge/timeouts';
import { hostOf, isIdempotentMethod, joinList } from './gateway-timeout';

/** Round figures people and frameworks pick for client timeouts. */
export const ROUND_CLIENT_TIMEOUTS_SECONDS: readonly number[] = [10, 30, 60];

/**
 * Client-side timeouts an elapsed time matches: the user's first, then known client defaults. Connect timers (curl
 * --connect-timeout, undici connectTimeout) can't be it — a recorded exchange means the client's connection to
 * proxydoc was already up — and keep-alive timers close idle sockets, not requests.
 */
function clientTimeoutsMatching(elapsedSeconds: number, userTimeouts: readonly UserTimeout[]): TimeoutFact[] {
  const clientFacts: TimeoutFact[] = [...TIMEOUTS, ...CLIENT_TIMEOUT_HINTS].filter(
    (fact) => fact.layer === 'client' && timerOf(fact) === 'response',
  );
  return [...userTimeouts.map(userTimeoutFact), ...clientFacts].filter(
    (fact) => fact.seconds > 0 && withinTolerance(elapsedSeconds, fact.seconds),
  );
}

export const clientAborted: Rule = {
  id: 'client-aborted',
  description: "The client closed the connection before the response ended: whether its own timeout tripped.",
  check(record, context) {
    if (record.error?.kind !== 'client-aborted') return [];
    const elapsedSeconds = record.phases.total / 1000;
    const elapsed = formatElapsed(elapsedSeconds);
    const method = record.request.method.toUpperCase();
    const known = clientTimeoutsMatching(elapsedSeconds, context.userTimeouts);
    const round = ROUND_CLIENT_TIMEOUTS_SECONDS.find((seconds) => withinTolerance(elapsedSeconds, seconds));
    const matched = known.length > 0 || round !== undefined;
    const response = record.response;
    const waitingForHeaders = !response;

    let summary: string;
    if (known.length > 0) {
      summary = `The client gave up after ${elapsed} s, before the response ended — its own timeout tripped (matches ${describeTimeout(known[0])}).`;
    } else if (round !== undefined) {
      summary = `The client gave up after ${elapsed} s, before the response ended — its own timeout tripped (${round} s is a common client timeout).`;
    } else {
      summary = `The client closed the connection after ${elapsed} s, before the response ended.`;
    }

    const explanation: string[] = [];
    const evidence: string[] = [`client closed after ${elapsed} s`];
    if (matched) {
      const names = known.slice(0, 3).map(describeTimeout);
      if (round !== undefined) names.push(`a round ${round} s timeout`);
      explanation.push(
        `${elapsed} s matches ${joinList(names)}, so the client's own timeout likely tripped: the server was slower than the client is willing to wait.`,
      );
      evidence.push(...names.map((name) => `≈ ${name}`));
    } else {
      explanation.push(
        `${elapsed} s matches no common client timeout: possibly a custom timeout in the app, a user cancelling, or the app closing the connection once it had what it needed.`,
      );
    }
    if (waitingForHeaders) {
      explanation.push(`${hostOf(record)} had not started answering after ${elapsed} s.`);
      evidence.push('no response headers yet');
    } else {
      explanation.push(`The ${response.status} headers had arrived; the client stopped during the body (a read/body timeout, or it stopped reading).`);
      evidence.push(`${response.status} headers received, ${response.body.size} body bytes`);
    }
    explanation.push(
      `The server may still complete the request even though the client gave up${isIdempotentMethod(method) ? '' : `, so an automatic retry of this ${method} may do it twice`}.`,
    );
    explanation.push(`To see how long the server really takes, run \`proxydoc replay ${record.seq}\` — the replay has no client timeout.`);

    const nextSteps: string[] = [];
    if (matched) nextSteps.push(`Raise the client's timeout above the server's real response time (now about ${formatSeconds(known[0]?.seconds ?? round ?? elapsedSeconds)} s)`);
    else nextSteps.push('Check the app for a timeout or cancellation near this duration');
    nextSteps.push('Or make the server faster, or the operation asynchronous (202 and poll)');
    if (!isIdempotentMethod(method)) nextSteps.push(`Check whether the ${method} took effect before the app retries it`);

    // Matched, or waited a while without any response: that is why the call failed. A quick close is possibly intent.
    const severity = matched || (waitingForHeaders && elapsedSeconds >= 5) ? 'error' : 'warn';
    return [{ rule: 'client-aborted', severity, summary, explanation: explanation.join(' '), evidence, nextSteps }];
  },
};
