/**
 * The environment that points a program at proxydoc, and the lines that set (or unset) it in each shell. Pure: the
 * proxy URL and file paths come in as data, so the exact text and its quoting are tested without a shell.
 *
 * The variable set follows HTTP Toolkit's terminal interception (httptoolkit-server,
 * src/interceptors/terminal/terminal-env-overrides.ts): proxy variables plus each runtime's CA variable, and
 * nothing else. NO_PROXY is left as the user has it: it often exempts hosts on purpose (an internal registry, the
 * Docker socket), and the commands print a note when it is set.
 */
import { CommandError } from './errors';

export type Shell = 'bash' | 'zsh' | 'sh' | 'fish' | 'powershell' | 'cmd';

export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'sh', 'fish', 'powershell', 'cmd'];

export interface EnvVariable {
  name: string;
  value: string;
}

export interface ClientTarget {
  /** Where clients reach proxydoc, e.g. http://127.0.0.1:8080. */
  proxyUrl: string;
  /** proxydoc's CA alone, for variables that add to the default roots. */
  caCertPath: string;
  /** Default roots plus proxydoc's CA, for variables that replace the default roots. */
  caBundlePath: string;
}

/** Proxy variables: curl and wget read only the lower-case http_proxy; most other clients read either case. */
const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'] as const;

/**
 * CA variables that REPLACE the program's default roots. Pointing them at proxydoc's CA alone would break every
 * call that does not go through proxydoc (a NO_PROXY host, a --no-intercept tunnel), so they get the bundle.
 */
const BUNDLE_VARIABLES = [
  'SSL_CERT_FILE', // OpenSSL's default file: Python ssl/httpx/urllib, Ruby, Go on Linux, many C programs
  'REQUESTS_CA_BUNDLE', // Python requests (and pip)
  'CURL_CA_BUNDLE', // curl
  'GIT_SSL_CAINFO', // git over HTTPS
  'AWS_CA_BUNDLE', // AWS CLI and SDKs
  'CARGO_HTTP_CAINFO', // Rust's cargo
  'DENO_CERT', // Deno
  'PERL_LWP_SSL_CA_FILE', // Perl LWP
] as const;

/** Every variable `env` sets, in the order it prints them; `env --unset` removes exactly these. */
export const CLIENT_VARIABLE_NAMES: readonly string[] = [
  ...PROXY_VARIABLES,
  'GLOBAL_AGENT_HTTP_PROXY',
  'NODE_USE_ENV_PROXY',
  'NODE_EXTRA_CA_CERTS',
  ...BUNDLE_VARIABLES,
];

export function clientEnvironment(target: ClientTarget): EnvVariable[] {
  return [
    ...PROXY_VARIABLES.map((name) => ({ name, value: target.proxyUrl })),
    // Node apps that bootstrap global-agent read only this one (https://github.com/gajus/global-agent).
    { name: 'GLOBAL_AGENT_HTTP_PROXY', value: target.proxyUrl },
    // Node ≥ 22.21 / 24 honour HTTP(S)_PROXY in fetch() (and http/https) only with this set (Node's cli.md).
    { name: 'NODE_USE_ENV_PROXY', value: '1' },
    // Added to Node's roots, so proxydoc's CA alone is enough.
    { name: 'NODE_EXTRA_CA_CERTS', value: target.caCertPath },
    ...BUNDLE_VARIABLES.map((name) => ({ name, value: target.caBundlePath })),
  ];
}

/**
 * The shell whose syntax to print: from $SHELL's program name, else PowerShell on Windows (where $SHELL is
 * normally unset) and bash elsewhere.
 */
export function detectShell(shellVariable: string | undefined, platform: NodeJS.Platform): Shell {
  const program = (shellVariable ?? '').split(/[\\/]/).pop()!.toLowerCase().replace(/\.exe$/, '');
  if (program === 'bash' || program === 'zsh' || program === 'fish') return program;
  if (program === 'pwsh' || program === 'powershell') return 'powershell';
  if (program === 'cmd') return 'cmd';
  if (['sh', 'dash', 'ash', 'ksh', 'mksh', 'yash'].includes(program)) return 'sh';
  return platform === 'win32' ? 'powershell' : 'bash';
}

/** Quotes a value so the shell reads it back byte for byte. */
export function quoteForShell(shell: Exclude<Shell, 'cmd'>, value: string): string {
  switch (shell) {
    case 'bash':
    case 'zsh':
    case 'sh':
      // POSIX single quotes take everything literally; a quote is closed, escaped and reopened.
      return `'${value.replace(/'/g, `'\\''`)}'`;
    case 'fish':
      // In fish's single quotes only \' and \\ are escapes (fish-doc "Quotes").
      return `'${value.replace(/[\\']/g, (char) => `\\${char}`)}'`;
    case 'powershell':
      // PowerShell's single-quoted strings double a quote to escape it, and treat the typographic single quotes
      // U+2018..U+201B as quotes too (about_Quoting_Rules).
      return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (char) => char + char)}'`;
  }
}

/** The lines that set `variables` in `shell`, each ending with a newline, after one comment line. */
export function formatSetLines(shell: Shell, variables: readonly EnvVariable[], comment: string): string {
  const lines = [commentLine(shell, comment)];
  for (const { name, value } of variables) {
    switch (shell) {
      case 'bash':
      case 'zsh':
      case 'sh':
        lines.push(`export ${name}=${quoteForShell(shell, value)}`);
        break;
      case 'fish':
        lines.push(`set -gx ${name} ${quoteForShell(shell, value)}`);
        break;
      case 'powershell':
        lines.push(`$env:${name} = ${quoteForShell(shell, value)}`);
        break;
      case 'cmd':
        lines.push(`set "${name}=${cmdValue(name, value)}"`);
        break;
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatUnsetLines(shell: Shell, names: readonly string[]): string {
  switch (shell) {
    case 'bash':
    case 'zsh':
    case 'sh':
      return `unset ${names.join(' ')}\n`;
    case 'fish':
      return names.map((name) => `set -e ${name}`).join('\n') + '\n';
    case 'powershell':
      return names.map((name) => `Remove-Item -Path Env:${name} -ErrorAction SilentlyContinue`).join('\n') + '\n';
    case 'cmd':
      return names.map((name) => `set "${name}="`).join('\n') + '\n';
  }
}

/** How a user applies `proxydoc env ARGS` to the current shell. */
export function applyCommand(shell: Shell, args: string): string {
  const command = `proxydoc env${args === '' ? '' : ` ${args}`}`;
  switch (shell) {
    case 'bash':
    case 'zsh':
    case 'sh':
      return `eval "$(${command})"`;
    case 'fish':
      return `${command} | source`;
    case 'powershell':
      return `${command} | Out-String | Invoke-Expression`;
    case 'cmd':
      return `for /f "delims=" %i in ('${command}') do %i`;
  }
}

function commentLine(shell: Shell, text: string): string {
  // A newline would end the comment and run the rest as a command.
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return shell === 'cmd' ? `REM ${oneLine}` : `# ${oneLine}`;
}

/**
 * cmd has no quoting that makes every character literal: inside `set "NAME=value"` a `"` ends the quoted part and
 * `%`/`!` still expand. Such values are refused rather than printed wrong.
 */
function cmdValue(name: string, value: string): string {
  const bad = /["%!\r\n]/.exec(value);
  if (bad) {
    throw new CommandError(
      `cmd cannot set ${name} to ${JSON.stringify(value)} safely (it contains ${JSON.stringify(bad[0])}): use --shell powershell, or move proxydoc's files to a plainer path`,
    );
  }
  return value;
}

/** The URL clients use: a proxy listening on every interface is reached through loopback on this machine. */
export function clientProxyUrl(listenUrl: string): string {
  const url = new URL(listenUrl);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return `${url.protocol}//${url.host}`;
}

/**
 * The proxy the environment already had, which proxydoc's variables replace, when it is a real upstream proxy: not
 * loopback (that is proxydoc from an earlier `env`, or another local debugging proxy) and not proxydoc itself.
 * Credentials are masked: the value is printed.
 */
export function replacedUpstreamProxy(env: Record<string, string | undefined>, proxyUrl: string): string | undefined {
  const previous = [env.HTTPS_PROXY, env.https_proxy, env.HTTP_PROXY, env.http_proxy].find((value) => value !== undefined && value.trim() !== '');
  if (previous === undefined || previous === proxyUrl) return undefined;
  let url: URL;
  try {
    url = new URL(previous.includes('://') ? previous : `http://${previous}`);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) return undefined;
  const credentials = url.username !== '' || url.password !== '' ? '***@' : '';
  return `${url.protocol}//${credentials}${url.host}`;
}

/**
 * NODE_OPTIONS with `--require preload` appended. Node splits NODE_OPTIONS at spaces and reads a double-quoted
 * part as one argument, where a backslash escapes the next character (ParseNodeOptionsEnvVar in Node's
 * node_options.cc); backslashes outside quotes are literal, so Windows paths without spaces stay unquoted.
 */
export function nodeOptionsWithPreload(existing: string | undefined, preloadPath: string): string {
  const quoted = /[ "]/.test(preloadPath) ? `"${preloadPath.replace(/[\\"]/g, (char) => `\\${char}`)}"` : preloadPath;
  const before = (existing ?? '').trim();
  return `${before === '' ? '' : `${before} `}--require ${quoted}`;
}

/**
 * Whether this Node's fetch() honours HTTP(S)_PROXY by itself when NODE_USE_ENV_PROXY=1: from Node 24.0 and
 * 22.21 (Node's cli.md, NODE_USE_ENV_PROXY). Older ones need proxydoc's preload.
 */
export function hasBuiltInEnvProxy(nodeVersion: string): boolean {
  const [major, minor] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  return major >= 24 || (major === 22 && minor >= 21);
}
