/**
 * The `proxydoc` command line: parses argv with yargs, runs one command module, and maps every outcome to an exit
 * code and at most one line on stderr. Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error,
 * 130 a second Ctrl-C while shutting down.
 *
 * Every side effect goes through `io` and `services`, so tests drive the whole CLI in-process.
 */
import * as fs from 'node:fs';
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import type { ProxyDependencies, RunningProxy } from '../capture/proxy-server';
import { ConfigError, type ProxyConfig } from '../config';
import { readVersion } from './version';

export interface CliIo {
  /** Text, or raw bytes (export --format raw of a binary body). */
  stdout: (text: string | Uint8Array) => void;
  stderr: (text: string) => void;
  exit: (code: number) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Whether stdout is a terminal (colour, progress); false in tests and when piped. */
  stdoutIsTTY: boolean;
}

export interface CliServices {
  /** `hooks.onRecord` sees each finished record and its annotated text (`proxydoc run` prints them as they happen). */
  startProxy: (config: ProxyConfig, hooks?: Pick<ProxyDependencies, 'onRecord'>) => Promise<RunningProxy>;
  /** Reads a file as UTF-8 text (the config file). */
  readFile: (filePath: string) => string;
  /** Calls `listener` on every SIGINT/SIGTERM until the returned function unsubscribes it. */
  onShutdownSignal: (listener: (signal: NodeJS.Signals) => void) => () => void;
}

export interface CommandContext {
  /** The arguments as typed, for what yargs' parse loses (see start's boolean flags). */
  argv: readonly string[];
  io: CliIo;
  services: CliServices;
  /** A command's handler reports its exit code here; yargs ignores handler return values. */
  setExitCode: (code: number) => void;
}

/** Each command is a yargs command module built from the shared context; add new ones to COMMANDS. */
export type CommandFactory = (context: CommandContext) => CommandModule<object, any>;

// In the order of the user's loop; --help lists them so. Each module is loaded only when needed (see buildParser):
// loading all eight pulled in the diagnosis, replay and export stacks and cost `proxydoc start` ~100 ms.
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: ReadonlyArray<{ name: string; load: () => CommandFactory }> = [
  { name: 'start', load: () => (require('./commands/start') as typeof import('./commands/start')).startCommand },
  { name: 'run', load: () => (require('./commands/run') as typeof import('./commands/run')).runCommand },
  { name: 'env', load: () => (require('./commands/env') as typeof import('./commands/env')).envCommand },
  { name: 'tail', load: () => (context) => (require('./commands/tail') as typeof import('./commands/tail')).tailCommand(context) },
  { name: 'show', load: () => (require('./commands/show') as typeof import('./commands/show')).showCommand },
  { name: 'replay', load: () => (require('./commands/replay') as typeof import('./commands/replay')).replayCommand },
  { name: 'export', load: () => (context) => (require('./commands/export') as typeof import('./commands/export')).exportCommand(context) },
  { name: 'ca', load: () => (require('./commands/ca') as typeof import('./commands/ca')).caCommand },
];
/* eslint-enable @typescript-eslint/no-require-imports */

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command-line mistake yargs found; reported as one line plus where to read the help. */
class UsageError extends Error {
  override name = 'UsageError';
}

const defaultIo = (): CliIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // Where stdout is an asynchronous pipe (macOS), exiting at once could cut off what `export --all | …` printed.
  exit: (code) => {
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => process.exit(code));
    else process.exit(code);
  },
  env: process.env,
  cwd: process.cwd(),
  stdoutIsTTY: process.stdout.isTTY === true,
});

const defaultServices = (): CliServices => ({
  // Loaded on demand so --help and the commands that don't proxy don't pay for the TLS and certificate stack.
  startProxy: async (config, hooks) => (await import('../capture/proxy-server')).startProxy(config, hooks),
  readFile: (filePath) => fs.readFileSync(filePath, 'utf8'),
  onShutdownSignal: (listener) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    for (const signal of signals) process.on(signal, listener);
    return () => {
      for (const signal of signals) process.off(signal, listener);
    };
  },
});

export async function main(
  argv: string[],
  io: Partial<CliIo> = {},
  services: Partial<CliServices> = {},
): Promise<number> {
  const fullIo = { ...defaultIo(), ...io };
  let exited = false;
  // A command may exit early (a second Ctrl-C); the final exit must then not run a second time.
  const exitOnce = (code: number): void => {
    if (exited) return;
    exited = true;
    fullIo.exit(code);
  };
  let exitCode = EXIT_OK;
  const context: CommandContext = {
    argv,
    io: { ...fullIo, exit: exitOnce },
    services: { ...defaultServices(), ...services },
    setExitCode: (code) => {
      exitCode = code;
    },
  };

  try {
    const parser = buildParser(context);
    await parser.parseAsync(argv, {}, (_error, _parsed, output) => {
      // --help and --version arrive here as text instead of being printed, so they go through io too.
      if (output) context.io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    });
  } catch (error) {
    exitCode = reportError(error, argv, context.io);
  }
  exitOnce(exitCode);
  return exitCode;
}

function buildParser(context: CommandContext) {
  let parser = yargs()
    .scriptName('proxydoc')
    .locale('en') // messages are matched and rewritten below; they must not follow the user's LANG
    .usage(
      [
        'proxydoc — a forward debugging proxy that explains why an HTTP API call failed',
        '',
        'Usage: proxydoc <command> [options]',
        '',
        'Point the app under test at proxydoc with HTTP_PROXY/HTTPS_PROXY. proxydoc forwards',
        'every request unchanged (HTTPS through its own CA), records each exchange, and writes',
        'an annotated log saying why a call failed.',
      ].join('\n'),
    )
    .strict()
    .parserConfiguration({ 'boolean-negation': false }) // so --no-intercept HOST... is a list, not "intercept=false"
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((message, error) => {
      // Handler errors reach parseAsync's rejection without passing here; this sees yargs' own complaints, as a
      // message (validation) or a YError (parsing, e.g. a flag missing its value).
      if (error && error.name !== 'YError') throw error;
      throw new UsageError(error?.message ?? message);
    })
    .demandCommand(1, 'no command given')
    .help()
    .alias('help', 'h')
    .version(readVersion())
    .wrap(Math.min(100, yargs().terminalWidth() || 100))
    .epilogue(
      [
        'Examples:',
        '  proxydoc start',
        '      Listen on 127.0.0.1:8080 with the CA in ./certs and the logs in ./logs.',
        '  proxydoc run -- npm test',
        '      Run one command through a proxy on a free port and print its exchanges.',
        '  eval "$(proxydoc env)"',
        '      Point this shell\'s programs at the running proxy and trust its CA.',
        '  proxydoc tail -f --errors',
        '      Follow the exchanges that failed, with why.',
        '  proxydoc show last',
        '      One exchange in full: headers, bodies, timing, findings.',
        '  proxydoc replay 17 --header \'Authorization: Bearer NEW\'',
        '      Send #17 again with one header changed and compare the answers.',
        '  proxydoc replay 17 --probe',
        '      Test what a finding suspects by replaying the variants that would tell.',
        '  proxydoc export 17 --format curl',
        '      A curl command that reproduces #17 byte for byte outside the app.',
        '  proxydoc ca',
        '      Where the CA is, its fingerprint, and how to trust or untrust it.',
        '',
        'Every command has its own page: proxydoc COMMAND --help.',
        '',
        'Settings come from, lowest to highest precedence: built-in defaults, a JSON config',
        'file (--config FILE or PROXYDOC_CONFIG; see config.example.json), PROXYDOC_*',
        'environment variables, then flags.',
        '',
        'Exit status: 0 ok, 1 runtime failure, 2 usage or configuration error.',
        'Set PROXYDOC_DEBUG=1 to get stack traces of unexpected errors.',
      ].join('\n'),
    );
  // A command named first on the line is the only one yargs needs; anything else (--help, a typo, options before
  // the command) gets them all, so the overview and the "unknown command" message stay complete.
  const chosen = findCommand(context.argv);
  for (const command of COMMANDS) {
    if (chosen === undefined || command.name === chosen) parser = parser.command(command.load()(context));
  }
  skipHelpCaching(parser);
  return parser;
}

/**
 * yargs 17 renders the command's whole help page right after starting its handler (lib/command.js,
 * cacheHelpMessage), only to print it if the handler fails; with showHelpOnFail(false) it is never printed. The
 * rendering (cliui wrapping every option) cost `proxydoc start` 30–50 ms before its port opened. Internal API, so
 * guarded: if a yargs version lacks it, nothing changes.
 */
function skipHelpCaching(parser: object): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (parser as Internals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

function reportError(error: unknown, argv: string[], io: CliIo): number {
  if (error instanceof UsageError) {
    io.stderr(`proxydoc: ${describeUsageError(error.message, argv)}; see ${helpCommandFor(argv)}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    io.stderr(`proxydoc: ${firstLine(error.message)}\n`);
    return EXIT_USAGE;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'PROXYDOC_ERR_USAGE') {
    io.stderr(`proxydoc: ${firstLine((error as Error).message)}; see ${helpCommandFor(argv)}\n`);
    return EXIT_USAGE;
  }
  if (typeof code === 'string' && code.startsWith('PROXYDOC_ERR_')) {
    io.stderr(`proxydoc: ${firstLine((error as Error).message)}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`proxydoc: unexpected error: ${firstLine(message)}\n`);
  if (io.env.PROXYDOC_DEBUG === '1' && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return EXIT_FAILURE;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0];
}

/** yargs names an unknown option without its dashes ("Unknown argument: bogus"); say what the user typed. */
function describeUsageError(message: string, argv: string[]): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (unknown) {
    const names = unknown[1].split(', ');
    const commandGiven = findCommand(argv) !== undefined;
    const words = names.map((name) => {
      const typed = argv.find((arg) => arg.startsWith('-') && arg.replace(/^-+/, '').split('=', 1)[0] === name);
      if (typed !== undefined) return `unknown option ${typed.split('=', 1)[0]}`;
      if (!commandGiven) return `unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`;
      return `unexpected argument "${name}"`;
    });
    return words.join(', ');
  }
  const missingValue = /^Not enough arguments following: (.*)$/.exec(message);
  if (missingValue) return `option --${missingValue[1]} needs a value`;
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function findCommand(argv: readonly string[]): string | undefined {
  const first = argv.find((arg) => !arg.startsWith('-'));
  return COMMANDS.find((command) => command.name === first)?.name;
}

function helpCommandFor(argv: string[]): string {
  const command = findCommand(argv);
  return command === undefined ? 'proxydoc --help' : `proxydoc ${command} --help`;
}
