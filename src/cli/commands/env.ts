/**
 * `proxydoc env`: prints the lines that point a shell's programs at a running proxydoc, for
 * `eval "$(proxydoc env)"`. stdout carries only those lines (and one comment); notes go to stderr.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { Argv, CommandModule } from 'yargs';
import { CA_CERT_FILE } from '../../ca';
import { findRunningProxy } from '../../capture/state-file';
import { CONFIG_ENV_VARS, resolveConfig } from '../../config';
import { shellQuote } from '../banner';
import { CommandError, CommandUsageError } from '../errors';
import type { CliIo, CommandContext } from '../main';
import {
  CLIENT_VARIABLE_NAMES,
  SHELLS,
  applyCommand,
  clientEnvironment,
  clientProxyUrl,
  detectShell,
  formatSetLines,
  formatUnsetLines,
  hasBuiltInEnvProxy,
  replacedUpstreamProxy,
  type Shell,
} from '../shell-env';
import { combineCaBundle } from '../trust';

/** Beside ca.pem: the roots clients would use anyway, plus proxydoc's CA. */
export const CA_BUNDLE_FILE = 'ca-bundle.pem';

/**
 * Where Linux distributions, the BSDs and macOS keep their system roots (the list Go's crypto/x509 searches,
 * root_linux.go); the first that exists is used.
 */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine, macOS
];

export function envCommand(context: CommandContext): CommandModule<object, Record<string, unknown>> {
  return {
    command: 'env',
    describe: "print the shell lines that point programs at a running proxydoc",
    builder: (parser: Argv) =>
      parser
        .usage(
          [
            'proxydoc env [options]',
            '',
            'Prints the lines that make the programs started from this shell use proxydoc:',
            'HTTP_PROXY, HTTPS_PROXY and their lower-case forms (curl reads only http_proxy),',
            "GLOBAL_AGENT_HTTP_PROXY (Node's global-agent), NODE_USE_ENV_PROXY=1 (Node 22.21+/24)",
            'and each runtime\'s CA variable. Apply them with eval "$(proxydoc env)". It finds a',
            'running proxydoc through the state file that proxy writes in --log-dir (so one started',
            'with --port 0 is found), else prints the configured address with a note on stderr.',
            'NO_PROXY is left alone: the hosts it names keep bypassing proxydoc.',
            '',
            'NODE_EXTRA_CA_CERTS gets ca.pem, which Node adds to its roots. SSL_CERT_FILE,',
            'REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, GIT_SSL_CAINFO, AWS_CA_BUNDLE, CARGO_HTTP_CAINFO,',
            'DENO_CERT and PERL_LWP_SSL_CA_FILE replace a program\'s roots, so they get ca-bundle.pem,',
            'written beside ca.pem: the system\'s and Node\'s roots plus proxydoc\'s CA, so hosts',
            'reached without proxydoc keep working.',
          ].join('\n'),
        )
        .options({
          shell: {
            type: 'string',
            requiresArg: true,
            group: 'Output:',
            describe: `syntax to print: ${SHELLS.join(', ')} (default: from $SHELL; bash, or powershell on Windows)`,
          },
          unset: {
            type: 'boolean',
            group: 'Output:',
            describe: 'print the lines that remove every variable env sets, instead',
          },
          host: {
            type: 'string',
            requiresArg: true,
            group: 'Finding the proxy:',
            describe: `address proxydoc start listens on, used when no running proxydoc is found (default 127.0.0.1); env ${CONFIG_ENV_VARS.host}`,
          },
          port: {
            type: 'string',
            requiresArg: true,
            group: 'Finding the proxy:',
            describe: `its port, likewise (default 8080); env ${CONFIG_ENV_VARS.port}`,
          },
          'ca-dir': {
            type: 'string',
            requiresArg: true,
            group: 'Finding the proxy:',
            describe: `directory holding ca.pem, when no running proxydoc says where (default ./certs); env ${CONFIG_ENV_VARS.caDir}`,
          },
          'log-dir': {
            type: 'string',
            requiresArg: true,
            group: 'Finding the proxy:',
            describe: `log directory of the proxydoc to find (default ./logs); env ${CONFIG_ENV_VARS.logDir}`,
          },
          config: {
            type: 'string',
            requiresArg: true,
            group: 'Finding the proxy:',
            describe: 'JSON config file, as for start; env PROXYDOC_CONFIG',
          },
        })
        .epilogue(
          [
            'Examples:',
            '  eval "$(proxydoc env)"',
            '      bash, zsh: point this shell at the proxydoc logging to ./logs.',
            '  eval "$(proxydoc env --log-dir /tmp/pd)"',
            '      The proxydoc started with --log-dir /tmp/pd, on whatever port it got.',
            '  eval "$(proxydoc env --unset)"',
            '      Undo it.',
            '  proxydoc env --shell fish | source',
            '      fish.',
            '  proxydoc env --shell powershell | Out-String | Invoke-Expression',
            '      PowerShell.',
            '  for /f "delims=" %i in (\'proxydoc env --shell cmd\') do %i',
            '      cmd.exe.',
            '',
            'Node.js before 22.21 ignores proxy variables in fetch(); run such apps with',
            '`proxydoc run -- node app.js`, which adds a preload that fixes that.',
            '',
            'Exit status: 0 ok; 1 when there is no CA yet (run `proxydoc start` or `proxydoc ca`)',
            'or a file cannot be read or written; 2 for a usage or configuration error.',
          ].join('\n'),
        ),
    handler: async (flags) => {
      context.setExitCode(await runEnv(flags, context));
    },
  };
}

export async function runEnv(flags: Record<string, unknown>, context: CommandContext): Promise<number> {
  const { io, services } = context;
  const shell = chooseShell(flags.shell, io.env);
  const shellArgs = flags.shell === undefined ? '' : `--shell ${shell}`;
  if (flags.unset === true) {
    io.stdout(formatUnsetLines(shell, CLIENT_VARIABLE_NAMES));
    return 0;
  }

  const config = resolveConfig({
    flags: { host: flags.host, port: flags.port, caDir: flags.caDir, logDir: flags.logDir, config: flags.config },
    env: io.env,
    readFile: services.readFile,
    cwd: io.cwd,
  });
  const running = await findRunningProxy(config.logDir).catch((error: NodeJS.ErrnoException) => {
    throw new CommandError(`cannot read the state file in ${config.logDir}: ${error.code ?? error.message}`);
  });
  let proxyUrl: string;
  let caCertPath: string;
  if (running) {
    proxyUrl = clientProxyUrl(running.url);
    caCertPath = running.caCertPath;
  } else {
    if (config.port === 0) {
      throw new CommandError(
        `no running proxydoc found in ${config.logDir}, and port 0 means its port is picked at start: start it first (proxydoc start --port 0 --log-dir ${shellQuote(config.logDir)}) or pass --port`,
      );
    }
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    proxyUrl = clientProxyUrl(`http://${host}:${config.port}`);
    caCertPath = path.join(config.caDir, CA_CERT_FILE);
  }

  const caBundlePath = await writeCaBundle(caCertPath);
  const variables = clientEnvironment({ proxyUrl, caCertPath, caBundlePath });
  const undo = applyCommand(shell, [shellArgs, '--unset'].filter((part) => part !== '').join(' '));
  io.stdout(formatSetLines(shell, variables, `proxydoc at ${proxyUrl}; undo: ${undo}`));

  if (!running) {
    io.stderr(`proxydoc: no running proxydoc found in ${config.logDir}; printing settings for ${proxyUrl} (start it with \`proxydoc start\`)\n`);
  }
  writeEnvironmentNotes(io, proxyUrl, config.upstreamProxy);
  // The Node that runs proxydoc is most likely the one that runs the user's apps.
  if (!hasBuiltInEnvProxy(process.versions.node)) {
    io.stderr(`proxydoc: note: fetch() in Node.js ${process.versions.node} ignores proxy variables; start Node apps with \`proxydoc run -- node app.js\`\n`);
  }
  return 0;
}

function chooseShell(given: unknown, env: CliIo['env']): Shell {
  if (given === undefined) return detectShell(env.SHELL, process.platform);
  const name = String(given).toLowerCase();
  if (name === 'pwsh') return 'powershell';
  if ((SHELLS as readonly string[]).includes(name)) return name as Shell;
  throw new CommandUsageError(`unknown shell ${JSON.stringify(given)}: use one of ${SHELLS.join(', ')}`);
}

/**
 * What the new variables change beyond pointing at proxydoc, one line each on stderr: NO_PROXY hosts still bypass
 * it, and an upstream proxy the environment had is no longer used unless proxydoc is told (it never reads
 * HTTP_PROXY itself, which would make it loop to itself).
 */
export function writeEnvironmentNotes(io: CliIo, proxyUrl: string, upstreamProxy: string | undefined): void {
  const noProxy = [io.env.NO_PROXY, io.env.no_proxy].find((value) => value !== undefined && value.trim() !== '');
  if (noProxy !== undefined) {
    io.stderr(`proxydoc: note: NO_PROXY=${noProxy} stays set: requests to those hosts bypass proxydoc (unset NO_PROXY no_proxy to capture them)\n`);
  }
  const replaced = replacedUpstreamProxy(io.env, proxyUrl);
  if (replaced !== undefined && upstreamProxy === undefined) {
    io.stderr(`proxydoc: note: this environment used the proxy ${replaced}; if the network needs it, give it to proxydoc with --upstream-proxy\n`);
  }
}

/**
 * Writes ca-bundle.pem beside ca.pem, fresh each time so it follows a regenerated CA: proxydoc's CA, the system's
 * roots and Node's (tls.rootCertificates), each once. Returns its path.
 */
export async function writeCaBundle(caCertPath: string): Promise<string> {
  let caPem: string;
  try {
    caPem = await fs.readFile(caCertPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CommandError(`no CA at ${caCertPath}: create it with \`proxydoc start\` or \`proxydoc ca\` first (or pass --ca-dir)`, 'PROXYDOC_ERR_NO_CA');
    }
    throw new CommandError(`cannot read ${caCertPath} (${code ?? (error as Error).message}): run as the user that owns it, or pass --ca-dir`, 'PROXYDOC_ERR_NO_CA');
  }
  try {
    new X509Certificate(caPem);
  } catch {
    throw new CommandError(`${caCertPath} is not a PEM certificate: replace it with \`proxydoc ca --regenerate\``, 'PROXYDOC_ERR_NO_CA');
  }
  const bundle = combineCaBundle([caPem, (await readSystemBundle()) ?? '', ...tls.rootCertificates]);
  const target = path.join(path.dirname(caCertPath), CA_BUNDLE_FILE);
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // Readers (a running curl) never see half a bundle: temp file, then rename.
    await fs.writeFile(temporary, bundle, { mode: 0o644, flag: 'wx' });
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw new CommandError(`cannot write ${target}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; make ${path.dirname(target)} writable or pass --ca-dir`);
  }
  return target;
}

async function readSystemBundle(): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined; // Windows keeps its roots in the registry, not a file
  for (const file of SYSTEM_BUNDLES) {
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      // not on this system; try the next
    }
  }
  return undefined;
}
