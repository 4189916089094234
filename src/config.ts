/**
 * proxydoc's settings: defaults ← config file ← PROXYDOC_* environment ← flags, every value validated.
 *
 * Pure apart from reading the config file through the injected `readFile`, so every precedence and error shape is
 * testable without touching the disk or the real environment. A bad value never gets past here: it becomes a
 * ConfigError whose message is one line naming the key, where the value came from, the value, and the fix.
 */
import { constants as bufferConstants } from 'node:buffer';
import { isIP } from 'node:net';
import * as path from 'node:path';

export interface NamedTimeout {
  /** What the timeout belongs to, e.g. "app http client" — shown in explanations. */
  name: string;
  seconds: number;
}

/** Credentials clients must send as `Proxy-Authorization: Basic …` (RFC 7617). */
export interface ProxyCredentials {
  /** RFC 7617 §2: the user-id cannot contain a colon; the password can. */
  user: string;
  password: string;
}

/** An inclusive range of ports; a single port has from === to. */
export interface PortRange {
  from: number;
  to: number;
}

export interface ProxyConfig {
  host: string;
  port: number;
  /** Allows a --host other machines can reach; proxyAuth is required as well (see checkListenAccess). */
  allowRemote: boolean;
  /** When set, every proxy request (absolute-form, CONNECT, upgrade) must carry these credentials. */
  proxyAuth?: ProxyCredentials;
  /** Ports CONNECT may open tunnels to; undefined = any port. */
  connectPorts?: PortRange[];
  /** Absolute. Holds ca.pem and ca.key. */
  caDir: string;
  /** Absolute. Holds exchanges.jsonl and proxydoc.log. */
  logDir: string;
  /** Absolute paths of extra CA certificates trusted for upstream TLS. */
  upstreamCa: string[];
  insecureUpstream: boolean;
  /** Hosts that are tunnelled without TLS interception. */
  noIntercept: string[];
  /** Bytes of each body kept in the record. */
  maxBodyCapture: number;
  /** Rotate exchanges.jsonl and proxydoc.log (each on its own) before they grow past this many bytes; undefined = never. */
  maxLogSize?: number;
  /** Rotated files kept per log (name.1 … name.N) when maxLogSize is set. */
  maxLogFiles: number;
  /** Write exchanges.jsonl with credentials masked like proxydoc.log (replay and export can't reproduce them then). */
  redactRecords: boolean;
  /** An http:// proxy that proxydoc itself sends upstream traffic through. */
  upstreamProxy?: string;
  /** Hosts reached directly even when upstreamProxy is set. */
  upstreamNoProxy: string[];
  connectTimeoutMs: number;
  /**
   * How long a client may take to send a request's headers (and, inside CONNECT, to finish its TLS handshake) before
   * proxydoc cuts it with 408: the slowloris guard. Slow bodies and slow upstreams are never cut.
   */
  headersTimeoutMs: number;
  /** Timeouts of the app under test, so a diagnosis can say "this took longer than your 30 s client timeout". */
  timeouts: NamedTimeout[];
}

export const DEFAULT_CONFIG: ProxyConfig = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  allowRemote: false,
  proxyAuth: undefined,
  connectPorts: undefined,
  caDir: './certs',
  logDir: './logs',
  upstreamCa: [],
  insecureUpstream: false,
  noIntercept: [],
  maxBodyCapture: 1024 * 1024,
  maxLogSize: undefined,
  maxLogFiles: 5,
  redactRecords: false,
  upstreamProxy: undefined,
  upstreamNoProxy: [],
  connectTimeoutMs: 30_000,
  headersTimeoutMs: 60_000,
  timeouts: [],
}) as ProxyConfig;

export class ConfigError extends Error {
  readonly code = 'PROXYDOC_ERR_CONFIG';
  /** The ProxyConfig key (or "config" for the config file itself) the problem is about. */
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
    this.key = key;
  }
}

export interface ConfigSources {
  /** Parsed command-line flags, camelCase keys as yargs produces them; undefined = not given. */
  flags: Record<string, unknown>;
  env: Record<string, string | undefined>;
  /** Reads a file as UTF-8 text; throws (e.g. an ENOENT error) when it can't. */
  readFile: (path: string) => string;
  /** Relative paths, including the config file's, are resolved against this. */
  cwd: string;
}

/** Where a raw value came from; `label` is what the user typed to set it: "--port", "PROXYDOC_PORT", a file path. */
type Origin =
  | { kind: 'flag'; label: string }
  | { kind: 'env'; label: string }
  | { kind: 'file'; label: string }
  | { kind: 'default'; label: string };

type Key = keyof ProxyConfig;

interface SettingSpec {
  /** Flag key as yargs camel-cases it, and the spelling shown to users. */
  flag?: { key: string; label: string };
  env?: string;
  /** Validates a raw value from any source (the config file uses the ProxyConfig key itself). */
  parse: (raw: unknown, origin: Origin, key: Key, context: ParseContext) => unknown;
}

interface ParseContext {
  cwd: string;
}

const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000); // setTimeout fires at once beyond 2^31-1 ms

// The order here is the order of valid keys listed in error messages and of config.example.json.
const SETTINGS: Record<Key, SettingSpec> = {
  host: { flag: { key: 'host', label: '--host' }, env: 'PROXYDOC_HOST', parse: parseHost },
  port: { flag: { key: 'port', label: '--port' }, env: 'PROXYDOC_PORT', parse: parsePort },
  allowRemote: { flag: { key: 'allowRemote', label: '--allow-remote' }, env: 'PROXYDOC_ALLOW_REMOTE', parse: parseBoolean },
  proxyAuth: { flag: { key: 'proxyAuth', label: '--proxy-auth' }, env: 'PROXYDOC_PROXY_AUTH', parse: parseProxyAuth },
  connectPorts: { flag: { key: 'connectPorts', label: '--connect-ports' }, env: 'PROXYDOC_CONNECT_PORTS', parse: parseConnectPorts },
  caDir: { flag: { key: 'caDir', label: '--ca-dir' }, env: 'PROXYDOC_CA_DIR', parse: parsePath },
  logDir: { flag: { key: 'logDir', label: '--log-dir' }, env: 'PROXYDOC_LOG_DIR', parse: parsePath },
  upstreamCa: { flag: { key: 'upstreamCa', label: '--upstream-ca' }, env: 'PROXYDOC_UPSTREAM_CA', parse: parsePathList },
  insecureUpstream: {
    flag: { key: 'insecureUpstream', label: '--insecure-upstream' },
    env: 'PROXYDOC_INSECURE_UPSTREAM',
    parse: parseBoolean,
  },
  noIntercept: { flag: { key: 'noIntercept', label: '--no-intercept' }, env: 'PROXYDOC_NO_INTERCEPT', parse: parseHostList },
  maxBodyCapture: {
    flag: { key: 'maxBodyCapture', label: '--max-body-capture' },
    env: 'PROXYDOC_MAX_BODY_CAPTURE',
    parse: parseSize,
  },
  maxLogSize: { flag: { key: 'maxLogSize', label: '--max-log-size' }, env: 'PROXYDOC_MAX_LOG_SIZE', parse: parseLogSize },
  maxLogFiles: { flag: { key: 'maxLogFiles', label: '--max-log-files' }, env: 'PROXYDOC_MAX_LOG_FILES', parse: parseLogFiles },
  redactRecords: { flag: { key: 'redactRecords', label: '--redact-records' }, env: 'PROXYDOC_REDACT_RECORDS', parse: parseBoolean },
  upstreamProxy: {
    flag: { key: 'upstreamProxy', label: '--upstream-proxy' },
    env: 'PROXYDOC_UPSTREAM_PROXY',
    parse: parseUpstreamProxy,
  },
  upstreamNoProxy: {
    flag: { key: 'upstreamNoProxy', label: '--upstream-no-proxy' },
    env: 'PROXYDOC_UPSTREAM_NO_PROXY',
    parse: parseHostList,
  },
  // Flag and env take seconds (what people think in); the file key is the config field itself, in milliseconds.
  connectTimeoutMs: {
    flag: { key: 'connectTimeout', label: '--connect-timeout' },
    env: 'PROXYDOC_CONNECT_TIMEOUT',
    parse: parseConnectTimeout,
  },
  headersTimeoutMs: {
    flag: { key: 'headersTimeout', label: '--headers-timeout' },
    env: 'PROXYDOC_HEADERS_TIMEOUT',
    parse: parseConnectTimeout, // same shape: seconds from flags and env, milliseconds in the file
  },
  timeouts: { parse: parseTimeouts },
};

export const CONFIG_KEYS = Object.keys(SETTINGS) as Key[];

/** Environment variable names per key, for help text. */
export const CONFIG_ENV_VARS: Readonly<Partial<Record<Key, string>>> = Object.fromEntries(
  CONFIG_KEYS.filter((key) => SETTINGS[key].env).map((key) => [key, SETTINGS[key].env]),
);

export interface ResolveOptions {
  /**
   * The config is for a proxy about to listen (start, run): check that a non-loopback --host comes with
   * --allow-remote and --proxy-auth. Commands that only read the logs or look for a running proxy skip it.
   */
  listen?: boolean;
}

export function resolveConfig(sources: ConfigSources, options: ResolveOptions = {}): ProxyConfig {
  const context: ParseContext = { cwd: sources.cwd };
  const origins: Partial<Record<Key, Origin>> = {};
  const config: ProxyConfig = {
    ...DEFAULT_CONFIG,
    caDir: path.resolve(sources.cwd, DEFAULT_CONFIG.caDir),
    logDir: path.resolve(sources.cwd, DEFAULT_CONFIG.logDir),
    upstreamCa: [],
    noIntercept: [],
    upstreamNoProxy: [],
    timeouts: [],
  };
  const assign = (key: Key, raw: unknown, origin: Origin): void => {
    (config as unknown as Record<string, unknown>)[key] = SETTINGS[key].parse(raw, origin, key, context);
    origins[key] = origin;
  };

  const file = readConfigFile(sources);
  if (file) {
    for (const [key, raw] of Object.entries(file.values)) assign(key as Key, raw, { kind: 'file', label: file.path });
  }

  for (const key of CONFIG_KEYS) {
    const name = SETTINGS[key].env;
    const raw = name === undefined ? undefined : sources.env[name];
    // An exported-but-empty variable is the shell's way of saying "unset"; treating it as a value would be a trap.
    if (name !== undefined && raw !== undefined && raw.trim() !== '') assign(key, raw, { kind: 'env', label: name });
  }

  for (const key of CONFIG_KEYS) {
    const flag = SETTINGS[key].flag;
    const raw = flag === undefined ? undefined : sources.flags[flag.key];
    if (flag !== undefined && raw !== undefined) assign(key, raw, { kind: 'flag', label: flag.label });
  }

  checkUpstreamProxyIsNotSelf(config);
  if (options.listen) checkListenAccess(config, origins.host);
  return config;
}

function readConfigFile(sources: ConfigSources): { path: string; values: Record<string, unknown> } | undefined {
  const fromFlag = sources.flags.config;
  const fromEnv = sources.env.PROXYDOC_CONFIG;
  let given: string;
  let origin: string;
  if (fromFlag !== undefined) {
    if (typeof fromFlag !== 'string' || fromFlag.trim() === '') {
      throw new ConfigError('config', `invalid config ${show(fromFlag)} from --config: expected the path of a JSON file`);
    }
    given = fromFlag;
    origin = '--config';
  } else if (fromEnv !== undefined && fromEnv.trim() !== '') {
    given = fromEnv;
    origin = 'PROXYDOC_CONFIG';
  } else {
    return undefined;
  }

  const filePath = path.resolve(sources.cwd, given);
  let text: string;
  try {
    text = sources.readFile(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT') {
      throw new ConfigError(
        'config',
        `config file ${filePath} (from ${origin}) does not exist: fix the path, or copy config.example.json there`,
        { cause: error },
      );
    }
    const reason = code === 'EISDIR' ? 'it is a directory' : code ?? (error as Error)?.message ?? String(error);
    throw new ConfigError('config', `cannot read config file ${filePath} (from ${origin}): ${reason}`, { cause: error });
  }

  let parsed: unknown;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse rejects as an unexpected token.
    text = text.replace(/^\uFEFF/, '');
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      'config',
      `config file ${filePath} is not valid JSON: ${describeJsonError(text, error as Error)} (fix the JSON; see config.example.json)`,
      { cause: error },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(
      'config',
      `config file ${filePath} must hold a JSON object like {"port": 8080}, not ${jsonKind(parsed)}`,
    );
  }
  const values = parsed as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (!Object.prototype.hasOwnProperty.call(SETTINGS, key)) {
      throw new ConfigError(
        key,
        `unknown key ${show(key)} in config file ${filePath}: valid keys are ${CONFIG_KEYS.join(', ')}`,
      );
    }
  }
  return { path: filePath, values };
}

/**
 * One line saying what is wrong and where. V8's JSON.parse gives an offset for some errors and none for others
 * ("Unexpected token '}', ..."), so the offset is found by our own scan and shown as line and column too.
 */
function describeJsonError(text: string, error: Error): string {
  const v8Message = String(error?.message ?? error).split('\n')[0];
  const what = v8Message
    .replace(/, ".*" is not valid JSON$/, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/ at position \d+.*$/, '');
  const position = findJsonErrorOffset(text) ?? Number(/at position (\d+)/.exec(v8Message)?.[1] ?? text.length);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `${what} at line ${line}, column ${column} (position ${position})`;
}

/** Offset of the first JSON syntax error in `text` (text.length when it ends too early), or undefined if valid. */
export function findJsonErrorOffset(text: string): number | undefined {
  let at = 0;
  const fail = (offset: number): never => {
    throw offset;
  };
  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at += 1;
  };
  const expectChar = (char: string): void => {
    if (text[at] !== char) fail(at);
    at += 1;
  };
  const literal = (word: string): void => {
    for (const char of word) expectChar(char);
  };
  const string = (): void => {
    expectChar('"');
    for (;;) {
      if (at >= text.length) fail(at);
      const char = text[at];
      if (char === '"') {
        at += 1;
        return;
      }
      if (char < ' ') fail(at);
      if (char === '\\') {
        const escape = text[at + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) fail(at);
          at += 6;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          at += 2;
        } else {
          fail(at);
        }
      } else {
        at += 1;
      }
    }
  };
  const number = (): void => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at));
    if (!match) fail(at);
    at += match![0].length;
  };
  const value = (): void => {
    skipSpace();
    const char = text[at];
    if (char === '{') {
      at += 1;
      skipSpace();
      if (text[at] === '}') {
        at += 1;
        return;
      }
      for (;;) {
        skipSpace();
        string();
        skipSpace();
        expectChar(':');
        value();
        skipSpace();
        if (text[at] === ',') at += 1;
        else return expectChar('}');
      }
    }
    if (char === '[') {
      at += 1;
      skipSpace();
      if (text[at] === ']') {
        at += 1;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (text[at] === ',') at += 1;
        else return expectChar(']');
      }
    }
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    return number();
  };
  try {
    value();
    skipSpace();
    if (at < text.length) fail(at);
    return undefined;
  } catch (offset) {
    if (typeof offset !== 'number') throw offset;
    return Math.min(offset, text.length);
  }
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The bad value as the user would recognise it, quoted, on one line, never huge. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function invalid(key: Key, raw: unknown, origin: Origin, expectation: string): ConfigError {
  const where = origin.kind === 'file' ? `config file ${origin.label}` : origin.label;
  return new ConfigError(key, `invalid ${key} ${show(raw)} from ${where}: ${expectation}`);
}

/** Flags and env give strings; the config file may give JSON numbers and booleans too. */
function asText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return undefined;
}

function parseHost(raw: unknown, origin: Origin, key: Key): string {
  const expectation =
    'expected an address to listen on, like 127.0.0.1, ::1, localhost or 0.0.0.0 (the port goes in --port)';
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!text) throw invalid(key, raw, origin, expectation);
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(unbracketed) !== 0) return unbracketed;
  if (!isHostName(unbracketed)) throw invalid(key, raw, origin, expectation);
  return unbracketed;
}

function isHostName(text: string): boolean {
  return text.length <= 253 && /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(text);
}

function parsePort(raw: unknown, origin: Origin, key: Key): number {
  const text = asText(raw);
  const port = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw invalid(key, raw, origin, 'expected an integer from 0 to 65535 (0 picks a free port)');
  }
  return port;
}

function parsePath(raw: unknown, origin: Origin, key: Key, context: ParseContext): string {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw invalid(key, raw, origin, 'expected a directory path (relative paths are resolved against the current directory)');
  }
  return path.resolve(context.cwd, raw);
}

/**
 * Lists come as arrays from flags and the config file, and comma-separated from env; a flag value may also hold
 * commas ("--no-intercept a.com,b.com") because that is what people paste from the env form.
 */
function listItems(raw: unknown, origin: Origin, key: Key, itemDescription: string): string[] {
  const expectation =
    origin.kind === 'file'
      ? `expected a JSON array of ${itemDescription}s, like ["a", "b"]`
      : `expected one or more ${itemDescription}s${origin.kind === 'env' ? ', comma-separated' : ''}`;
  let parts: unknown[];
  if (Array.isArray(raw)) parts = raw;
  else if (typeof raw === 'string' && origin.kind !== 'file') parts = [raw];
  else throw invalid(key, raw, origin, expectation);

  const items: string[] = [];
  for (const part of parts) {
    const text = asText(part);
    if (text === undefined) throw invalid(key, raw, origin, expectation);
    if (origin.kind === 'file') {
      if (text === '') throw invalid(key, raw, origin, `${expectation}; an entry is empty`);
      items.push(text);
    } else {
      items.push(...text.split(',').map((item) => item.trim()).filter((item) => item !== ''));
    }
  }
  if (items.length === 0 && origin.kind === 'flag') {
    throw invalid(key, raw, origin, `expected one or more ${itemDescription}s after ${origin.label}`);
  }
  return items;
}

function parsePathList(raw: unknown, origin: Origin, key: Key, context: ParseContext): string[] {
  return listItems(raw, origin, key, 'PEM file path').map((item) => path.resolve(context.cwd, item));
}

function parseHostList(raw: unknown, origin: Origin, key: Key): string[] {
  const items = listItems(raw, origin, key, 'host name');
  for (const item of items) {
    // "*.example.com" and ".example.com" are the usual NO_PROXY spellings for "this domain and below".
    const bare = item.replace(/^\*\./, '').replace(/^\./, '');
    const withoutPort = bare.replace(/:\d{1,5}$/, '');
    const unbracketed = withoutPort.startsWith('[') && withoutPort.endsWith(']') ? withoutPort.slice(1, -1) : withoutPort;
    if (isIP(bare) === 0 && isIP(unbracketed) === 0 && !isHostName(unbracketed)) {
      const hint = item.includes('://')
        ? `"${item}" is a URL; give just its host`
        : `"${item}" is not a host name`;
      throw invalid(key, raw, origin, `expected host names like api.example.com or *.example.com (${hint})`);
    }
  }
  return items.map((item) => item.toLowerCase());
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

function parseBoolean(raw: unknown, origin: Origin, key: Key): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = asText(raw)?.toLowerCase();
  if (text !== undefined && Object.prototype.hasOwnProperty.call(BOOLEAN_WORDS, text)) return BOOLEAN_WORDS[text];
  throw invalid(key, raw, origin, 'expected true, false, 1, 0, yes or no');
}

const SIZE_MULTIPLIERS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Sizes are bytes, or a number with a k/m/g suffix; every suffix is binary (1k = 1024 bytes, 1m = 1024k). */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const multiplier = SIZE_MULTIPLIERS[match[2].toLowerCase()];
  if (multiplier === undefined) return undefined;
  return Math.floor(Number(match[1]) * multiplier);
}

function parseSize(raw: unknown, origin: Origin, key: Key): number {
  const text = asText(raw);
  const bytes = text === undefined ? undefined : parseByteSize(text);
  const expectation = 'expected bytes, or a number with a binary suffix like 512k, 1m or 2MiB (1k = 1024 bytes)';
  if (bytes === undefined) throw invalid(key, raw, origin, expectation);
  if (bytes > bufferConstants.MAX_LENGTH) {
    throw invalid(key, raw, origin, `at most ${bufferConstants.MAX_LENGTH} bytes fit in one capture; give a smaller size`);
  }
  return bytes;
}

/** --max-log-size: a size like 100m; "off" or 0 (null in the file) keeps one file that grows without limit. */
function parseLogSize(raw: unknown, origin: Origin, key: Key): number | undefined {
  if (raw === null && origin.kind === 'file') return undefined;
  const text = asText(raw);
  if (text !== undefined && text.trim().toLowerCase() === 'off') return undefined;
  const bytes = text === undefined ? undefined : parseByteSize(text);
  if (bytes === undefined || !Number.isSafeInteger(bytes)) {
    throw invalid(key, raw, origin, 'expected a size like 100m or 1g (binary: 1m = 1 MiB), or off');
  }
  return bytes === 0 ? undefined : bytes;
}

function parseLogFiles(raw: unknown, origin: Origin, key: Key): number {
  const text = asText(raw);
  const count = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= 1000)) throw invalid(key, raw, origin, 'expected how many rotated files to keep, from 1 to 1000');
  return count;
}

function parseUpstreamProxy(raw: unknown, origin: Origin, key: Key): string | undefined {
  const expectation = 'expected an http:// proxy URL like http://proxy.internal:3128';
  // JSON has no undefined, so the file spells "no upstream proxy" as null (as config.example.json does).
  if (raw === null && origin.kind === 'file') return undefined;
  if (typeof raw !== 'string') throw invalid(key, raw, origin, expectation);
  const text = raw.trim();
  // An explicit empty value on the command line switches off an upstream proxy set by the file or env.
  if (text === '' && origin.kind === 'flag') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(key, raw, origin, expectation);
  }
  if (url.protocol === 'https:') {
    throw invalid(key, raw, origin, 'https:// upstream proxies are not supported; use the proxy\'s http:// address');
  }
  if (url.protocol !== 'http:') {
    throw invalid(key, raw, origin, `${url.protocol}// proxies are not supported; ${expectation}`);
  }
  if (url.hostname === '') throw invalid(key, raw, origin, `${expectation} (the URL has no host)`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw invalid(key, raw, origin, `${expectation}, with no path or query`);
  }
  return text;
}

function parseConnectTimeout(raw: unknown, origin: Origin, key: Key): number {
  if (origin.kind === 'file') {
    const text = asText(raw);
    const ms = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(ms >= 1 && ms <= MAX_TIMER_SECONDS * 1000)) {
      throw invalid(key, raw, origin, `expected whole milliseconds from 1 to ${MAX_TIMER_SECONDS * 1000}, like 30000`);
    }
    return ms;
  }
  const text = asText(raw);
  const seconds = text !== undefined && /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  const ms = Math.round(seconds * 1000);
  if (!(ms >= 1 && seconds <= MAX_TIMER_SECONDS)) {
    throw invalid(key, raw, origin, `expected seconds greater than 0 and at most ${MAX_TIMER_SECONDS}, like 30 or 2.5`);
  }
  return ms;
}

function parseTimeouts(raw: unknown, origin: Origin, key: Key): NamedTimeout[] {
  const expectation = 'expected an array like [{"name": "app http client", "seconds": 30}] (name non-empty, seconds > 0)';
  if (!Array.isArray(raw)) throw invalid(key, raw, origin, expectation);
  const seen = new Set<string>();
  return raw.map((entry: unknown) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw invalid(key, entry, origin, expectation);
    const { name, seconds, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw invalid(key, entry, origin, `${expectation}; unknown field "${extra[0]}"`);
    if (typeof name !== 'string' || name.trim() === '') throw invalid(key, entry, origin, `${expectation}; name is missing or empty`);
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      throw invalid(key, entry, origin, `${expectation}; seconds must be a number greater than 0`);
    }
    if (seen.has(name.trim())) throw invalid(key, entry, origin, `${expectation}; the name "${name.trim()}" appears twice`);
    seen.add(name.trim());
    return { name: name.trim(), seconds };
  });
}

/**
 * `user:password` for --proxy-auth. The value is never echoed in an error: a value without a colon is most likely
 * the password alone.
 */
function parseProxyAuth(raw: unknown, origin: Origin, key: Key): ProxyCredentials | undefined {
  // JSON has no undefined: null in the file means no authentication; an explicit "" flag switches it off.
  if (raw === null && origin.kind === 'file') return undefined;
  if (raw === '' && origin.kind === 'flag') return undefined;
  const where = origin.kind === 'file' ? `config file ${origin.label}` : origin.label;
  const fail = (problem: string): ConfigError =>
    new ConfigError(
      key,
      `invalid ${key} from ${where} (value not shown, it may hold a password): ${problem}; expected user:password, like alice:s3cret`,
    );
  if (typeof raw !== 'string') throw fail(`got ${jsonKind(raw)}, not a string`);
  const colon = raw.indexOf(':');
  if (colon < 0) throw fail('there is no colon between the user name and the password');
  const user = raw.slice(0, colon);
  const password = raw.slice(colon + 1);
  if (user === '') throw fail('the user name before the colon is empty');
  if (password === '') throw fail('the password after the colon is empty');
  // RFC 7617 §2: neither the user-id nor the password may contain control characters.
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw fail('it contains a control character (a pasted newline or tab?)');
  return { user, password };
}

/** `443,8443,9000-9100` for --connect-ports, or `any` (the default: every port, like mitmproxy). */
function parseConnectPorts(raw: unknown, origin: Origin, key: Key): PortRange[] | undefined {
  const expectation = 'expected ports and ranges like 443,8443,9000-9100 (1 to 65535), or "any"';
  if (raw === null && origin.kind === 'file') return undefined;
  // Flags come as arrays (repeated or space-separated), env as a comma list; the file takes a JSON array or a string.
  const items: string[] = [];
  for (const part of Array.isArray(raw) ? raw : [raw]) {
    const text = asText(part);
    if (text === undefined) throw invalid(key, raw, origin, expectation);
    items.push(...text.split(',').map((item) => item.trim()).filter((item) => item !== ''));
  }
  if (items.length === 1 && items[0].toLowerCase() === 'any') return undefined;
  if (items.length === 0) throw invalid(key, raw, origin, `${expectation}; an empty list would refuse every CONNECT`);
  return items.map((item) => {
    const match = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(item);
    if (!match) {
      const hint = item.toLowerCase() === 'any' ? '"any" cannot be mixed with ports' : `"${item}" is not a port or a range`;
      throw invalid(key, raw, origin, `${expectation} (${hint})`);
    }
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    for (const port of [from, to]) {
      if (port < 1 || port > 65535) throw invalid(key, raw, origin, `${expectation} (${port} is not a port)`);
    }
    if (from > to) throw invalid(key, raw, origin, `${expectation} (the range ${item} runs backwards: write ${to}-${from})`);
    return { from, to };
  });
}

/** `443, 8443, 9000-9100`, for help text, the banner and 403 answers. */
export function formatPortRanges(ranges: readonly PortRange[]): string {
  return ranges.map(({ from, to }) => (from === to ? String(from) : `${from}-${to}`)).join(', ');
}

/**
 * Loopback as an address to listen on: 127.0.0.0/8, ::1 (also IPv4-mapped, ::ffff:127.x.x.x) and the name
 * localhost. Anything else, 0.0.0.0 and :: included, can be reached from other machines.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (name === 'localhost' || name === '::1') return true;
  const v4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * A proxy other machines can reach decrypts their HTTPS with proxydoc's CA and reaches whatever this machine can
 * (the intranet, cloud metadata): it needs an explicit --allow-remote, and credentials so it is not an open proxy.
 */
function checkListenAccess(config: ProxyConfig, hostOrigin: Origin | undefined): void {
  if (isLoopbackHost(config.host)) return;
  const missing = [config.allowRemote ? '' : '--allow-remote', config.proxyAuth ? '' : '--proxy-auth'].filter((flag) => flag !== '');
  if (missing.length === 0) return;
  const from = hostOrigin && hostOrigin.kind !== 'flag' ? ` (host from ${hostOrigin.kind === 'file' ? `config file ${hostOrigin.label}` : hostOrigin.label})` : '';
  const why = config.proxyAuth
    ? 'other machines could reach it'
    : 'anyone who can reach it could use your machine as an open proxy and read the traffic it decrypts';
  const fix = [
    config.allowRemote ? '' : '--allow-remote (env PROXYDOC_ALLOW_REMOTE=1)',
    config.proxyAuth ? '' : '--proxy-auth user:password (env PROXYDOC_PROXY_AUTH)',
  ]
    .filter((part) => part !== '')
    .join(' and ');
  throw new ConfigError(
    'host',
    `refusing to listen on ${config.host}${from} without ${missing.join(' and ')}: ${why}; add ${fix}, or listen on 127.0.0.1`,
  );
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);

/** An upstream proxy that is proxydoc itself would forward every request back to itself until sockets run out. */
function checkUpstreamProxyIsNotSelf(config: ProxyConfig): void {
  if (config.upstreamProxy === undefined || config.port === 0) return;
  const url = new URL(config.upstreamProxy);
  const proxyHost = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const proxyPort = Number(url.port || 80);
  const listenHost = config.host.toLowerCase();
  const sameHost =
    proxyHost === listenHost || (LOOPBACK_NAMES.has(proxyHost) && LOOPBACK_NAMES.has(listenHost));
  if (sameHost && proxyPort === config.port) {
    throw new ConfigError(
      'upstreamProxy',
      `invalid upstreamProxy ${show(config.upstreamProxy)}: it is proxydoc's own address, so every request would loop back to it; point it at the real upstream proxy or leave it unset`,
    );
  }
}
