import { formatBanner, shellQuote } from '../../../src/cli/banner';
import { resolveConfig, type ProxyConfig } from '../../../src/config';
import { fakeRunningProxy } from './run-cli';

function config(flags: Record<string, unknown> = {}): ProxyConfig {
  return resolveConfig({ flags, env: {}, cwd: '/work/app', readFile: () => '' });
}

describe('formatBanner', () => {
  it('gives the URL, the CA, the logs and the lines to paste, word for word', () => {
    const banner = formatBanner(
      fakeRunningProxy({ url: 'http://127.0.0.1:41234', port: 41234, caCreated: true, caCreatedReason: 'none existed in /work/app/certs' }),
      config({ port: '0' }),
    );
    expect(banner).toBe(
      [
        'proxydoc listening on http://127.0.0.1:41234',
        'CA certificate: /work/app/certs/ca.pem (created now: none existed in /work/app/certs)',
        'Annotated log:  /work/app/logs/proxydoc.log',
        'Full records:   /work/app/logs/exchanges.jsonl (secrets kept so replay works)',
        '',
        "Point an app at it (paste into the app's shell):",
        '  export HTTP_PROXY=http://127.0.0.1:41234 HTTPS_PROXY=http://127.0.0.1:41234',
        '  export http_proxy=http://127.0.0.1:41234 https_proxy=http://127.0.0.1:41234',
        '  export NODE_EXTRA_CA_CERTS=/work/app/certs/ca.pem',
        'or all of it at once, with CA trust for Python, curl, git and more:',
        '  eval "$(proxydoc env --log-dir /work/app/logs)"',
        '',
        'Check it works:',
        '  curl -x http://127.0.0.1:41234 --cacert /work/app/certs/ca.pem https://example.com/',
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  });

  it('says nothing about creation when the CA already existed', () => {
    const banner = formatBanner(fakeRunningProxy(), config());
    expect(banner).toContain('CA certificate: /work/app/certs/ca.pem\n');
  });

  it('quotes a CA path with spaces so the pasted lines work in a shell', () => {
    const banner = formatBanner(fakeRunningProxy({ caCertPath: "/home/me/my certs/it's ca.pem" }), config());
    const quoted = `'/home/me/my certs/it'\\''s ca.pem'`;
    expect(banner).toContain(`export NODE_EXTRA_CA_CERTS=${quoted}\n`);
    expect(banner).toContain(`--cacert ${quoted} https://example.com/`);
  });

  it('a proxy on every interface is reached through loopback by local apps', () => {
    const banner = formatBanner(fakeRunningProxy({ url: 'http://0.0.0.0:8080', host: '0.0.0.0' }), config({ host: '0.0.0.0' }));
    expect(banner).toContain('proxydoc listening on http://0.0.0.0:8080\n  (apps on this machine reach it at http://127.0.0.1:8080)');
    expect(banner).toContain('export HTTP_PROXY=http://127.0.0.1:8080 HTTPS_PROXY=http://127.0.0.1:8080');
  });

  it('with --proxy-auth, the lines to paste carry the user and a PASSWORD placeholder, never the password', () => {
    const banner = formatBanner(
      fakeRunningProxy({ url: 'http://0.0.0.0:8080', host: '0.0.0.0' }),
      config({ host: '0.0.0.0', allowRemote: true, proxyAuth: 'al ice:hunter2-secret', connectPorts: ['443,9000-9100'] }),
    );
    expect(banner).toContain('Proxy auth:     required, user al ice (the password is never printed)\n');
    expect(banner).toContain('CONNECT only to ports 443, 9000-9100 (--connect-ports)\n');
    expect(banner).toContain("Point an app at it (paste into the app's shell, with the --proxy-auth password in place of PASSWORD):\n");
    expect(banner).toContain('  export HTTP_PROXY=http://al%20ice:PASSWORD@127.0.0.1:8080 HTTPS_PROXY=http://al%20ice:PASSWORD@127.0.0.1:8080\n');
    expect(banner).toContain('  curl -x http://al%20ice:PASSWORD@127.0.0.1:8080 --cacert');
    // `proxydoc env` prints no credentials, so its line would only lead to 407s.
    expect(banner).not.toContain('proxydoc env');
    expect(banner).not.toContain('hunter2');
  });

  it('shows untouched hosts and the upstream proxy without its password', () => {
    const banner = formatBanner(
      fakeRunningProxy(),
      config({ noIntercept: ['a.example.com', 'b.example.com'], upstreamProxy: 'http://me:s3cret@proxy.corp:3128', upstreamNoProxy: ['intranet.corp'] }),
    );
    expect(banner).toContain('Not intercepted (tunnelled as is): a.example.com, b.example.com\n');
    expect(banner).toContain('Upstream proxy: http://***@proxy.corp:3128 (direct for intranet.corp)\n');
    expect(banner).not.toContain('s3cret');
  });
});

describe('shellQuote', () => {
  it.each([
    ['/plain/path-1.pem', '/plain/path-1.pem'],
    ['/a b', "'/a b'"],
    ['$HOME', "'$HOME'"],
    ["it's", "'it'\\''s'"],
  ])('%s → %s', (input, quoted) => {
    expect(shellQuote(input)).toBe(quoted);
  });
});
