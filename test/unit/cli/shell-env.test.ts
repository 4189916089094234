import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../helpers/proxy-harness';
import {
  CLIENT_VARIABLE_NAMES,
  applyCommand,
  clientEnvironment,
  clientProxyUrl,
  detectShell,
  formatSetLines,
  formatUnsetLines,
  hasBuiltInEnvProxy,
  nodeOptionsWithPreload,
  quoteForShell,
  replacedUpstreamProxy,
} from '../../../src/cli/shell-env';

/** A path a user may really have: spaces, both quote kinds, a backslash, a dollar and a glob character. */
const AWKWARD = `/home/o'brien/my "proxy" dir/$HOME\\*.pem`;

const TARGET = {
  proxyUrl: 'http://127.0.0.1:45123',
  caCertPath: '/work/certs/ca.pem',
  caBundlePath: '/work/certs/ca-bundle.pem',
};

describe('clientEnvironment', () => {
  it('sets the proxy in both cases, Node flags, ca.pem for the additive variable and the bundle for the replacing ones', () => {
    expect(clientEnvironment(TARGET)).toEqual([
      { name: 'HTTP_PROXY', value: 'http://127.0.0.1:45123' },
      { name: 'HTTPS_PROXY', value: 'http://127.0.0.1:45123' },
      { name: 'http_proxy', value: 'http://127.0.0.1:45123' },
      { name: 'https_proxy', value: 'http://127.0.0.1:45123' },
      { name: 'GLOBAL_AGENT_HTTP_PROXY', value: 'http://127.0.0.1:45123' },
      { name: 'NODE_USE_ENV_PROXY', value: '1' },
      { name: 'NODE_EXTRA_CA_CERTS', value: '/work/certs/ca.pem' },
      { name: 'SSL_CERT_FILE', value: '/work/certs/ca-bundle.pem' },
      { name: 'REQUESTS_CA_BUNDLE', value: '/work/certs/ca-bundle.pem' },
      { name: 'CURL_CA_BUNDLE', value: '/work/certs/ca-bundle.pem' },
      { name: 'GIT_SSL_CAINFO', value: '/work/certs/ca-bundle.pem' },
      { name: 'AWS_CA_BUNDLE', value: '/work/certs/ca-bundle.pem' },
      { name: 'CARGO_HTTP_CAINFO', value: '/work/certs/ca-bundle.pem' },
      { name: 'DENO_CERT', value: '/work/certs/ca-bundle.pem' },
      { name: 'PERL_LWP_SSL_CA_FILE', value: '/work/certs/ca-bundle.pem' },
    ]);
  });

  it('leaves NO_PROXY alone, and --unset removes exactly what it sets', () => {
    const names = clientEnvironment(TARGET).map((variable) => variable.name);
    expect(names).not.toContain('NO_PROXY');
    expect(names).not.toContain('no_proxy');
    expect(CLIENT_VARIABLE_NAMES).toEqual(names);
  });
});

describe('formatSetLines', () => {
  const variables = [
    { name: 'HTTP_PROXY', value: 'http://127.0.0.1:8080' },
    { name: 'SSL_CERT_FILE', value: AWKWARD },
  ];

  it('bash, zsh and sh: export with POSIX single quotes', () => {
    const expected = [
      '# proxydoc at http://127.0.0.1:8080',
      "export HTTP_PROXY='http://127.0.0.1:8080'",
      `export SSL_CERT_FILE='/home/o'\\''brien/my "proxy" dir/$HOME\\*.pem'`,
      '',
    ].join('\n');
    for (const shell of ['bash', 'zsh', 'sh'] as const) {
      expect(formatSetLines(shell, variables, 'proxydoc at http://127.0.0.1:8080')).toBe(expected);
    }
  });

  it('fish: set -gx, with \\ and \' escaped inside single quotes', () => {
    expect(formatSetLines('fish', variables, 'c')).toBe(
      [
        '# c',
        "set -gx HTTP_PROXY 'http://127.0.0.1:8080'",
        `set -gx SSL_CERT_FILE '/home/o\\'brien/my "proxy" dir/$HOME\\\\*.pem'`,
        '',
      ].join('\n'),
    );
  });

  it('PowerShell: $env: with doubled single quotes, typographic ones included', () => {
    expect(formatSetLines('powershell', [...variables, { name: 'X', value: 'a\u2019b' }], 'c')).toBe(
      [
        '# c',
        "$env:HTTP_PROXY = 'http://127.0.0.1:8080'",
        `$env:SSL_CERT_FILE = '/home/o''brien/my "proxy" dir/$HOME\\*.pem'`,
        "$env:X = 'a\u2019\u2019b'",
        '',
      ].join('\n'),
    );
  });

  it('cmd: set "NAME=value", spaces and & are safe inside the quotes', () => {
    expect(formatSetLines('cmd', [{ name: 'SSL_CERT_FILE', value: 'C:\\Users\\Jo Smith\\R&D\\ca-bundle.pem' }], 'c')).toBe(
      ['REM c', 'set "SSL_CERT_FILE=C:\\Users\\Jo Smith\\R&D\\ca-bundle.pem"', ''].join('\n'),
    );
  });

  it('cmd refuses values it cannot hold literally, naming the variable and the way out', () => {
    for (const value of ['C:\\100%\\ca.pem', 'C:\\a"b\\ca.pem', 'C:\\wow!\\ca.pem']) {
      expect(() => formatSetLines('cmd', [{ name: 'SSL_CERT_FILE', value }], 'c')).toThrow(/^cmd cannot set SSL_CERT_FILE .*use --shell powershell/);
    }
  });

  it('a newline in the comment cannot turn the rest of it into a command', () => {
    expect(formatSetLines('bash', [], 'a\nrm -rf /')).toBe('# a rm -rf /\n');
  });
});

describe('quoting reads back byte for byte', () => {
  const values = [AWKWARD, "it's", "''", '\\\'', 'new\nline', '$(echo pwned)`id`', 'tab\there', 'ünï©ødé ✓'];

  it('in real bash and /bin/sh', async () => {
    for (const shellPath of ['bash', '/bin/sh']) {
      for (const value of values) {
        const line = formatSetLines('sh', [{ name: 'PD_VALUE', value }], 'c');
        const result = await run(shellPath, ['-c', `${line}printf '%s' "$PD_VALUE"`]);
        expect({ shellPath, value: result.stdout }).toEqual({ shellPath, value });
      }
    }
  });

  /** fish's documented single-quote rules: only \\ and \' are escapes; everything else is literal. */
  function readFishSingleQuoted(text: string): string {
    expect(text.startsWith("'") && text.endsWith("'")).toBe(true);
    const inner = text.slice(1, -1);
    let result = '';
    for (let i = 0; i < inner.length; i++) {
      if (inner[i] === '\\' && (inner[i + 1] === '\\' || inner[i + 1] === "'")) {
        result += inner[++i];
      } else {
        expect(inner[i]).not.toBe("'"); // an unescaped quote would end the string early
        result += inner[i];
      }
    }
    return result;
  }

  /** PowerShell's single-quoted strings: a doubled quote (of any of the four kinds) is one quote. */
  function readPowerShellSingleQuoted(text: string): string {
    const quotes = "'\u2018\u2019\u201a\u201b";
    expect(quotes.includes(text[0]) && quotes.includes(text[text.length - 1])).toBe(true);
    const inner = text.slice(1, -1);
    let result = '';
    for (let i = 0; i < inner.length; i++) {
      if (quotes.includes(inner[i])) {
        expect(quotes.includes(inner[i + 1])).toBe(true);
        result += inner[i];
        i += 1;
      } else {
        result += inner[i];
      }
    }
    return result;
  }

  it('in fish and PowerShell syntax', () => {
    for (const value of [...values, 'a\u2018b\u201bc']) {
      expect(readFishSingleQuoted(quoteForShell('fish', value))).toBe(value);
      expect(readPowerShellSingleQuoted(quoteForShell('powershell', value))).toBe(value);
    }
  });
});

describe('formatUnsetLines', () => {
  it('per shell', () => {
    const names = ['HTTP_PROXY', 'http_proxy'];
    expect(formatUnsetLines('bash', names)).toBe('unset HTTP_PROXY http_proxy\n');
    expect(formatUnsetLines('fish', names)).toBe('set -e HTTP_PROXY\nset -e http_proxy\n');
    expect(formatUnsetLines('powershell', names)).toBe(
      'Remove-Item -Path Env:HTTP_PROXY -ErrorAction SilentlyContinue\nRemove-Item -Path Env:http_proxy -ErrorAction SilentlyContinue\n',
    );
    expect(formatUnsetLines('cmd', names)).toBe('set "HTTP_PROXY="\nset "http_proxy="\n');
  });

  it('undoes formatSetLines in real bash', async () => {
    const set = formatSetLines('bash', clientEnvironment(TARGET), 'c');
    const unset = formatUnsetLines('bash', CLIENT_VARIABLE_NAMES);
    const result = await run('bash', ['-c', `${set}${unset}env`], { env: { PATH: process.env.PATH } });
    for (const name of CLIENT_VARIABLE_NAMES) expect(result.stdout).not.toMatch(new RegExp(`^${name}=`, 'm'));
    expect(result.code).toBe(0);
  });
});

describe('applyCommand', () => {
  it('is how each shell evaluates proxydoc env', () => {
    expect(applyCommand('bash', '--unset')).toBe('eval "$(proxydoc env --unset)"');
    expect(applyCommand('zsh', '')).toBe('eval "$(proxydoc env)"');
    expect(applyCommand('fish', '--shell fish --unset')).toBe('proxydoc env --shell fish --unset | source');
    expect(applyCommand('powershell', '')).toBe('proxydoc env | Out-String | Invoke-Expression');
    expect(applyCommand('cmd', '--shell cmd')).toBe(`for /f "delims=" %i in ('proxydoc env --shell cmd') do %i`);
  });
});

describe('detectShell', () => {
  it.each([
    ['/bin/bash', 'linux', 'bash'],
    ['/usr/bin/zsh', 'darwin', 'zsh'],
    ['/usr/local/bin/fish', 'linux', 'fish'],
    ['/usr/bin/pwsh', 'linux', 'powershell'],
    ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'win32', 'powershell'],
    ['C:\\Windows\\System32\\cmd.exe', 'win32', 'cmd'],
    ['/bin/dash', 'linux', 'sh'],
    ['/bin/sh', 'linux', 'sh'],
    ['/bin/tcsh', 'linux', 'bash'],
    [undefined, 'linux', 'bash'],
    ['', 'darwin', 'bash'],
    [undefined, 'win32', 'powershell'],
  ] as const)('%s on %s → %s', (shell, platform, expected) => {
    expect(detectShell(shell, platform)).toBe(expected);
  });
});

describe('clientProxyUrl', () => {
  it('reaches a proxy listening on every interface through loopback, and keeps others as they are', () => {
    expect(clientProxyUrl('http://0.0.0.0:8080')).toBe('http://127.0.0.1:8080');
    expect(clientProxyUrl('http://[::]:9000')).toBe('http://[::1]:9000');
    expect(clientProxyUrl('http://127.0.0.1:45123')).toBe('http://127.0.0.1:45123');
    expect(clientProxyUrl('http://[::1]:45123')).toBe('http://[::1]:45123');
  });
});

describe('replacedUpstreamProxy', () => {
  const proxydoc = 'http://127.0.0.1:45123';

  it('names a real upstream proxy the environment had, credentials masked', () => {
    expect(replacedUpstreamProxy({ HTTPS_PROXY: 'http://jo:s3cret@proxy.corp.example:3128' }, proxydoc)).toBe('http://***@proxy.corp.example:3128');
    expect(replacedUpstreamProxy({ http_proxy: 'proxy.corp.example:8080' }, proxydoc)).toBe('http://proxy.corp.example:8080');
  });

  it('ignores proxydoc itself, loopback proxies, empty and unparsable values', () => {
    expect(replacedUpstreamProxy({}, proxydoc)).toBeUndefined();
    expect(replacedUpstreamProxy({ HTTPS_PROXY: proxydoc }, proxydoc)).toBeUndefined();
    expect(replacedUpstreamProxy({ HTTPS_PROXY: 'http://127.0.0.1:8080', HTTP_PROXY: 'http://[::1]:9' }, proxydoc)).toBeUndefined();
    expect(replacedUpstreamProxy({ HTTPS_PROXY: 'http://localhost:3128' }, proxydoc)).toBeUndefined();
    expect(replacedUpstreamProxy({ HTTPS_PROXY: ' ' }, proxydoc)).toBeUndefined();
    expect(replacedUpstreamProxy({ HTTPS_PROXY: 'http://[bad' }, proxydoc)).toBeUndefined();
  });
});

describe('nodeOptionsWithPreload', () => {
  it('appends to the options already set, quoting only paths Node would split', () => {
    expect(nodeOptionsWithPreload(undefined, '/opt/pd/dist/src/preload/fetch-proxy.js')).toBe('--require /opt/pd/dist/src/preload/fetch-proxy.js');
    expect(nodeOptionsWithPreload('  --max-old-space-size=4096 ', '/opt/p.js')).toBe('--max-old-space-size=4096 --require /opt/p.js');
    expect(nodeOptionsWithPreload('', 'C:\\pd\\fetch-proxy.js')).toBe('--require C:\\pd\\fetch-proxy.js');
    expect(nodeOptionsWithPreload('', 'C:\\Program Files\\pd\\fetch-proxy.js')).toBe('--require "C:\\\\Program Files\\\\pd\\\\fetch-proxy.js"');
    expect(nodeOptionsWithPreload('', '/a "b"/p.js')).toBe('--require "/a \\"b\\"/p.js"');
  });

  it('real Node loads a preload whose path has spaces, quotes and a backslash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-preload-'));
    try {
      const awkwardDir = path.join(dir, `it's a "dir" \\ here`);
      fs.mkdirSync(awkwardDir);
      const preload = path.join(awkwardDir, 'preload.js');
      fs.writeFileSync(preload, "process.stdout.write('preloaded ');");
      const result = await run(process.execPath, ['-e', "process.stdout.write('main')"], {
        env: { ...process.env, NODE_OPTIONS: nodeOptionsWithPreload(undefined, preload) },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('preloaded main');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hasBuiltInEnvProxy', () => {
  it.each([
    ['20.19.0', false],
    ['v20.20.2', false],
    ['22.20.0', false],
    ['22.21.0', true],
    ['22.30.1', true],
    ['23.11.0', false],
    ['24.0.0', true],
    ['25.2.1', true],
  ])('%s → %s', (version, expected) => {
    expect(hasBuiltInEnvProxy(version)).toBe(expected);
  });
});
