/**
 * What every command that reads records shares: the `--log-dir`/`--config` options (resolved exactly as `start`
 * resolves them, so `proxydoc tail` finds what `proxydoc start` wrote with the same settings), loading
 * exchanges.jsonl with one clear line for each problem, and picking records by reference.
 */
import * as path from 'node:path';
import type { Options } from 'yargs';
import { CONFIG_ENV_VARS, resolveConfig, type ProxyConfig } from '../config';
import type { ExchangeRecord } from '../model/exchange';
import { readRecordsFile, type CorruptLine, type RecordsRead } from '../log/reader';
import { selectRecord } from '../log/select';
import { RECORDS_FILE } from '../capture/recorder';
import { CommandError } from './errors';
import type { CommandContext } from './main';

/** The yargs options for finding the records; spread into a command's `.options({...})`. */
export const RECORDS_OPTIONS = {
  'log-dir': {
    type: 'string',
    requiresArg: true,
    group: 'Records:',
    describe: `directory proxydoc start writes to (default ./logs); env ${CONFIG_ENV_VARS.logDir}`,
  },
  config: {
    type: 'string',
    requiresArg: true,
    group: 'Records:',
    describe: 'JSON config file, as for start; env PROXYDOC_CONFIG',
  },
} as const satisfies Record<string, Options>;

/** The full configuration as `start` would resolve it from the same flags, file and environment. */
export function resolveCommandConfig(flags: Record<string, unknown>, context: CommandContext): ProxyConfig {
  return resolveConfig({
    flags: { logDir: flags.logDir, config: flags.config },
    env: context.io.env,
    readFile: context.services.readFile,
    cwd: context.io.cwd,
  });
}

export function recordsFileOf(logDir: string): string {
  return path.join(logDir, RECORDS_FILE);
}

/** Reads exchanges.jsonl; a missing or unreadable file becomes one line saying what to do. */
export async function loadRecords(file: string, context: CommandContext): Promise<RecordsRead> {
  let read: RecordsRead;
  try {
    read = await readRecordsFile(file);
  } catch (error) {
    throw recordsFileError(file, error as NodeJS.ErrnoException);
  }
  reportCorrupt(file, read.corrupt, context);
  return read;
}

/** The error code of a log directory without exchanges.jsonl (yet): `tail -f` waits for it instead of failing. */
export const NO_RECORDS_FILE = 'PROXYDOC_ERR_NO_RECORDS';

export function recordsFileError(file: string, error: NodeJS.ErrnoException): CommandError {
  if (error.code === 'ENOENT') {
    return new CommandError(
      `no records: ${file} does not exist; run \`proxydoc start\` (and send traffic through it) or pass --log-dir`,
      NO_RECORDS_FILE,
    );
  }
  if (error.code === 'EACCES') {
    return new CommandError(`cannot read ${file}: permission denied (it is mode 0600; run as the user who started proxydoc)`, 'PROXYDOC_ERR_RECORDS_UNREADABLE');
  }
  return new CommandError(`cannot read ${file}: ${error.message}`, 'PROXYDOC_ERR_RECORDS_UNREADABLE');
}

/** Corrupt lines are skipped and reported once, with where they are, so nothing disappears silently. */
export function reportCorrupt(file: string, corrupt: readonly CorruptLine[], context: CommandContext): void {
  if (corrupt.length === 0) return;
  const first = corrupt[0];
  const more = corrupt.length > 1 ? ` and ${corrupt.length - 1} more` : '';
  context.io.stderr(`proxydoc: skipped a corrupt line in ${file} (line ${first.lineNumber}: ${first.reason})${more}\n`);
}

/** Loads the records and resolves each reference (seq, id, id prefix, `last`), in the order given. */
export async function loadSelected(flags: Record<string, unknown>, references: readonly string[], context: CommandContext): Promise<{ config: ProxyConfig; records: ExchangeRecord[]; selected: ExchangeRecord[]; file: string }> {
  const config = resolveCommandConfig(flags, context);
  const file = recordsFileOf(config.logDir);
  const { records } = await loadRecords(file, context);
  const selected = references.map((reference) => selectRecord(records, String(reference), file));
  return { config, records, selected, file };
}
