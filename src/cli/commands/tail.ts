/**
 * `proxydoc tail`: the records as the annotated log, filtered, optionally followed like `tail -F`.
 * Reads exchanges.jsonl (not proxydoc.log) so filters can look at status, host and findings, and so colour can be
 * added on a terminal; the text is the same formatter proxydoc.log uses.
 */
import type { Argv, CommandModule } from 'yargs';
import type { ExchangeRecord } from '../../model/exchange';
import { followRecordsFile } from '../../log/reader';
import {
  isEmptyFilter,
  matchesFilter,
  mergeFilters,
  parseHostList,
  parseMethodList,
  parseRuleList,
  parseSince,
  parseStatusList,
  type RecordFilter,
} from '../../log/filter';
import { redactRecord } from '../../log/redact';
import { formatAnnotated } from '../../present/exchange-line';
import { CommandUsageError } from '../errors';
import type { CommandContext } from '../main';
import { COLOR_OPTIONS, colorEnabled } from '../output';
import { loadRecords, NO_RECORDS_FILE, RECORDS_OPTIONS, recordsFileOf, reportCorrupt, resolveCommandConfig } from '../records';

const DEFAULT_LINES = 10;

export interface TailServices {
  /** Resolves when the user stops following (Ctrl-C); injected by tests. */
  waitForStop: () => Promise<void>;
  nowMs: () => number;
}

export function tailCommand(context: CommandContext, services: Partial<TailServices> = {}): CommandModule<object, Record<string, unknown>> {
  return {
    command: 'tail',
    describe: 'print recorded exchanges as the annotated log, filtered, optionally following',
    builder: (parser: Argv) =>
      parser
        .usage(
          [
            'proxydoc tail [options]',
            '',
            'Prints the last exchanges recorded in --log-dir the way proxydoc.log shows them: one',
            'line per exchange (time, seq, method, URL, status, duration per phase, sizes) followed',
            'by its findings. Filters combine: an exchange is shown when it matches every filter',
            'given, and any of the values listed in one filter. With --follow, new exchanges are',
            'printed as the proxy records them, also after the file was replaced by a new run.',
            'Secrets are redacted, --json included, unless --include-secrets; colour is used on a',
            'terminal.',
          ].join('\n'),
        )
        .options({
          follow: {
            alias: 'f',
            type: 'boolean',
            group: 'Following:',
            describe: 'keep printing new exchanges until Ctrl-C (like tail -F)',
          },
          lines: {
            alias: 'n',
            type: 'string',
            requiresArg: true,
            group: 'Following:',
            describe: `how many of the matching exchanges already recorded to print first (default ${DEFAULT_LINES}; "all" for every one)`,
          },
          status: {
            type: 'string',
            requiresArg: true,
            group: 'Filters:',
            describe: 'status codes, classes or ranges: 404, 4xx, 500-504, comma-separated',
          },
          host: {
            type: 'string',
            requiresArg: true,
            group: 'Filters:',
            describe: 'target hosts; a name also matches its subdomains; host:port pins the port',
          },
          method: {
            type: 'string',
            requiresArg: true,
            group: 'Filters:',
            describe: 'request methods, e.g. POST,PUT',
          },
          rule: {
            type: 'string',
            requiresArg: true,
            group: 'Filters:',
            describe: 'exchanges with a finding of this rule id (docs/diagnoses.md), comma-separated',
          },
          errors: {
            type: 'boolean',
            group: 'Filters:',
            describe: 'only exchanges with an error-level finding or a transport error',
          },
          since: {
            type: 'string',
            requiresArg: true,
            group: 'Filters:',
            describe: 'only exchanges started within this duration (30s, 10m, 2h, 1d) or since a time (2026-11-21T20:00)',
          },
          json: {
            type: 'boolean',
            group: 'Output:',
            describe: 'print the full records as JSON lines for jq, masked unless --include-secrets',
          },
          'include-secrets': {
            type: 'boolean',
            group: 'Output:',
            describe: 'with --json, print credentials as recorded (as in exchanges.jsonl) instead of masked',
          },
          utc: {
            type: 'boolean',
            group: 'Output:',
            describe: 'show times in UTC instead of the local time zone',
          },
          ...COLOR_OPTIONS,
          ...RECORDS_OPTIONS,
        })
        .epilogue(
          [
            'Examples:',
            '  proxydoc tail -f',
            '      Watch exchanges as they happen, with their findings.',
            '  proxydoc tail --errors --since 10m',
            '      What failed in the last ten minutes.',
            '  proxydoc tail --status 4xx,504 --host api.example.com -n 50',
            '      The last 50 client errors and gateway timeouts from api.example.com.',
            '  proxydoc tail --rule encoded-slash -f',
            '      Follow only exchanges where an intermediary mangled a %2F.',
            '  proxydoc tail --json --status 5xx | jq .response.headers',
            '      The raw records, for scripts.',
            '',
            'A half-written last line (the proxy is writing it) is waited for; a corrupt line is',
            'reported once on stderr and skipped.',
            '',
            'Exit status: 0 (also when nothing matched, and after Ctrl-C with --follow); 1 when the',
            'records cannot be read; 2 for a usage error.',
          ].join('\n'),
        ),
    handler: async (flags) => {
      context.setExitCode(await runTail(flags, context, { waitForStop: defaultWaitForStop(context), nowMs: Date.now, ...services }));
    },
  };
}

function defaultWaitForStop(context: CommandContext): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      const unsubscribe = context.services.onShutdownSignal(() => {
        unsubscribe();
        resolve();
      });
    });
}

/** The filter the flags describe; each bad value is a usage error naming the flag. */
export function filterFromFlags(flags: Record<string, unknown>, parseTime?: (iso: string) => number): RecordFilter {
  const parts: RecordFilter[] = [];
  const text = (name: string): string | undefined => {
    const value = flags[name];
    if (value === undefined) return undefined;
    // A flag given twice arrives as an array; both lists apply (OR), like a comma.
    return Array.isArray(value) ? value.join(',') : String(value);
  };
  try {
    const status = text('status');
    if (status !== undefined) parts.push({ statuses: parseStatusList(status) });
    const host = text('host');
    if (host !== undefined) parts.push({ hosts: parseHostList(host) });
    const method = text('method');
    if (method !== undefined) parts.push({ methods: parseMethodList(method) });
    const rule = text('rule');
    if (rule !== undefined) parts.push({ rules: parseRuleList(rule) });
    const since = text('since');
    if (since !== undefined) parts.push(parseSince(since, parseTime));
  } catch (error) {
    throw new CommandUsageError((error as Error).message);
  }
  if (flags.errors === true) parts.push({ errorsOnly: true });
  return mergeFilters(...parts);
}

function parseLineCount(value: unknown): number {
  if (value === undefined) return DEFAULT_LINES;
  const text = String(value).trim();
  if (text === 'all') return Infinity;
  if (!/^\d+$/.test(text)) throw new CommandUsageError(`invalid -n/--lines "${text}": use a whole number (0 for none) or "all"`);
  return Number(text);
}

export async function runTail(flags: Record<string, unknown>, context: CommandContext, services: TailServices): Promise<number> {
  const lineCount = parseLineCount(flags.lines);
  const filter = filterFromFlags(flags);
  const config = resolveCommandConfig(flags, context);
  const file = recordsFileOf(config.logDir);
  const follow = flags.follow === true;
  const json = flags.json === true;
  // Like `show --json`: JSON lines end up in terminals, tickets and CI logs as often as in jq.
  const includeSecrets = flags.includeSecrets === true;
  const color = !json && colorEnabled(flags, context.io);
  const timeZone = flags.utc === true ? 'utc' : 'local';
  const filtered = !isEmptyFilter(filter);

  const print = (record: ExchangeRecord): void => {
    if (filtered && !matchesFilter(record, filter, services.nowMs())) return;
    if (json) {
      context.io.stdout(`${JSON.stringify(includeSecrets ? record : redactRecord(record))}\n`);
      return;
    }
    // The same formatter as proxydoc.log, which redacts the URL and what findings quote.
    context.io.stdout(`${formatAnnotated(record, { color, timeZone })}\n`);
  };

  let start: { size: number; ino: number } | undefined;
  try {
    const read = await loadRecords(file, context);
    const matching = filtered ? read.records.filter((record) => matchesFilter(record, filter, services.nowMs())) : read.records;
    const shown = lineCount === Infinity ? matching : matching.slice(Math.max(0, matching.length - lineCount));
    for (const record of shown) print(record);
    start = { size: read.size, ino: read.ino };
  } catch (error) {
    // Following a proxy that has not written anything yet is normal: wait for the file like `tail -F` does.
    if (!follow || (error as { code?: string }).code !== NO_RECORDS_FILE) throw error;
    context.io.stderr(`proxydoc: waiting for ${file} to appear\n`);
  }
  if (!follow) return 0;

  const follower = followRecordsFile(file, start, {
    onRecords: (records) => records.forEach(print),
    onCorrupt: (lines) => reportCorrupt(file, lines, context),
    onReset: () => context.io.stderr(`proxydoc: ${file} was replaced; reading it from the start\n`),
  });
  try {
    await services.waitForStop();
  } finally {
    follower.stop();
  }
  return 0;
}
