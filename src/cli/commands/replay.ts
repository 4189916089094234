/**
 * `proxydoc replay ID`: sends a recorded request again, exactly or with edits, records the replay as a new exchange
 * (replayOf = the original's id, diagnosed like any other) and prints it with what changed since the original.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { CONFIG_ENV_VARS, resolveConfig, type ProxyConfig } from '../../config';
import { redactRecord } from '../../log/redact';
import { selectRecord } from '../../log/select';
import type { ExchangeRecord } from '../../model/exchange';
import { formatAnnotated } from '../../present/exchange-line';
import { formatReplayComparison } from '../../present/replay-comparison';
import { isIdempotentMethod, planReplay, type ReplayEdits } from '../../replay/plan';
import { ReplaySession } from '../../replay/session';
import { CommandUsageError } from '../errors';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CommandContext } from '../main';
import { COLOR_OPTIONS, colorEnabled } from '../output';
import { loadRecords, RECORDS_OPTIONS, recordsFileOf } from '../records';
import { withTypedBooleans } from './start';

const EDIT_FLAGS = ['header', 'remove-header', 'method', 'url', 'body'] as const;

export function replayCommand(context: CommandContext): CommandModule<object, Record<string, unknown>> {
  return {
    command: 'replay <id>',
    describe: 'send a recorded request again, exactly or edited, and compare the answers',
    builder: (parser: Argv) =>
      parser
        .usage(
          [
            'proxydoc replay <id> [options]',
            '',
            'Sends the request of a recorded exchange again, exactly as proxydoc sent it upstream:',
            'same method, raw request target (%2F, // untouched), header names in their order and',
            'case, same body bytes. Hop-by-hop headers the proxy never forwards (Proxy-Authorization,',
            'Proxy-Connection, Connection…) stay out, as on the first trip. It goes straight to the',
            'target (or through the upstreamProxy of the config, like proxydoc start), or through',
            '--via. The replay is recorded in --log-dir as a new exchange pointing at the original,',
            'diagnosed like any other, and printed with what changed: status, response headers, the',
            'edits, timing and findings. Secrets are redacted in everything printed.',
            '',
            'ID is a seq number (17 or #17), a record id or a unique start of one, or "last".',
          ].join('\n'),
        )
        .positional('id', { type: 'string', describe: 'the exchange to replay: 17, #17, an id (prefix), or last' })
        .options({
          header: {
            alias: 'H',
            type: 'string',
            requiresArg: true,
            group: 'Edits:',
            describe: "'Name: value' replaces every header of that name (any letter case) with this one, where the first was, or adds it; repeatable",
          },
          'remove-header': {
            type: 'string',
            requiresArg: true,
            group: 'Edits:',
            describe: 'removes every header of this name (any letter case); repeatable',
          },
          method: {
            alias: 'X',
            type: 'string',
            requiresArg: true,
            group: 'Edits:',
            describe: 'sends this method instead (case-sensitive, RFC 9110 §9.1)',
          },
          url: {
            type: 'string',
            requiresArg: true,
            group: 'Edits:',
            describe: 'sends to this absolute http(s) URL instead, as written (no normalisation); Host follows it',
          },
          body: {
            type: 'string',
            requiresArg: true,
            group: 'Edits:',
            describe: 'sends this body instead: @FILE (its bytes), - (standard input) or the text itself; Content-Length follows it',
          },
          via: {
            type: 'string',
            requiresArg: true,
            group: 'Route:',
            describe: 'sends through this http:// proxy (a running proxydoc, a corporate proxy): plain HTTP in absolute form, HTTPS through CONNECT; "" goes direct even when the config names an upstreamProxy',
          },
          yes: {
            alias: 'y',
            type: 'boolean',
            group: 'Safety:',
            describe: 'sends a non-idempotent method (POST, PATCH…, RFC 9110 §9.2.2) without refusing',
          },
          probe: {
            type: 'boolean',
            group: 'Probing:',
            describe: 'replays variations of the request to find what makes it fail; takes no edits',
          },
          'upstream-ca': {
            type: 'string',
            requiresArg: true,
            group: 'Certificates and TLS:',
            describe: `PEM file of an extra CA to trust for the target (or --via proxydoc's CA); repeatable; env ${CONFIG_ENV_VARS.upstreamCa}`,
          },
          'insecure-upstream': {
            type: 'boolean',
            group: 'Certificates and TLS:',
            describe: `do NOT verify the target's TLS certificate; prefer --upstream-ca; env ${CONFIG_ENV_VARS.insecureUpstream}`,
          },
          'connect-timeout': {
            type: 'string',
            requiresArg: true,
            group: 'Certificates and TLS:',
            describe: `seconds to wait for the TCP + TLS connection, > 0 (default 30); env ${CONFIG_ENV_VARS.connectTimeoutMs}`,
          },
          json: {
            type: 'boolean',
            group: 'Output:',
            describe: 'prints the replay record as one JSON line, secrets redacted, instead of the text',
          },
          ...COLOR_OPTIONS,
          ...RECORDS_OPTIONS,
        })
        .epilogue(
          [
            'Examples:',
            '  proxydoc replay 17',
            '      Send #17 again as it was and compare the answer with the first one.',
            "  proxydoc replay 17 -H 'Authorization: Bearer eyJhbGciOi…'",
            '      Retry with a fresh token: did the 401 turn into a 200?',
            '  proxydoc replay last --remove-header Accept-Encoding',
            '      Without compression, to read the error body.',
            '  proxydoc replay 17 --url https://api.example.com/v4/projects/acme%2Fbackend',
            '      The same call to another host or path.',
            '  proxydoc replay 23 --yes --body @issue.json',
            '      Re-send a POST with the body from a file (Content-Length follows it).',
            '  proxydoc replay 17 --via http://127.0.0.1:8080 --upstream-ca certs/ca.pem',
            '      Through a running proxydoc (which then sees it too) or a corporate proxy.',
            '  proxydoc replay 17 --probe',
            '      Try variations of #17 to narrow down what makes it fail.',
            '',
            'Framing: a request that came chunked is sent chunked again (the body recorded is',
            'decoded; Node re-frames it). With --body, an existing Content-Length is set to the',
            'new size unless --header sets it, and a body with no framing header gets one. A',
            'request body truncated at capture (--max-body-capture) can only be replayed with',
            '--body. Blind tunnels and WebSockets are not replayed. Each replay opens a fresh',
            'connection. A text body starting with @ has to come from a file or standard input.',
            '',
            'Exit status: 0 when the replay got a 1xx-3xx answer; 1 for a 4xx/5xx answer, a',
            'transport failure, or records that cannot be read; 2 for a usage error, including a',
            'replay that is refused (truncated body, tunnel, a POST without --yes).',
          ].join('\n'),
        ),
    handler: async (flags) => {
      context.setExitCode(await runReplay(withTypedBooleans(flags, context.argv), context));
    },
  };
}

export async function runReplay(flags: Record<string, unknown>, context: CommandContext): Promise<number> {
  const { io } = context;
  const probe = flags.probe === true;
  const json = flags.json === true;
  if (probe) {
    const given = EDIT_FLAGS.filter((flag) => flags[flag] !== undefined);
    if (given.length > 0) {
      throw new CommandUsageError(`--probe tries its own variations of the request; drop ${given.map((flag) => `--${flag}`).join(', ')} or replay without --probe`);
    }
    if (json) throw new CommandUsageError('--probe prints a report, not a record; drop --json');
  }
  const via = parseVia(flags.via);
  const editsWithoutBody = parseEdits(flags);
  const bodySpec = single(flags, 'body');

  const config = resolveReplayConfig(flags, context);
  const file = recordsFileOf(config.logDir);
  const { records } = await loadRecords(file, context);
  const original = selectRecord(records, String(flags.id), file);
  const edits: ReplayEdits = bodySpec === undefined ? editsWithoutBody : { ...editsWithoutBody, body: await readBody(bodySpec, io.cwd) };
  const color = !json && colorEnabled(flags, io);

  if (config.insecureUpstream) io.stderr('proxydoc: WARNING: --insecure-upstream: the TLS certificate of the target is NOT verified\n');

  if (probe) {
    // Loaded on demand: only --probe needs it.
    const { runProbes } = await import('../probe');
    const session = await ReplaySession.open({ config, via, records });
    try {
      return await runProbes(original, { session, yes: flags.yes === true, color, io });
    } finally {
      await session.close();
    }
  }

  // Refusals are decided before anything is opened or sent, and name the flag that gets past them.
  const plan = planReplay(original, edits);
  if ('refusal' in plan) {
    io.stderr(`proxydoc: ${plan.refusal}\n`);
    return EXIT_USAGE;
  }
  const method = plan.request.method;
  if (!isIdempotentMethod(method) && flags.yes !== true) {
    const subject = method === original.request.method ? `#${original.seq} is a ${method}` : `this replay of #${original.seq} is a ${method}`;
    io.stderr(`proxydoc: ${subject}; replaying it may create a second issue/charge/… — pass --yes to send it anyway\n`);
    return EXIT_USAGE;
  }

  const session = await ReplaySession.open({ config, via, records });
  let replay: ExchangeRecord;
  try {
    replay = await session.replay(original, edits);
  } finally {
    await session.close();
  }

  if (json) {
    io.stdout(`${JSON.stringify(redactRecord(replay))}\n`);
  } else {
    io.stdout(`${formatAnnotated(replay, { color, timeZone: 'local' })}\n${formatReplayComparison(original, replay, { color })}\n`);
  }
  return replay.response !== undefined && replay.response.status < 400 && replay.error === undefined ? EXIT_OK : EXIT_FAILURE;
}

/** The configuration `start` would resolve from the same file and environment, with this command's TLS flags. */
function resolveReplayConfig(flags: Record<string, unknown>, context: CommandContext): ProxyConfig {
  return resolveConfig({
    flags: {
      logDir: flags.logDir,
      config: flags.config,
      upstreamCa: flags.upstreamCa,
      insecureUpstream: flags.insecureUpstream,
      connectTimeout: flags.connectTimeout,
    },
    env: context.io.env,
    readFile: context.services.readFile,
    cwd: context.io.cwd,
  });
}

/** A flag given once is a string, given again an array: always a list. */
function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function single(flags: Record<string, unknown>, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new CommandUsageError(`--${name} was given ${value.length} times; give it once`);
  return String(value);
}

function parseEdits(flags: Record<string, unknown>): Omit<ReplayEdits, 'body'> {
  const edits: Omit<ReplayEdits, 'body'> = {};
  const setHeaders = list(flags.header).map(parseHeaderFlag);
  const removeHeaders = list(flags.removeHeader).map((name) => name.trim());
  for (const name of removeHeaders) {
    if (name === '') throw new CommandUsageError('--remove-header needs a header name');
    if (setHeaders.some(([set]) => set.toLowerCase() === name.toLowerCase())) {
      throw new CommandUsageError(`--header ${name} and --remove-header ${name} contradict each other; keep one`);
    }
  }
  if (setHeaders.length > 0) edits.setHeaders = setHeaders;
  if (removeHeaders.length > 0) edits.removeHeaders = removeHeaders;
  const method = single(flags, 'method');
  if (method !== undefined) edits.method = method;
  const url = single(flags, 'url');
  if (url !== undefined) edits.url = url;
  return edits;
}

/** `Name: value` (RFC 9110 §5.5: whitespace around the value is not part of it). */
function parseHeaderFlag(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new CommandUsageError(`--header ${JSON.stringify(text)} is not 'Name: value'; e.g. --header 'Authorization: Bearer …'`);
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()];
}

/** The --via proxy: http:// with a host and nothing after it, '' for direct, undefined when not given. */
function parseVia(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new CommandUsageError(`--via was given ${value.length} times; give one proxy`);
  const text = String(value).trim();
  if (text === '') return '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CommandUsageError(`--via ${JSON.stringify(text)} is not a URL; give an http:// proxy like http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' || url.hostname === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new CommandUsageError(`--via ${JSON.stringify(text)} is not an http:// proxy address; give one like http://127.0.0.1:8080 (no path)`);
  }
  return text;
}

/** --body @FILE, - (stdin) or the text itself, as bytes. */
async function readBody(spec: string, cwd: string): Promise<Buffer> {
  if (spec === '-') return readStdin();
  if (!spec.startsWith('@')) return Buffer.from(spec, 'utf8');
  const file = path.resolve(cwd, spec.slice(1));
  try {
    return await fs.promises.readFile(file);
  } catch (error) {
    throw new CommandUsageError(`cannot read --body file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check the path`);
  }
}

function readStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.once('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.once('error', reject);
  });
}
