/**
 * `proxydoc replay N --probe`: sends each probe variant of N's findings (replay/probes.ts) through the replay
 * session, one at a time so their seqs read in order, shows each replay's exchange line, then the verdict.
 * Exit status: 0 when at least one hypothesis was confirmed, 1 when none was (or N has nothing to probe),
 * 2 when N's method is not idempotent and --yes was not given (nothing is sent then).
 */
import type { ExchangeRecord } from '../model/exchange';
import { redactProse } from '../log/redact';
import { formatExchangeLine } from '../present/exchange-line';
import { paint, printable, type Style } from '../present/format';
import { isIdempotentMethod } from '../replay/plan';
import { judgeProbe, noProbeMessage, probesFor, type ProbeOutcome, type ProbeVerdict } from '../replay/probes';
import type { ReplaySession } from '../replay/session';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './main';

export interface ProbeOptions {
  session: ReplaySession;
  /** Send the variants even when the method is not idempotent. */
  yes: boolean;
  color: boolean;
  io: CliIo;
}

/** Per-variant failures that leave the other variants worth sending: the plan refused it, or Node would not send it. */
const VARIANT_NOT_SENT = new Set(['PROXYDOC_ERR_REPLAY_REFUSED', 'PROXYDOC_ERR_REPLAY_UNSENDABLE']);

const VERDICT_STYLE: Record<ProbeVerdict['verdict'], Style> = { confirmed: 'green', refuted: 'red', inconclusive: 'yellow' };

export async function runProbes(original: ExchangeRecord, options: ProbeOptions): Promise<number> {
  const { session, yes, color, io } = options;
  const plans = probesFor(original);
  if (plans.length === 0) {
    io.stderr(`proxydoc: ${noProbeMessage(original)}\n`);
    return EXIT_FAILURE;
  }
  const method = original.request.method;
  if (!yes && !isIdempotentMethod(method)) {
    // RFC 9110 §9.2.2: repeating a POST/PATCH may create or change something each time (a second issue, a charge).
    const count = plans.reduce((sum, plan) => sum + plan.variants.length, 0);
    io.stderr(
      `proxydoc: #${original.seq} is a ${printable(method)}, which is not idempotent: probing sends it ${count} more time${count === 1 ? '' : 's'}, ` +
        'each of which the server may act on; pass --yes to send them\n',
    );
    return EXIT_USAGE;
  }

  let confirmed = false;
  for (const plan of plans) {
    io.stdout(`${paint(`probe ${plan.rule}`, 'bold', color)} on #${original.seq}: ${clean(plan.hypothesis)}\n`);
    const outcomes: ProbeOutcome[] = [];
    for (const variant of plan.variants) {
      io.stdout(`  ${clean(variant.label)}\n`);
      try {
        const replay = await session.replay(original, variant.edits);
        outcomes.push({ variant, replay });
        io.stdout(`    ${formatExchangeLine(replay, { color, timeZone: 'local' })}\n`);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || !VARIANT_NOT_SENT.has(code)) throw error;
        io.stdout(`    ${paint('not sent', 'yellow', color)}: ${clean((error as Error).message)}\n`);
      }
    }
    const verdict = judgeProbe(original, plan, outcomes);
    if (verdict.verdict === 'confirmed') confirmed = true;
    const [headline, ...rest] = verdict.lines.map(clean);
    io.stdout(`${paint(headline, VERDICT_STYLE[verdict.verdict], color)}\n`);
    for (const line of rest) io.stdout(`  ${line}\n`);
  }
  return confirmed ? EXIT_OK : EXIT_FAILURE;
}

/** Labels and verdicts never hold a credential by construction; findings' words are redacted like the log's. */
function clean(text: string): string {
  return printable(redactProse(text)).trim();
}
