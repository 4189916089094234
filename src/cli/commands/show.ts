/**
 * `proxydoc show ID…`: one or more recorded exchanges in full, read from exchanges.jsonl.
 */
import type { Argv, CommandModule } from 'yargs';
import { parseByteSize } from '../../config';
import { redactRecord } from '../../log/redact';
import type { ExchangeRecord } from '../../model/exchange';
import { formatExchangeDetail, recordSeparator } from '../../present/exchange-detail';
import { CommandUsageError } from '../errors';
import type { CommandContext } from '../main';
import { COLOR_OPTIONS, colorEnabled } from '../output';
import { loadSelected, RECORDS_OPTIONS } from '../records';

const DEFAULT_BODY_LIMIT = 64 * 1024;

export function showCommand(context: CommandContext): CommandModule<object, Record<string, unknown>> {
  return {
    command: 'show [ids..]',
    describe: 'print recorded exchanges in full: headers, bodies, timing, errors and findings',
    builder: (parser: Argv) =>
      parser
        .usage(
          [
            'proxydoc show ID... [options]',
            '',
            'Prints recorded exchanges in full from exchanges.jsonl in --log-dir: the request and',
            'response headers in their original order and case, the bodies (JSON reindented,',
            'binary as a hex dump, gzip/deflate/br decoded), the time spent in each phase, the',
            'connection, the transport error or tunnel if any, and every finding with its',
            'explanation, evidence and next steps. Credentials are masked as in proxydoc.log',
            'unless --include-secrets is given. Control characters that came off the wire are',
            'printed as visible escapes (\\x1b), so a body cannot act on the terminal.',
          ].join('\n'),
        )
        .positional('ids', {
          type: 'string',
          array: true,
          // Required, but checked in the handler for a clearer message than yargs' "not enough arguments";
          // no default, so the help does not advertise `[]`.
          default: undefined,
          describe: 'the exchanges: a seq number (17 or "#17"), an id or a unique start of one (4+ characters), or last',
        })
        .options({
          'include-secrets': {
            type: 'boolean',
            group: 'Output:',
            describe: 'show Authorization, cookies, tokens and passwords as recorded instead of masked; mind where the output goes',
          },
          json: {
            type: 'boolean',
            group: 'Output:',
            describe: 'print the record as JSON (an array when several IDs are given), masked unless --include-secrets',
          },
          'body-limit': {
            type: 'string',
            requiresArg: true,
            group: 'Output:',
            describe: 'bytes of each body to print: a number, or 512k, 1m (binary units); 0 prints none (default 64k)',
          },
          utc: {
            type: 'boolean',
            group: 'Output:',
            describe: "print the start time in UTC instead of this machine's time zone",
          },
          ...COLOR_OPTIONS,
          ...RECORDS_OPTIONS,
        })
        .epilogue(
          [
            'Examples:',
            '  proxydoc show last',
            '      The most recent exchange.',
            "  proxydoc show 17 '#18' mi8x2k",
            '      Exchanges #17 and #18 (quote #, the shell reads it as a comment) and the',
            '      one whose id starts with mi8x2k, separated by a rule.',
            '  proxydoc show 17 --body-limit 1m',
            '      All of each body as recorded (proxydoc start keeps at most',
            '      --max-body-capture, 1 MiB by default, of each).',
            '  proxydoc show last --json | jq .response.headers',
            '      The record for scripts, credentials masked.',
            '  proxydoc show 17 --include-secrets',
            '      The real Authorization header and tokens, e.g. to compare them by eye.',
            '',
            'Masking: a secret becomes ‹812 chars, sha256:3f2a9c›, so two values can still be',
            'compared; a JWT also shows its claims (exp, aud, scope…), never its signature.',
            '',
            'Exit status: 0 when every exchange was printed; 1 when there are no records or an ID',
            'matches none (nothing is printed then); 2 for a usage error.',
          ].join('\n'),
        ),
    handler: async (flags) => {
      context.setExitCode(await runShow(flags, context));
    },
  };
}

export async function runShow(flags: Record<string, unknown>, context: CommandContext): Promise<number> {
  // Without an ID yargs hands over [undefined] (the positional has no default, see above).
  const ids = ((flags.ids as unknown[] | undefined) ?? []).filter((id) => id !== undefined).map(String);
  if (ids.length === 0) throw new CommandUsageError('give the exchange to show: a seq number (17), an id, or last');
  const maxBodyBytes = parseBodyLimit(flags.bodyLimit);
  const includeSecrets = flags.includeSecrets === true;
  // Every ID is resolved before anything is printed, so a typo in the third one doesn't leave half an answer.
  const { selected } = await loadSelected(flags, ids, context);

  if (flags.json === true) {
    const shown = selected.map((record) => (includeSecrets ? record : redactRecord(record)));
    context.io.stdout(`${terminalSafeJson(shown.length === 1 ? shown[0] : shown)}\n`);
    return 0;
  }
  const color = colorEnabled(flags, context.io);
  const options = { color, timeZone: flags.utc === true ? 'utc' : 'local', includeSecrets, maxBodyBytes } as const;
  const texts = selected.map((record: ExchangeRecord) => formatExchangeDetail(record, options));
  context.io.stdout(`${texts.join(`\n\n${recordSeparator(color)}\n\n`)}\n`);
  return 0;
}

function parseBodyLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_BODY_LIMIT;
  const bytes = typeof value === 'string' ? parseByteSize(value) : undefined;
  if (bytes === undefined) {
    throw new CommandUsageError(`--body-limit ${JSON.stringify(value)} is not a size: give bytes, or a number with a binary suffix like 64k or 1m`);
  }
  return bytes;
}

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 controls, line separators and bidi overrides raw, which a
 * terminal may act on. They can only occur inside strings, where a \u escape means the same character.
 */
function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
