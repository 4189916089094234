/**
 * `proxydoc start`: resolve the configuration, start the proxy, print the banner, run until SIGINT/SIGTERM.
 */
import type { Argv, CommandModule, Options } from 'yargs';
import { CONFIG_ENV_VARS, isLoopbackHost, resolveConfig, type ProxyConfig } from '../../config';
import { formatBanner } from '../banner';
import type { CommandContext } from '../main';

const EXIT_INTERRUPTED = 130;

function envNote(key: keyof ProxyConfig): string {
  return `; env ${CONFIG_ENV_VARS[key]}`;
}

/** start's options; `proxydoc run` takes the same ones, so both read settings alike. */
export const START_OPTIONS = {
  host: {
    type: 'string',
    requiresArg: true,
    group: 'Listening:',
    describe: `address to listen on (default 127.0.0.1); anything but loopback (127.0.0.0/8, ::1, localhost) needs --allow-remote and --proxy-auth${envNote('host')}`,
  },
  port: {
    type: 'string',
    requiresArg: true,
    group: 'Listening:',
    describe: `port to listen on, 0 picks a free one (default 8080)${envNote('port')}`,
  },
  'allow-remote': {
    type: 'boolean',
    group: 'Access:',
    describe: `allow a --host other machines can reach, e.g. 0.0.0.0; requires --proxy-auth too${envNote('allowRemote')} (true/false/1/0/yes/no)`,
  },
  'proxy-auth': {
    type: 'string',
    requiresArg: true,
    group: 'Access:',
    describe: `user:password every client must send (Proxy-Authorization: Basic, RFC 7617), else it gets 407; works on loopback too${envNote('proxyAuth')} (safer than the flag: other users can see flags in ps)`,
  },
  'connect-ports': {
    type: 'array',
    string: true,
    group: 'Access:',
    describe: `ports CONNECT may open tunnels to, e.g. 443,8443,9000-9100; others get 403 (default any, like mitmproxy; Squid allows only 443 by default)${envNote('connectPorts')} (comma-separated)`,
  },
  'ca-dir': {
    type: 'string',
    requiresArg: true,
    group: 'Certificates and TLS:',
    describe: `directory holding ca.pem and ca.key, created if missing (default ./certs)${envNote('caDir')}`,
  },
  'upstream-ca': {
    type: 'string',
    requiresArg: true,
    group: 'Certificates and TLS:',
    describe: `PEM file of an extra CA to trust for upstream servers; repeat for more${envNote('upstreamCa')} (comma-separated)`,
  },
  'insecure-upstream': {
    type: 'boolean',
    group: 'Certificates and TLS:',
    describe: `do NOT verify upstream TLS certificates; prefer --upstream-ca${envNote('insecureUpstream')} (true/false/1/0/yes/no)`,
  },
  'no-intercept': {
    type: 'array',
    string: true,
    group: 'Certificates and TLS:',
    describe: `hosts tunnelled without TLS interception (e.g. certificate-pinned ones); *.example.com covers subdomains${envNote('noIntercept')} (comma-separated)`,
  },
  'log-dir': {
    type: 'string',
    requiresArg: true,
    group: 'Recording:',
    describe: `directory for exchanges.jsonl and proxydoc.log (default ./logs)${envNote('logDir')}`,
  },
  'max-body-capture': {
    type: 'string',
    requiresArg: true,
    group: 'Recording:',
    describe: `bytes of each body to record: a number, or with a binary suffix, 512k = 512 KiB, 1m = 1 MiB, 2MiB (default 1MiB)${envNote('maxBodyCapture')}`,
  },
  'max-log-size': {
    type: 'string',
    requiresArg: true,
    group: 'Recording:',
    describe: `rotate exchanges.jsonl and proxydoc.log (each on its own, between whole records) before they pass this size, e.g. 100m: NAME → NAME.1 → NAME.2 …; tail, show, replay and export read the current file only (default off)${envNote('maxLogSize')}`,
  },
  'max-log-files': {
    type: 'string',
    requiresArg: true,
    group: 'Recording:',
    describe: `rotated files to keep per log with --max-log-size; older ones are deleted (default 5)${envNote('maxLogFiles')}`,
  },
  'redact-records': {
    type: 'boolean',
    group: 'Recording:',
    describe: `mask credentials in exchanges.jsonl too, as in proxydoc.log; replay and export then cannot reproduce them (default off: exchanges.jsonl keeps secrets, mode 0600)${envNote('redactRecords')} (true/false/1/0/yes/no)`,
  },
  'upstream-proxy': {
    type: 'string',
    requiresArg: true,
    group: 'Upstream:',
    describe: `send upstream traffic through this http:// proxy (never taken from HTTP_PROXY, which points at proxydoc itself); "" for none${envNote('upstreamProxy')}`,
  },
  'upstream-no-proxy': {
    type: 'array',
    string: true,
    group: 'Upstream:',
    describe: `hosts reached directly, not through --upstream-proxy${envNote('upstreamNoProxy')} (comma-separated)`,
  },
  'connect-timeout': {
    type: 'string',
    requiresArg: true,
    group: 'Upstream:',
    describe: `seconds to wait for an upstream connection, > 0 (default 30)${envNote('connectTimeoutMs')}`,
  },
  'headers-timeout': {
    type: 'string',
    requiresArg: true,
    group: 'Listening:',
    describe: `seconds a client may take to send its request headers (or TLS handshake) before a 408; slow bodies and slow upstreams are never cut (default 60)${envNote('headersTimeoutMs')}`,
  },
  config: {
    type: 'string',
    requiresArg: true,
    group: 'Configuration:',
    describe: 'JSON config file with the keys of config.example.json; env PROXYDOC_CONFIG',
  },
} as const satisfies Record<string, Options>;

export function startCommand(context: CommandContext): CommandModule<object, Record<string, unknown>> {
  return {
    command: 'start',
    describe: 'start the proxy and record every exchange',
    builder: (parser: Argv) =>
      parser
        .usage(
          [
            'proxydoc start [options]',
            '',
            'Starts the forward proxy. Plain HTTP requests are forwarded as they are; HTTPS',
            "(CONNECT) is intercepted with a certificate from proxydoc's own CA, created in",
            '--ca-dir on first start, so the app must trust that CA (the banner prints the lines',
            'to paste). Every exchange is appended to exchanges.jsonl (full, replayable) and',
            'explained in proxydoc.log (secrets redacted) in --log-dir. Ctrl-C stops it cleanly;',
            'a second Ctrl-C exits at once.',
          ].join('\n'),
        )
        .options(START_OPTIONS)
        .epilogue(
          [
            'Examples:',
            '  proxydoc start',
            '      Listen on 127.0.0.1:8080 with the CA in ./certs and the logs in ./logs.',
            '  proxydoc start --port 0 --log-dir /tmp/pd',
            '      Listen on a free port (the banner shows which) and log to /tmp/pd.',
            "  proxydoc start --no-intercept pinned.example.com '*.apple.com'",
            '      Tunnel these hosts untouched, e.g. apps that pin their certificates.',
            '  proxydoc start --upstream-ca corp-root.pem',
            '      Trust a private CA when proxydoc verifies upstream servers.',
            '  proxydoc start --upstream-proxy http://proxy.corp:3128 \\',
            '          --upstream-no-proxy intranet.corp',
            '      Chain to a corporate proxy, except for intranet.corp.',
            '  PROXYDOC_PORT=9090 proxydoc start --config proxydoc.json',
            '      Settings from the file, overridden by the environment, overridden by flags.',
            '  PROXYDOC_PROXY_AUTH=alice:s3cret proxydoc start --host 0.0.0.0 --allow-remote',
            '      Serve other machines too, only clients sending these credentials',
            '      (http://alice:s3cret@this-host:8080 as their proxy URL).',
            '  proxydoc start --connect-ports 443,8443,9000-9100',
            '      Open HTTPS tunnels (CONNECT) to these ports only.',
            '',
            'Access: proxydoc listens on loopback unless told otherwise. Another address needs',
            '--allow-remote and --proxy-auth, else start refuses (exit 2): anyone who can reach an',
            'open proxydoc could use the machine as a proxy and read the traffic it decrypts.',
            'With --proxy-auth, every request, CONNECT and WebSocket upgrade must carry',
            'Proxy-Authorization: Basic base64(user:password) (RFC 9110 §11.7.1); without it the',
            'client gets 407 with Proxy-Authenticate: Basic realm="proxydoc", nothing is forwarded,',
            'and the refusal is logged (the password never is; records keep Proxy-Authorization',
            'as "‹not recorded›"). A CONNECT to a port outside --connect-ports gets 403 and is',
            'recorded; a request addressed to proxydoc itself gets 508 (a loop).',
            '',
            'Sizes: --max-body-capture takes bytes, or k, m or g (also kb/KiB, mb/MiB, gb/GiB),',
            'all binary multiples: 512k = 512 KiB = 524288 bytes, 1m = 1 MiB = 1048576 bytes.',
            '0 records no body bytes. --max-log-size takes the same sizes.',
            '',
            'Records: one proxydoc per --log-dir (a second one is refused, exit 2; the',
            'directory holds proxydoc.lock with the running one\'s pid). If the log cannot be',
            'written (disk full, permissions), forwarding goes on, stderr says so once, and the',
            'number of lost records is noted in proxydoc.log once writing works again.',
            '',
            'Precedence: defaults < config file < PROXYDOC_* environment < flags. List',
            'variables are comma-separated; relative paths are resolved against the current',
            'directory. The config file uses the keys of config.example.json, with',
            'connectTimeoutMs in milliseconds, and "timeouts" naming the app\'s own client',
            'timeouts so diagnoses can point at them: [{"name": "app http client", "seconds": 30}].',
            '',
            'Exit status: 0 after a clean stop; 1 when the proxy cannot start (e.g. the port is',
            'in use); 2 for a usage or configuration error, or a --log-dir another proxydoc',
            'is using; 130 for a second Ctrl-C during',
            'shutdown.',
          ].join('\n'),
        ),
    handler: async (flags) => {
      context.setExitCode(await runStart(withTypedBooleans(flags, context.argv), context));
    },
  };
}

const BOOLEAN_FLAGS: ReadonlyArray<{ flag: string; key: string }> = [
  { flag: '--insecure-upstream', key: 'insecureUpstream' },
  { flag: '--allow-remote', key: 'allowRemote' },
  { flag: '--redact-records', key: 'redactRecords' },
];

/**
 * yargs reads `--insecure-upstream=ture` as false without a word; passing the word as typed lets the config
 * validation reject it with the list of accepted values.
 */
export function withTypedBooleans(flags: Record<string, unknown>, argv: readonly string[]): Record<string, unknown> {
  const result = { ...flags };
  for (const { flag, key } of BOOLEAN_FLAGS) {
    const typed = argv.filter((arg) => arg.startsWith(`${flag}=`)).at(-1);
    if (typed !== undefined) result[key] = typed.slice(flag.length + 1);
  }
  return result;
}

/** Runs the proxy until a shutdown signal; resolves to the exit code. Config and startup errors are thrown. */
export async function runStart(flags: Record<string, unknown>, context: CommandContext): Promise<number> {
  const { io, services } = context;
  const config = resolveConfig({ flags, env: io.env, readFile: services.readFile, cwd: io.cwd }, { listen: true });

  if (config.insecureUpstream) {
    io.stderr(
      [
        '',
        '!!! WARNING: insecure upstream is ON: upstream TLS certificates are NOT verified.',
        '!!! Anyone on the network path can read and alter this traffic, and certificate problems will not be',
        '!!! diagnosed. Use --upstream-ca FILE to trust a private CA instead.',
        '',
        '',
      ].join('\n'),
    );
  }
  // resolveConfig refused a reachable address without --allow-remote and --proxy-auth; with both, say it once.
  if (!isLoopbackHost(config.host)) {
    io.stderr(
      `proxydoc: note: listening on ${config.host} (--allow-remote): other machines can reach it; only clients sending the --proxy-auth credentials are served\n`,
    );
  }

  const running = await services.startProxy(config);
  io.stdout(formatBanner(running, config));

  return new Promise<number>((resolve, reject) => {
    let closing = false;
    const unsubscribe = services.onShutdownSignal((signal) => {
      if (closing) {
        io.stderr(`proxydoc: ${signal} again, exiting without waiting for open connections\n`);
        io.exit(EXIT_INTERRUPTED);
        resolve(EXIT_INTERRUPTED);
        return;
      }
      closing = true;
      io.stderr(`proxydoc: ${signal} received, closing (press Ctrl-C again to exit at once)\n`);
      running.close().then(
        () => {
          unsubscribe();
          io.stderr(`proxydoc: stopped; ${describeRecordCounts(running.stats())} in ${running.logDir}\n`);
          resolve(0);
        },
        (error: unknown) => {
          unsubscribe();
          reject(error);
        },
      );
    });
  });
}

/** The last line a user sees; lost records must not go unnoticed. */
function describeRecordCounts({ written, lost }: { written: number; lost: number }): string {
  const recorded = `${written} exchange${written === 1 ? '' : 's'} recorded`;
  return lost > 0 ? `${recorded}, ${lost} LOST (could not be written)` : recorded;
}
