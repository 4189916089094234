import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConfigError,
  DEFAULT_CONFIG,
  findJsonErrorOffset,
  formatPortRanges,
  isLoopbackHost,
  parseByteSize,
  resolveConfig,
  type ConfigSources,
} from '../../src/config';

const CWD = '/work/app';

function enoent(filePath: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${filePath}'`), { code: 'ENOENT' });
}

/** Sources with an in-memory file system: `files` maps absolute paths to their text. */
function sources(
  overrides: { flags?: Record<string, unknown>; env?: Record<string, string | undefined>; files?: Record<string, string> } = {},
): ConfigSources {
  const files = overrides.files ?? {};
  return {
    flags: overrides.flags ?? {},
    env: overrides.env ?? {},
    cwd: CWD,
    readFile: (filePath) => {
      if (!(filePath in files)) throw enoent(filePath);
      return files[filePath];
    },
  };
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('PROXYDOC_ERR_CONFIG');
    expect(configError.message).not.toContain('\n');
    return configError;
  }
  throw new Error('expected a ConfigError, but resolveConfig succeeded');
}

describe('resolveConfig defaults', () => {
  it('gives the documented defaults with paths resolved against cwd', () => {
    expect(resolveConfig(sources())).toEqual({
      host: '127.0.0.1',
      port: 8080,
      allowRemote: false,
      proxyAuth: undefined,
      connectPorts: undefined,
      caDir: '/work/app/certs',
      logDir: '/work/app/logs',
      upstreamCa: [],
      insecureUpstream: false,
      noIntercept: [],
      maxBodyCapture: 1048576,
      maxLogSize: undefined,
      maxLogFiles: 5,
      redactRecords: false,
      upstreamProxy: undefined,
      upstreamNoProxy: [],
      connectTimeoutMs: 30000,
      headersTimeoutMs: 60000,
      timeouts: [],
    });
  });

  it('never takes the upstream proxy from HTTP_PROXY or HTTPS_PROXY, which point at proxydoc itself', () => {
    const config = resolveConfig(
      sources({ env: { HTTP_PROXY: 'http://127.0.0.1:8080', HTTPS_PROXY: 'http://127.0.0.1:8080', http_proxy: 'http://x:1' } }),
    );
    expect(config.upstreamProxy).toBeUndefined();
  });

  it('config.example.json holds every key with its default (plus a timeouts example)', () => {
    const examplePath = path.join(__dirname, '..', '..', 'config.example.json');
    const text = fs.readFileSync(examplePath, 'utf8');
    const config = resolveConfig(sources({ flags: { config: '/ex.json' }, files: { '/ex.json': text } }));
    expect({ ...config, timeouts: [] }).toEqual(resolveConfig(sources()));
    expect(config.timeouts.length).toBeGreaterThan(0);
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
  });
});

describe('resolveConfig precedence: defaults < config file < env < flags', () => {
  const file = JSON.stringify({ host: '::1', port: 1111, logDir: 'file-logs', noIntercept: ['file.example.com'] });
  const files = { '/work/app/proxydoc.json': file };

  it('the config file overrides defaults', () => {
    const config = resolveConfig(sources({ flags: { config: 'proxydoc.json' }, files }));
    expect(config).toMatchObject({ host: '::1', port: 1111, logDir: '/work/app/file-logs', noIntercept: ['file.example.com'] });
    expect(config.caDir).toBe('/work/app/certs');
  });

  it('env overrides the file, flags override env', () => {
    const config = resolveConfig(
      sources({
        flags: { config: 'proxydoc.json', port: '3333' },
        env: { PROXYDOC_PORT: '2222', PROXYDOC_LOG_DIR: '/var/env-logs', PROXYDOC_NO_INTERCEPT: 'a.example.com, b.example.com' },
        files,
      }),
    );
    expect(config).toMatchObject({
      host: '::1',
      port: 3333,
      logDir: '/var/env-logs',
      noIntercept: ['a.example.com', 'b.example.com'],
    });
  });

  it('a higher source replaces a list instead of merging it', () => {
    const config = resolveConfig(
      sources({ flags: { config: 'proxydoc.json', noIntercept: ['flag.example.com'] }, env: { PROXYDOC_NO_INTERCEPT: 'env.example.com' }, files }),
    );
    expect(config.noIntercept).toEqual(['flag.example.com']);
  });

  it('PROXYDOC_CONFIG names the file when --config is absent; --config wins when both are given', () => {
    const bothFiles = { ...files, '/etc/other.json': JSON.stringify({ port: 4444 }) };
    expect(resolveConfig(sources({ env: { PROXYDOC_CONFIG: 'proxydoc.json' }, files: bothFiles })).port).toBe(1111);
    expect(
      resolveConfig(sources({ flags: { config: '/etc/other.json' }, env: { PROXYDOC_CONFIG: 'proxydoc.json' }, files: bothFiles })).port,
    ).toBe(4444);
  });

  it('an empty environment variable counts as unset', () => {
    expect(resolveConfig(sources({ env: { PROXYDOC_PORT: '', PROXYDOC_HOST: '  ' } }))).toMatchObject({ port: 8080, host: '127.0.0.1' });
  });

  it('reads every PROXYDOC_* variable', () => {
    const config = resolveConfig(
      sources({
        env: {
          PROXYDOC_HOST: 'localhost',
          PROXYDOC_PORT: '0',
          PROXYDOC_CA_DIR: 'my-ca',
          PROXYDOC_LOG_DIR: '/tmp/logs',
          PROXYDOC_UPSTREAM_CA: 'a.pem,/etc/b.pem',
          PROXYDOC_INSECURE_UPSTREAM: 'yes',
          PROXYDOC_NO_INTERCEPT: '*.Apple.com',
          PROXYDOC_MAX_BODY_CAPTURE: '512k',
          PROXYDOC_UPSTREAM_PROXY: 'http://user:pw@proxy.corp:3128',
          PROXYDOC_UPSTREAM_NO_PROXY: 'intranet.corp,10.0.0.1',
          PROXYDOC_CONNECT_TIMEOUT: '2.5',
          PROXYDOC_HEADERS_TIMEOUT: '20',
          PROXYDOC_ALLOW_REMOTE: 'yes',
          PROXYDOC_PROXY_AUTH: 'alice:pa:ss word',
          PROXYDOC_CONNECT_PORTS: '443, 8443,9000-9100',
          PROXYDOC_MAX_LOG_SIZE: '10m',
          PROXYDOC_MAX_LOG_FILES: '7',
          PROXYDOC_REDACT_RECORDS: '1',
        },
      }),
    );
    expect(config).toEqual({
      host: 'localhost',
      port: 0,
      allowRemote: true,
      proxyAuth: { user: 'alice', password: 'pa:ss word' },
      connectPorts: [
        { from: 443, to: 443 },
        { from: 8443, to: 8443 },
        { from: 9000, to: 9100 },
      ],
      caDir: '/work/app/my-ca',
      logDir: '/tmp/logs',
      upstreamCa: ['/work/app/a.pem', '/etc/b.pem'],
      insecureUpstream: true,
      noIntercept: ['*.apple.com'],
      maxBodyCapture: 512 * 1024,
      maxLogSize: 10 * 1024 * 1024,
      maxLogFiles: 7,
      redactRecords: true,
      upstreamProxy: 'http://user:pw@proxy.corp:3128',
      upstreamNoProxy: ['intranet.corp', '10.0.0.1'],
      connectTimeoutMs: 2500,
      headersTimeoutMs: 20000,
      timeouts: [],
    });
  });

  it('takes flags as yargs gives them: strings, repeated-flag arrays, booleans, comma lists', () => {
    const config = resolveConfig(
      sources({
        env: { PROXYDOC_INSECURE_UPSTREAM: 'true' },
        flags: {
          upstreamCa: ['one.pem', 'two.pem'],
          insecureUpstream: false,
          noIntercept: ['a.example.com,b.example.com', 'c.example.com'],
          connectTimeout: '10',
          maxBodyCapture: '0',
        },
      }),
    );
    expect(config).toMatchObject({
      upstreamCa: ['/work/app/one.pem', '/work/app/two.pem'],
      insecureUpstream: false,
      noIntercept: ['a.example.com', 'b.example.com', 'c.example.com'],
      connectTimeoutMs: 10000,
      maxBodyCapture: 0,
    });
  });

  it('--upstream-proxy "" switches off an upstream proxy set by env', () => {
    const config = resolveConfig(sources({ flags: { upstreamProxy: '' }, env: { PROXYDOC_UPSTREAM_PROXY: 'http://p:3128' } }));
    expect(config.upstreamProxy).toBeUndefined();
  });

  it('the config file gives connectTimeoutMs in milliseconds and timeouts as objects', () => {
    const text = JSON.stringify({ connectTimeoutMs: 1500, timeouts: [{ name: 'jira client', seconds: 20 }], maxBodyCapture: 4096 });
    const config = resolveConfig(sources({ flags: { config: '/c.json' }, files: { '/c.json': text } }));
    expect(config).toMatchObject({ connectTimeoutMs: 1500, timeouts: [{ name: 'jira client', seconds: 20 }], maxBodyCapture: 4096 });
  });
});

describe('sizes use binary multiples', () => {
  it.each([
    ['0', 0],
    ['1048576', 1048576],
    ['512k', 524288],
    ['512KiB', 524288],
    ['1MiB', 1048576],
    ['2m', 2097152],
    ['1.5m', 1572864],
    ['1g', 1073741824],
    ['10 kb', 10240],
  ])('%s = %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'k', '12q', '-1', '1e3', 'lots'])('%j is not a size', (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });
});

describe('bad values give one line naming the key, the source, the value and the fix', () => {
  it('port from env, word for word', () => {
    const error = configError(() => resolveConfig(sources({ env: { PROXYDOC_PORT: '80a' } })));
    expect(error.message).toBe('invalid port "80a" from PROXYDOC_PORT: expected an integer from 0 to 65535 (0 picks a free port)');
    expect(error.key).toBe('port');
  });

  it('port from a flag and from the config file name their source', () => {
    expect(configError(() => resolveConfig(sources({ flags: { port: '65536' } }))).message).toBe(
      'invalid port "65536" from --port: expected an integer from 0 to 65535 (0 picks a free port)',
    );
    const fileError = configError(() =>
      resolveConfig(sources({ flags: { config: 'c.json' }, files: { '/work/app/c.json': '{"port": 80.5}' } })),
    );
    expect(fileError.message).toBe(
      'invalid port 80.5 from config file /work/app/c.json: expected an integer from 0 to 65535 (0 picks a free port)',
    );
  });

  // [key, sources, source label, value as shown, words of the fix]
  const cases: Array<[string, Partial<Parameters<typeof sources>[0]>, string, string, string]> = [
    ['port', { flags: { port: '' } }, '--port', '""', 'integer from 0 to 65535'],
    ['port', { flags: { port: '-1' } }, '--port', '"-1"', 'integer from 0 to 65535'],
    ['host', { flags: { host: '127.0.0.1:8080' } }, '--host', '"127.0.0.1:8080"', 'the port goes in --port'],
    ['host', { env: { PROXYDOC_HOST: 'http://localhost' } }, 'PROXYDOC_HOST', '"http://localhost"', 'expected an address'],
    ['caDir', { flags: { caDir: '' } }, '--ca-dir', '""', 'expected a directory path'],
    ['logDir', { flags: { logDir: true } }, '--log-dir', 'true', 'expected a directory path'],
    ['insecureUpstream', { env: { PROXYDOC_INSECURE_UPSTREAM: 'maybe' } }, 'PROXYDOC_INSECURE_UPSTREAM', '"maybe"', 'true, false, 1, 0, yes or no'],
    ['maxBodyCapture', { env: { PROXYDOC_MAX_BODY_CAPTURE: '12q' } }, 'PROXYDOC_MAX_BODY_CAPTURE', '"12q"', 'binary suffix like 512k'],
    ['maxBodyCapture', { flags: { maxBodyCapture: '99999g' } }, '--max-body-capture', '"99999g"', 'give a smaller size'],
    ['upstreamProxy', { flags: { upstreamProxy: 'https://proxy:3128' } }, '--upstream-proxy', '"https://proxy:3128"', 'https:// upstream proxies are not supported'],
    ['upstreamProxy', { env: { PROXYDOC_UPSTREAM_PROXY: 'socks5://proxy:1080' } }, 'PROXYDOC_UPSTREAM_PROXY', '"socks5://proxy:1080"', 'socks5:// proxies are not supported'],
    ['upstreamProxy', { env: { PROXYDOC_UPSTREAM_PROXY: 'proxy.corp' } }, 'PROXYDOC_UPSTREAM_PROXY', '"proxy.corp"', 'expected an http:// proxy URL'],
    ['upstreamProxy', { flags: { upstreamProxy: 'http://proxy:3128/path' } }, '--upstream-proxy', '"http://proxy:3128/path"', 'no path or query'],
    ['connectTimeoutMs', { flags: { connectTimeout: '0' } }, '--connect-timeout', '"0"', 'seconds greater than 0'],
    ['connectTimeoutMs', { env: { PROXYDOC_CONNECT_TIMEOUT: '30s' } }, 'PROXYDOC_CONNECT_TIMEOUT', '"30s"', 'seconds greater than 0'],
    ['connectTimeoutMs', { flags: { connectTimeout: '9999999' } }, '--connect-timeout', '"9999999"', 'at most 2147483'],
    ['noIntercept', { flags: { noIntercept: [] } }, '--no-intercept', '[]', 'one or more host names after --no-intercept'],
    ['noIntercept', { env: { PROXYDOC_NO_INTERCEPT: 'https://api.example.com/x' } }, 'PROXYDOC_NO_INTERCEPT', '"https://api.example.com/x"', 'is a URL; give just its host'],
    ['upstreamNoProxy', { flags: { upstreamNoProxy: ['bad host'] } }, '--upstream-no-proxy', '["bad host"]', 'is not a host name'],
    ['upstreamCa', { flags: { upstreamCa: [] } }, '--upstream-ca', '[]', 'one or more PEM file paths'],
    ['allowRemote', { env: { PROXYDOC_ALLOW_REMOTE: 'sure' } }, 'PROXYDOC_ALLOW_REMOTE', '"sure"', 'true, false, 1, 0, yes or no'],
    ['connectPorts', { flags: { connectPorts: ['443,https'] } }, '--connect-ports', '["443,https"]', '"https" is not a port or a range'],
    ['connectPorts', { flags: { connectPorts: ['9100-9000'] } }, '--connect-ports', '["9100-9000"]', 'the range 9100-9000 runs backwards: write 9000-9100'],
    ['connectPorts', { env: { PROXYDOC_CONNECT_PORTS: '0' } }, 'PROXYDOC_CONNECT_PORTS', '"0"', '0 is not a port'],
    ['connectPorts', { env: { PROXYDOC_CONNECT_PORTS: '443-70000' } }, 'PROXYDOC_CONNECT_PORTS', '"443-70000"', '70000 is not a port'],
    ['connectPorts', { env: { PROXYDOC_CONNECT_PORTS: '443-' } }, 'PROXYDOC_CONNECT_PORTS', '"443-"', '"443-" is not a port or a range'],
    ['connectPorts', { env: { PROXYDOC_CONNECT_PORTS: ',' } }, 'PROXYDOC_CONNECT_PORTS', '","', 'an empty list would refuse every CONNECT'],
    ['connectPorts', { flags: { connectPorts: ['any', '443'] } }, '--connect-ports', '["any","443"]', '"any" cannot be mixed with ports'],
    ['maxLogSize', { flags: { maxLogSize: '100 lines' } }, '--max-log-size', '"100 lines"', 'expected a size like 100m'],
    ['maxLogSize', { env: { PROXYDOC_MAX_LOG_SIZE: '-5m' } }, 'PROXYDOC_MAX_LOG_SIZE', '"-5m"', 'or off'],
    ['maxLogFiles', { flags: { maxLogFiles: '0' } }, '--max-log-files', '"0"', 'from 1 to 1000'],
    ['maxLogFiles', { env: { PROXYDOC_MAX_LOG_FILES: 'five' } }, 'PROXYDOC_MAX_LOG_FILES', '"five"', 'from 1 to 1000'],
    ['redactRecords', { env: { PROXYDOC_REDACT_RECORDS: 'please' } }, 'PROXYDOC_REDACT_RECORDS', '"please"', 'true, false, 1, 0, yes or no'],
  ];

  it.each(cases)('%s from %j', (key, input, label, shown, fix) => {
    const error = configError(() => resolveConfig(sources(input)));
    expect(error.key).toBe(key);
    expect(error.message.startsWith(`invalid ${key} ${shown} from ${label}: `)).toBe(true);
    expect(error.message).toContain(fix);
  });

  // [key, JSON value in the config file, words of the fix]
  const fileCases: Array<[string, unknown, string]> = [
    ['host', 42.5, 'expected an address'],
    ['port', true, 'integer from 0 to 65535'],
    ['insecureUpstream', 'sometimes', 'true, false, 1, 0, yes or no'],
    ['noIntercept', 'a.example.com', 'expected a JSON array of host names'],
    ['noIntercept', ['ok.example.com', ''], 'an entry is empty'],
    ['upstreamCa', [1, {}], 'expected a JSON array of PEM file paths'],
    ['maxBodyCapture', -5, 'binary suffix'],
    ['upstreamProxy', 3128, 'expected an http:// proxy URL'],
    ['connectTimeoutMs', 0, 'whole milliseconds from 1'],
    ['connectTimeoutMs', '30s', 'whole milliseconds from 1'],
    ['timeouts', { name: 'x', seconds: 1 }, 'expected an array like'],
    ['timeouts', [{ name: '', seconds: 5 }], 'name is missing or empty'],
    ['timeouts', [{ name: 'client', seconds: 0 }], 'seconds must be a number greater than 0'],
    ['timeouts', [{ name: 'client', seconds: '30' }], 'seconds must be a number greater than 0'],
    ['timeouts', [{ name: 'client', seconds: 3, unit: 's' }], 'unknown field "unit"'],
    ['timeouts', [{ name: 'a', seconds: 3 }, { name: 'a', seconds: 4 }], 'the name "a" appears twice'],
    ['allowRemote', 'sometimes', 'true, false, 1, 0, yes or no'],
    ['connectPorts', [], 'an empty list would refuse every CONNECT'],
    ['connectPorts', [443, true], 'expected ports and ranges like 443,8443,9000-9100'],
    ['connectPorts', '22-21', 'runs backwards'],
    ['maxLogSize', true, 'expected a size like 100m'],
    ['maxLogFiles', 2.5, 'from 1 to 1000'],
    ['redactRecords', 'sometimes', 'true, false, 1, 0, yes or no'],
  ];

  it.each(fileCases)('%s = %j in the config file', (key, value, fix) => {
    const text = JSON.stringify({ [key]: value });
    const error = configError(() => resolveConfig(sources({ flags: { config: '/c.json' }, files: { '/c.json': text } })));
    expect(error.key).toBe(key);
    expect(error.message).toMatch(new RegExp(`^invalid ${key} .* from config file /c\\.json: `));
    expect(error.message).toContain(fix);
  });

  it('log rotation and --redact-records: sizes with binary suffixes, off/0/null for no rotation', () => {
    expect(resolveConfig(sources({ flags: { maxLogSize: '100m', maxLogFiles: '3', redactRecords: true } }))).toMatchObject({
      maxLogSize: 100 * 1024 * 1024,
      maxLogFiles: 3,
      redactRecords: true,
    });
    expect(resolveConfig(sources({ env: { PROXYDOC_MAX_LOG_SIZE: '1g', PROXYDOC_REDACT_RECORDS: 'yes' } }))).toMatchObject({
      maxLogSize: 1024 ** 3,
      redactRecords: true,
    });
    expect(resolveConfig(sources({ env: { PROXYDOC_MAX_LOG_SIZE: '1g' }, flags: { maxLogSize: 'off' } })).maxLogSize).toBeUndefined();
    expect(resolveConfig(sources({ flags: { maxLogSize: '0' } })).maxLogSize).toBeUndefined();
    const file = JSON.stringify({ maxLogSize: null, maxLogFiles: 10 });
    expect(resolveConfig(sources({ flags: { config: '/c.json' }, files: { '/c.json': file } }))).toMatchObject({ maxLogSize: undefined, maxLogFiles: 10 });
  });

  it('an upstream proxy that is proxydoc itself would loop', () => {
    const error = configError(() =>
      resolveConfig(sources({ flags: { port: '9000' }, env: { PROXYDOC_UPSTREAM_PROXY: 'http://localhost:9000' } })),
    );
    expect(error.key).toBe('upstreamProxy');
    expect(error.message).toContain('loop');
    expect(resolveConfig(sources({ flags: { port: '9001', upstreamProxy: 'http://localhost:9000' } })).upstreamProxy).toBe(
      'http://localhost:9000',
    );
  });
});

describe('the config file itself', () => {
  it('an unknown key is named, with the valid keys listed', () => {
    const error = configError(() =>
      resolveConfig(sources({ flags: { config: 'c.json' }, files: { '/work/app/c.json': '{"port": 1, "prot": 2}' } })),
    );
    expect(error.key).toBe('prot');
    expect(error.message).toBe(
      'unknown key "prot" in config file /work/app/c.json: valid keys are host, port, allowRemote, proxyAuth, connectPorts, caDir, logDir, upstreamCa, ' +
        'insecureUpstream, noIntercept, maxBodyCapture, maxLogSize, maxLogFiles, redactRecords, upstreamProxy, upstreamNoProxy, connectTimeoutMs, headersTimeoutMs, timeouts',
    );
  });

  it('invalid JSON names the file and where the parse failed', () => {
    const error = configError(() =>
      resolveConfig(sources({ flags: { config: 'c.json' }, files: { '/work/app/c.json': '{\n  "port": 1,\n}' } })),
    );
    expect(error.key).toBe('config');
    expect(error.message).toBe(
      'config file /work/app/c.json is not valid JSON: Expected double-quoted property name at line 3, column 1 ' +
        '(position 15) (fix the JSON; see config.example.json)',
    );
  });

  it.each([
    ['{"port": }', 9],
    ['{"a": tru}', 9],
    ['', 0],
    ['{"port": 1', 10],
    ['[1 2]', 3],
    ['{"a":1}x', 7],
    ['{"a": 01}', 7],
    ['{"a": "\\q"}', 7],
    ['{"a": "x\ny"}', 8],
  ])('locates the JSON error in %j at offset %d', (text, offset) => {
    expect(findJsonErrorOffset(text)).toBe(offset);
  });

  it.each(['{}', ' [1, -2.5e3, "\\u00e9", true, false, null, {"a": []}] ', '"x"'])('finds no error in valid JSON %j', (text) => {
    expect(findJsonErrorOffset(text)).toBeUndefined();
  });

  it('a byte-order mark before the JSON is accepted', () => {
    const config = resolveConfig(sources({ flags: { config: '/c.json' }, files: { '/c.json': '\uFEFF{"port": 9}' } }));
    expect(config.port).toBe(9);
  });

  it('JSON that is not an object is rejected', () => {
    const error = configError(() => resolveConfig(sources({ flags: { config: '/c.json' }, files: { '/c.json': '[8080]' } })));
    expect(error.message).toBe('config file /c.json must hold a JSON object like {"port": 8080}, not an array');
  });

  it('a missing file is named with where its name came from', () => {
    const error = configError(() => resolveConfig(sources({ env: { PROXYDOC_CONFIG: 'nope.json' } })));
    expect(error.message).toBe(
      'config file /work/app/nope.json (from PROXYDOC_CONFIG) does not exist: fix the path, or copy config.example.json there',
    );
  });

  it('an unreadable file gives the reason', () => {
    const error = configError(() =>
      resolveConfig({
        ...sources({ flags: { config: '/etc' } }),
        readFile: () => {
          throw Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR' });
        },
      }),
    );
    expect(error.message).toBe('cannot read config file /etc (from --config): it is a directory');
  });

  it('an empty --config value is rejected', () => {
    expect(configError(() => resolveConfig(sources({ flags: { config: '' } }))).message).toBe(
      'invalid config "" from --config: expected the path of a JSON file',
    );
  });

  it('null for upstreamProxy in the file means none', () => {
    const config = resolveConfig(sources({ flags: { config: '/c.json' }, files: { '/c.json': '{"upstreamProxy": null}' } }));
    expect(config.upstreamProxy).toBeUndefined();
  });
});

describe('access: --proxy-auth, --connect-ports, --allow-remote', () => {
  it('--proxy-auth splits at the first colon (RFC 7617 §2: the password may hold colons)', () => {
    expect(resolveConfig(sources({ flags: { proxyAuth: 'alice:s3:cr:et' } })).proxyAuth).toEqual({ user: 'alice', password: 's3:cr:et' });
    const file = { '/c.json': JSON.stringify({ proxyAuth: 'bob:pw' }) };
    expect(resolveConfig(sources({ flags: { config: '/c.json' }, files: file })).proxyAuth).toEqual({ user: 'bob', password: 'pw' });
  });

  it('null in the file and "" on the command line mean no proxy authentication', () => {
    const file = { '/c.json': JSON.stringify({ proxyAuth: null }) };
    expect(resolveConfig(sources({ flags: { config: '/c.json' }, files: file })).proxyAuth).toBeUndefined();
    expect(resolveConfig(sources({ flags: { proxyAuth: '' }, env: { PROXYDOC_PROXY_AUTH: 'a:b' } })).proxyAuth).toBeUndefined();
  });

  // A bad --proxy-auth value is most likely a password: the error names the problem but never shows the value.
  it.each([
    [{ flags: { proxyAuth: 'nocolon' } }, 'nocolon', '--proxy-auth', 'there is no colon between the user name and the password'],
    [{ flags: { proxyAuth: ':hunter2' } }, 'hunter2', '--proxy-auth', 'the user name before the colon is empty'],
    [{ env: { PROXYDOC_PROXY_AUTH: 'carol:' } }, 'carol', 'PROXYDOC_PROXY_AUTH', 'the password after the colon is empty'],
    [{ env: { PROXYDOC_PROXY_AUTH: 'carol:hunter2\n' } }, 'hunter2', 'PROXYDOC_PROXY_AUTH', 'it contains a control character (a pasted newline or tab?)'],
    [{ flags: { config: '/c.json' }, files: { '/c.json': '{"proxyAuth": {"user": "a", "password": "hunter2"}}' } }, 'hunter2', 'config file /c.json', 'got a object, not a string'],
  ])('%j is one line without the value', (input, secret, label, problem) => {
    const error = configError(() => resolveConfig(sources(input)));
    expect(error.key).toBe('proxyAuth');
    expect(error.message).toBe(
      `invalid proxyAuth from ${label} (value not shown, it may hold a password): ${problem}; expected user:password, like alice:s3cret`,
    );
    expect(error.message).not.toContain(secret);
  });

  it('--connect-ports takes ports and ranges from flags, env and the file; "any" or null means any port', () => {
    expect(resolveConfig(sources({ flags: { connectPorts: ['443', '8443,9000-9100'] } })).connectPorts).toEqual([
      { from: 443, to: 443 },
      { from: 8443, to: 8443 },
      { from: 9000, to: 9100 },
    ]);
    const file = (value: unknown) => ({ flags: { config: '/c.json' }, files: { '/c.json': JSON.stringify({ connectPorts: value }) } });
    expect(resolveConfig(sources(file([443, '8000-8080']))).connectPorts).toEqual([
      { from: 443, to: 443 },
      { from: 8000, to: 8080 },
    ]);
    expect(resolveConfig(sources(file('443,8443'))).connectPorts).toEqual([
      { from: 443, to: 443 },
      { from: 8443, to: 8443 },
    ]);
    expect(resolveConfig(sources(file('any'))).connectPorts).toBeUndefined();
    expect(resolveConfig(sources(file(null))).connectPorts).toBeUndefined();
    // A flag can lift a restriction set in the file.
    expect(resolveConfig({ ...sources(file([443])), flags: { config: '/c.json', connectPorts: ['any'] } }).connectPorts).toBeUndefined();
  });

  it('formatPortRanges writes them back the way they are typed', () => {
    expect(formatPortRanges([{ from: 443, to: 443 }, { from: 9000, to: 9100 }])).toBe('443, 9000-9100');
  });

  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '192.0.2.10', 'fd00::2', 'myhost', 'localhost.example.com', '128.0.0.1', '::ffff:192.0.2.1'])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  const listen = { listen: true };

  it('listening on loopback needs neither flag, and --proxy-auth alone is fine there', () => {
    expect(resolveConfig(sources({ flags: { host: '::1' } }), listen).host).toBe('::1');
    expect(resolveConfig(sources({ flags: { proxyAuth: 'a:b' } }), listen).proxyAuth).toEqual({ user: 'a', password: 'b' });
  });

  it('any other address without --allow-remote and --proxy-auth is refused in one line naming both and the fix', () => {
    const error = configError(() => resolveConfig(sources({ flags: { host: '0.0.0.0' } }), listen));
    expect(error.key).toBe('host');
    expect(error.message).toBe(
      'refusing to listen on 0.0.0.0 without --allow-remote and --proxy-auth: anyone who can reach it could use your ' +
        'machine as an open proxy and read the traffic it decrypts; add --allow-remote (env PROXYDOC_ALLOW_REMOTE=1) and ' +
        '--proxy-auth user:password (env PROXYDOC_PROXY_AUTH), or listen on 127.0.0.1',
    );
  });

  it('one of the two is not enough, and the message says which one is missing', () => {
    const noAuth = configError(() => resolveConfig(sources({ flags: { host: '192.0.2.10', allowRemote: true } }), listen));
    expect(noAuth.message).toMatch(/^refusing to listen on 192\.0\.2\.10 without --proxy-auth: anyone who can reach it could use your machine as an open proxy/);
    expect(noAuth.message).toContain('add --proxy-auth user:password (env PROXYDOC_PROXY_AUTH), or listen on 127.0.0.1');
    const noAllow = configError(() => resolveConfig(sources({ flags: { host: '::', proxyAuth: 'a:b' } }), listen));
    expect(noAllow.message).toBe(
      'refusing to listen on :: without --allow-remote: other machines could reach it; add --allow-remote (env PROXYDOC_ALLOW_REMOTE=1), or listen on 127.0.0.1',
    );
  });

  it('names where the address came from when it was not a flag', () => {
    const error = configError(() => resolveConfig(sources({ env: { PROXYDOC_HOST: '0.0.0.0' } }), listen));
    expect(error.message).toMatch(/^refusing to listen on 0\.0\.0\.0 \(host from PROXYDOC_HOST\) without --allow-remote and --proxy-auth: /);
  });

  it('with both, from any source, it listens there', () => {
    expect(resolveConfig(sources({ flags: { host: '0.0.0.0', allowRemote: true, proxyAuth: 'a:b' } }), listen).host).toBe('0.0.0.0');
    const file = { '/c.json': JSON.stringify({ host: '0.0.0.0', allowRemote: true }) };
    const config = resolveConfig(sources({ flags: { config: '/c.json' }, env: { PROXYDOC_PROXY_AUTH: 'a:b' }, files: file }), listen);
    expect(config).toMatchObject({ host: '0.0.0.0', allowRemote: true, proxyAuth: { user: 'a', password: 'b' } });
  });

  it('commands that only look for a proxy (env, tail) do not check it', () => {
    expect(resolveConfig(sources({ flags: { host: '0.0.0.0' } })).host).toBe('0.0.0.0');
  });
});
