/**
 * `proxydoc run [options] -- CMD ARGS…`: starts a proxy on a free port, runs CMD with the environment of
 * `proxydoc env` pointing at it, prints each exchange's annotated lines on stderr as it happens, and exits with
 * CMD's exit status once the records are on disk.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { resolveConfig, type ProxyCredentials } from '../../config';
import { ANNOTATED_LOG_FILE_NAME } from '../banner';
import { CommandError, CommandUsageError } from '../errors';
import type { CommandContext } from '../main';
import { clientEnvironment, clientProxyUrl, nodeOptionsWithPreload } from '../shell-env';
import { writeCaBundle, writeEnvironmentNotes } from './env';
import { START_OPTIONS, withTypedBooleans } from './start';

/** What shells return when a command is not found, or found but cannot be executed (POSIX 2.8.2). */
const EXIT_NOT_FOUND = 127;
const EXIT_CANNOT_EXECUTE = 126;

/** Built with the rest: dist/src/preload/fetch-proxy.js, two levels up from this file's dist/src/cli/commands. */
const PRELOAD_PATH = path.join(__dirname, '..', '..', 'preload', 'fetch-proxy.js');

export function runCommand(context: CommandContext): CommandModule<object, Record<string, unknown>> {
  return {
    command: 'run [command..]',
    describe: "run a command with its HTTP(S) traffic going through proxydoc",
    builder: (parser: Argv) =>
      parser
        .usage(
          [
            'proxydoc run [options] -- CMD [ARGS...]',
            '',
            'Starts proxydoc on a free port, runs CMD with the variables of `proxydoc env`',
            'pointing at it (proxy variables and CA trust for curl, Node, Python, git, ...), and',
            'prints each exchange\'s annotated lines on stderr as it finishes, so CMD\'s stdout',
            'stays clean for pipes. Node processes also get a preload (NODE_OPTIONS=--require)',
            'that routes fetch() through the proxy where Node ignores proxy variables (before',
            '22.21 / 24). When CMD exits, the records are flushed to --log-dir and proxydoc exits',
            'with CMD\'s status. SIGTERM is passed on to CMD, and so is SIGINT unless it came from',
            'the terminal, which sends Ctrl-C to CMD itself.',
          ].join('\n'),
        )
        .positional('command', { type: 'string', describe: 'the program to run and its arguments, after --' })
        .options({
          ...START_OPTIONS,
          port: { ...START_OPTIONS.port, describe: 'port to listen on (default 0: a free one; PROXYDOC_PORT and the config file are ignored here)' },
        })
        .epilogue(
          [
            'Examples:',
            '  proxydoc run -- node app.js',
            '      Run app.js with its fetch() calls going through proxydoc; its http/https calls',
            '      too on Node 22.21+ and 24.5+, which honour NODE_USE_ENV_PROXY=1 for them.',
            '  proxydoc run --log-dir /tmp/pd -- curl -sS https://api.example.com/v1/me',
            '      One curl call, recorded in /tmp/pd.',
            '  proxydoc run --upstream-ca corp-root.pem -- python3 sync.py > out.json',
            '      The script\'s output goes to the file, the annotated log to the terminal.',
            '',
            'Other options are those of `proxydoc start` and are read the same way (config file,',
            'PROXYDOC_* environment, flags); NO_PROXY is left as it is.',
            '',
            'Exit status: CMD\'s exit status, or 128 + the signal number when a signal ended it;',
            '127 when CMD is not found, 126 when it cannot be executed; 1 when proxydoc cannot',
            'start; 2 for a usage or configuration error (including a missing CMD).',
          ].join('\n'),
        ),
    handler: async (flags) => {
      const { before, command } = splitAtDashes(context.argv);
      if (command.length === 0) {
        const given = Array.isArray(flags.command) && flags.command.length > 0;
        throw new CommandUsageError(
          given ? 'put -- before the command to run, so its options are not read as proxydoc\'s: proxydoc run [options] -- CMD [ARGS...]' : 'no command to run: proxydoc run [options] -- CMD [ARGS...]',
        );
      }
      context.setExitCode(await runRun(withTypedBooleans(flags, before), command, context));
    },
  };
}

/** CMD is everything after the first `--`, exactly as typed (yargs would coerce "007" to 7). */
function splitAtDashes(argv: readonly string[]): { before: readonly string[]; command: string[] } {
  const index = argv.indexOf('--');
  return index < 0 ? { before: argv, command: [] } : { before: argv.slice(0, index), command: argv.slice(index + 1) };
}

export async function runRun(flags: Record<string, unknown>, command: string[], context: CommandContext): Promise<number> {
  const { io, services } = context;
  // A fixed port would collide with a `proxydoc start` already listening there, so only an explicit --port counts.
  const config = resolveConfig(
    { flags: { ...flags, port: flags.port ?? '0' }, env: io.env, readFile: services.readFile, cwd: io.cwd },
    { listen: true },
  );
  if (!fs.existsSync(PRELOAD_PATH)) {
    throw new CommandError(`proxydoc's fetch preload is missing (${PRELOAD_PATH}): rebuild proxydoc with \`npm run build\``);
  }
  if (config.insecureUpstream) {
    io.stderr('proxydoc: WARNING: --insecure-upstream is on: upstream TLS certificates are NOT verified\n');
  }

  const running = await services.startProxy(config, { onRecord: (_record, annotated) => io.stderr(`${annotated}\n`) });
  let outcome: ChildOutcome;
  try {
    const proxyUrl = clientProxyUrl(running.url);
    const caBundlePath = await writeCaBundle(running.caCertPath);
    const env: NodeJS.ProcessEnv = { ...io.env };
    // With --proxy-auth, CMD's proxy variables carry the credentials; what is printed (proxyUrl) never does.
    const childProxyUrl = config.proxyAuth ? withProxyCredentials(proxyUrl, config.proxyAuth) : proxyUrl;
    for (const { name, value } of clientEnvironment({ proxyUrl: childProxyUrl, caCertPath: running.caCertPath, caBundlePath })) env[name] = value;
    env.NODE_OPTIONS = nodeOptionsWithPreload(io.env.NODE_OPTIONS, PRELOAD_PATH);

    outcome = await runChild(command, env, context, () => {
      io.stderr(`proxydoc: recording ${command[0]} through ${proxyUrl}; log: ${path.join(running.logDir, ANNOTATED_LOG_FILE_NAME)}\n`);
      writeEnvironmentNotes(io, proxyUrl, config.upstreamProxy);
    });
  } finally {
    await running.close();
  }
  // A command that never started has nothing to summarise: its one error line says it all.
  if (!outcome.started) return outcome.exitCode;
  const { written, lost } = running.stats();
  const lostNote = lost > 0 ? `, ${lost} LOST (could not be written)` : '';
  io.stderr(`proxydoc: ${written} exchange${written === 1 ? '' : 's'} recorded${lostNote} in ${running.logDir}\n`);
  return outcome.exitCode;
}

/** http://user:password@host:port, percent-encoded (RFC 3986 §3.2.1) as curl, undici and Python decode it. */
function withProxyCredentials(proxyUrl: string, credentials: ProxyCredentials): string {
  const url = new URL(proxyUrl);
  url.username = encodeURIComponent(credentials.user);
  url.password = encodeURIComponent(credentials.password);
  return url.href.replace(/\/$/, '');
}

interface ChildOutcome {
  /** The exit status a shell would report. */
  exitCode: number;
  started: boolean;
}

/** Runs CMD with inherited stdio; `onStart` runs once it has started. */
function runChild(command: string[], env: NodeJS.ProcessEnv, context: CommandContext, onStart: () => void): Promise<ChildOutcome> {
  const { io, services } = context;
  const [program, ...args] = command;
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: 'inherit', env });
    child.once('spawn', onStart);
    // Ctrl-C in a terminal goes to the whole foreground process group, CMD included; passing it on as well would
    // deliver it twice, and many programs exit at once on a second Ctrl-C.
    const fromTerminal = process.stdin.isTTY === true;
    const unsubscribe = services.onShutdownSignal((signal) => {
      if (signal === 'SIGINT' && fromTerminal) return;
      child.kill(signal);
    });
    let settled = false;
    const settle = (exitCode: number): void => {
      if (settled) return;
      settled = true;
      unsubscribe();
      resolve({ exitCode, started: child.pid !== undefined });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // After a successful spawn, 'error' only reports a failed kill(); the 'exit' that follows settles.
      if (child.pid !== undefined) return;
      if (error.code === 'ENOENT') {
        io.stderr(`proxydoc: command not found: ${program}\n`);
        settle(EXIT_NOT_FOUND);
      } else if (error.code === 'EACCES') {
        io.stderr(`proxydoc: permission denied: ${program} (not executable)\n`);
        settle(EXIT_CANNOT_EXECUTE);
      } else {
        io.stderr(`proxydoc: cannot run ${program}: ${error.code ?? error.message}\n`);
        settle(EXIT_CANNOT_EXECUTE);
      }
    });
    child.once('exit', (code, signal) => {
      settle(code ?? 128 + (signal ? os.constants.signals[signal] ?? 0 : 0));
    });
  });
}
