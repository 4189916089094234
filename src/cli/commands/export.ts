/**
 * `proxydoc export`: recorded requests as a curl command (to reproduce one outside the app), HAR (for devtools and
 * tickets) or raw HTTP bytes. Picks the records, calls the pure formatters in src/export, and does the I/O: the
 * output file, the body files curl reads, notes on stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { ExchangeRecord } from '../../model/exchange';
import { matchesFilter, parseFilterExpression } from '../../log/filter';
import { exportCurl, INLINE_BODY_MAX, ShellVariables } from '../../export/curl';
import { harDocument, harEntry, type HarEntry } from '../../export/har';
import { exportRaw } from '../../export/raw';
import { CommandError, CommandUsageError } from '../errors';
import type { CommandContext } from '../main';
import { readVersion } from '../version';
import { loadRecords, loadSelected, RECORDS_OPTIONS, recordsFileOf, resolveCommandConfig } from '../records';

const FORMATS = ['curl', 'har', 'raw'] as const;
type Format = (typeof FORMATS)[number];

export function exportCommand(context: CommandContext): CommandModule<object, Record<string, unknown>> {
  return {
    command: 'export [ids..]',
    describe: 'write recorded requests as curl commands, HAR or raw HTTP',
    builder: (parser: Argv) =>
      parser
        .usage(
          [
            'proxydoc export ID... | --all | --filter EXPR  [--format curl|har|raw] [options]',
            '',
            'Writes recorded requests so they can be sent again or shared. curl (the default) prints',
            'a bash command per request that sends the server the same bytes it received through',
            'proxydoc: method, raw target (%2F, //, /../ kept), headers in their order and letter',
            'case, body; bodies that are binary or over 64 KiB go to a file next to the output. har',
            'writes one HAR 1.2 document with the responses, timings and findings, for browser',
            'devtools. raw writes each request as HTTP/1.1 bytes, back to back. Credentials are',
            'masked unless --include-secrets; in curl commands they become shell variables to set',
            'first (# export TOKEN=… lines show each one\'s length and hash). Blind tunnels hold no',
            'request and are skipped, and so are WebSockets for curl.',
          ].join('\n'),
        )
        .positional('ids', {
          type: 'string',
          array: true,
          describe: 'records to export: a seq number (17 or #17), an id or a unique start of one, or "last"',
        })
        .options({
          all: {
            type: 'boolean',
            group: 'Selection:',
            describe: 'export every record',
          },
          filter: {
            type: 'string',
            requiresArg: true,
            group: 'Selection:',
            describe:
              'export the records matching every term: status=4xx,504 host=NAME method=POST rule=ID since=10m errors (space-separated)',
          },
          format: {
            type: 'string',
            requiresArg: true,
            group: 'Output:',
            // Checked in runExport rather than with yargs' `choices`, whose complaint spans two lines.
            describe: 'curl (default): bash commands; har: HAR 1.2 JSON; raw: HTTP/1.1 request bytes',
          },
          output: {
            alias: 'o',
            type: 'string',
            requiresArg: true,
            group: 'Output:',
            describe: 'write to this file instead of stdout (mode 0600 with --include-secrets)',
          },
          'body-dir': {
            type: 'string',
            requiresArg: true,
            group: 'Output:',
            describe: `curl only: directory for proxydoc-body-<seq>.bin, the bodies that are binary or over ${INLINE_BODY_MAX / 1024} KiB (default: the --output file's directory, else the current one)`,
          },
          'include-secrets': {
            type: 'boolean',
            group: 'Output:',
            describe: 'export credentials (Authorization, cookies, API keys, token parameters and fields) as they were sent',
          },
          ...RECORDS_OPTIONS,
        })
        .epilogue(
          [
            'Examples:',
            '  proxydoc export 17',
            '      Print a curl command that sends request #17 again.',
            '  export TOKEN=…; proxydoc export last | bash',
            '      Send the last request again, with the token it used set in the shell.',
            "  proxydoc export --filter 'status=5xx since=1h' --format har -o failures.har",
            '      The server errors of the last hour, for devtools or a ticket.',
            '  proxydoc export 17 --format raw | nc api.example.com 80',
            '      The exact request bytes of a plain-HTTP exchange, sent by hand.',
            '  proxydoc export --all --format har --include-secrets -o all.har',
            '      Everything, credentials included (the file is created with mode 0600).',
            '',
            'curl commands pin HTTP/1.1, keep the recorded Content-Length or chunked framing, and',
            'remove the headers curl would add by itself (-H \'User-Agent:\'). What curl cannot',
            'reproduce is said on stderr: it always sends Host first and spelled "Host", and the',
            'chunk boundaries of a chunked body may differ. A credential variable that is not set',
            'stops the command (${TOKEN:?}) instead of sending an empty one.',
            '',
            'Exit status: 0 when every selected record was exported as it was sent; 1 when a',
            'record could not be (a blind tunnel, a body captured only in part, credentials that',
            'stayed masked), when no record matched, or when the records cannot be read; 2 for a',
            'usage error.',
          ].join('\n'),
        ),
    handler: async (flags) => {
      context.setExitCode(await runExport(flags, context));
    },
  };
}

async function runExport(flags: Record<string, unknown>, context: CommandContext): Promise<number> {
  const { io } = context;
  const ids = ((flags.ids as unknown[] | undefined) ?? []).map(String);
  const format = (flags.format ?? 'curl') as Format;
  if (!FORMATS.includes(format)) throw new CommandUsageError(`unknown --format "${String(flags.format)}": use ${FORMATS.join(', ')}`);
  const includeSecrets = flags.includeSecrets === true;
  const selections = [ids.length > 0, flags.all === true, flags.filter !== undefined].filter(Boolean).length;
  if (selections !== 1) {
    throw new CommandUsageError(
      selections === 0
        ? 'say which records to export: give their seq numbers or ids, --all, or --filter EXPR'
        : 'give record ids, --all or --filter, only one of them',
    );
  }
  if (flags.bodyDir !== undefined && format !== 'curl') throw new CommandUsageError(`--body-dir applies to --format curl only, not ${format}`);
  // Parsed before anything is read, so a bad expression is a usage error even without records.
  const filter = flags.filter !== undefined ? parseFilterExpression(String(flags.filter)) : undefined;
  const output = flags.output !== undefined ? path.resolve(io.cwd, String(flags.output)) : undefined;

  let records: ExchangeRecord[];
  if (ids.length > 0) {
    records = (await loadSelected(flags, ids, context)).selected;
  } else {
    const file = recordsFileOf(resolveCommandConfig(flags, context).logDir);
    const all = (await loadRecords(file, context)).records;
    if (filter) {
      const now = Date.now(); // `since=10m` counts back from now; the filter itself is pure
      records = all.filter((record) => matchesFilter(record, filter, now));
      if (records.length === 0) throw new CommandError(`no record matches --filter ${JSON.stringify(String(flags.filter))} (${all.length} in ${file})`, 'PROXYDOC_ERR_NO_MATCH');
    } else {
      records = all;
      if (records.length === 0) throw new CommandError(`no records in ${file} yet; send some traffic through proxydoc first`, 'PROXYDOC_ERR_NO_MATCH');
    }
  }

  let failed = 0;
  const note = (record: ExchangeRecord, text: string): void => io.stderr(`proxydoc: #${record.seq}: ${text}\n`);
  const skip = (record: ExchangeRecord, reason: string): void => {
    failed += 1;
    note(record, `not exported: it is ${reason}`);
  };

  let result: string | Buffer | undefined;
  let exported = 0;
  if (format === 'curl') {
    const bodyDir = path.resolve(io.cwd, flags.bodyDir !== undefined ? String(flags.bodyDir) : output !== undefined ? path.dirname(output) : '.');
    const variables = new ShellVariables();
    const scripts: string[] = [];
    for (const record of records) {
      const curl = exportCurl(record, { includeSecrets, bodyDir, variables });
      if ('unsupported' in curl) {
        skip(record, curl.unsupported);
        continue;
      }
      if (curl.bodyFile) {
        writeExportFile(curl.bodyFile.path, curl.bodyFile.bytes, { private: true });
        note(record, `body (${curl.bodyFile.bytes.length} bytes) written to ${curl.bodyFile.path}, which the command reads`);
      }
      for (const text of curl.notes) note(record, text);
      if (curl.incomplete) failed += 1;
      scripts.push(curl.script);
      exported += 1;
    }
    if (exported > 0) result = scripts.join('\n');
  } else if (format === 'har') {
    const entries: HarEntry[] = [];
    for (const record of records) {
      const entry = harEntry(record, { includeSecrets });
      if ('unsupported' in entry) skip(record, entry.unsupported);
      else entries.push(entry);
    }
    exported = entries.length;
    if (exported > 0) result = `${JSON.stringify(harDocument(entries, { creatorVersion: readVersion(), includeSecrets }), null, 2)}\n`;
  } else {
    const messages: Buffer[] = [];
    for (const record of records) {
      const raw = exportRaw(record, { includeSecrets });
      if ('unsupported' in raw) {
        skip(record, raw.unsupported);
        continue;
      }
      for (const text of raw.notes) note(record, text);
      if (raw.incomplete) failed += 1;
      messages.push(raw.bytes);
    }
    exported = messages.length;
    if (exported > 0) result = Buffer.concat(messages);
  }

  if (result !== undefined) {
    if (output !== undefined) {
      writeExportFile(output, result, { private: includeSecrets });
      io.stderr(`proxydoc: wrote ${exported} request${exported === 1 ? '' : 's'} to ${output}\n`);
    } else {
      io.stdout(result);
    }
  }
  if (failed > 0) {
    io.stderr(`proxydoc: ${failed} of ${records.length} selected record${records.length === 1 ? '' : 's'} could not be exported as sent (see above)\n`);
    return 1;
  }
  return 0;
}

/**
 * Writes a file; private ones (credentials, request bodies) get mode 0600 even when the file already existed,
 * set on the open descriptor before any byte is written.
 */
function writeExportFile(file: string, data: string | Buffer, options: { private: boolean }): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'w', options.private ? 0o600 : 0o666);
  } catch (error) {
    throw new CommandError(`cannot write ${file}: ${(error as Error).message}; choose another --output or --body-dir`, 'PROXYDOC_ERR_WRITE');
  }
  try {
    if (options.private) fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, data);
  } catch (error) {
    throw new CommandError(`cannot write ${file}: ${(error as Error).message}`, 'PROXYDOC_ERR_WRITE');
  } finally {
    fs.closeSync(fd);
  }
}

