import { fakeProxy, fakeSignals, runCli, startCli } from './run-cli';

/** Starts `proxydoc <argv>` with a fake proxy and fake signals, and waits until it runs. */
async function startRunning(argv: string[], options: { env?: Record<string, string>; files?: Record<string, string> } = {}) {
  const proxy = fakeProxy();
  const signals = fakeSignals();
  const cli = startCli(argv, { ...options, services: { startProxy: proxy.startProxy, onShutdownSignal: signals.onShutdownSignal } });
  await Promise.race([signals.listening, cli.done]);
  return { proxy, signals, ...cli };
}

describe('proxydoc start hands the resolved config to the proxy', () => {
  it('--no-intercept and --upstream-no-proxy take several hosts each', async () => {
    const { proxy, signals, done } = await startRunning([
      'start',
      '--no-intercept',
      'pinned.example.com',
      '*.apple.com',
      '--upstream-no-proxy',
      'intranet.corp',
      '10.0.0.1',
      '--port',
      '0',
    ]);
    signals.send('SIGINT');
    await done;
    expect(proxy.started).toHaveLength(1);
    expect(proxy.started[0]).toMatchObject({
      noIntercept: ['pinned.example.com', '*.apple.com'],
      upstreamNoProxy: ['intranet.corp', '10.0.0.1'],
      port: 0,
    });
  });

  it('every flag reaches the config, over env and the config file', async () => {
    const { proxy, signals, done } = await startRunning(
      [
        'start',
        '--config',
        'pd.json',
        '--host',
        'localhost',
        '--port',
        '9001',
        '--ca-dir',
        'ca',
        '--log-dir',
        '/var/log/pd',
        '--upstream-ca',
        'a.pem',
        '--upstream-ca',
        'b.pem',
        '--max-body-capture',
        '64k',
        '--upstream-proxy',
        'http://proxy.corp:3128',
        '--connect-timeout',
        '5',
        '--headers-timeout',
        '2',
        '--proxy-auth',
        'alice:s3cret',
        '--max-log-size',
        '10m',
        '--max-log-files',
        '3',
        '--redact-records',
        '--connect-ports',
        '443',
        '9000-9100',
      ],
      {
        env: { PROXYDOC_PORT: '7000', PROXYDOC_NO_INTERCEPT: 'env.example.com' },
        files: { '/work/app/pd.json': JSON.stringify({ port: 6000, timeouts: [{ name: 'gitlab client', seconds: 15 }] }) },
      },
    );
    signals.send('SIGTERM');
    await done;
    expect(proxy.started[0]).toEqual({
      host: 'localhost',
      port: 9001,
      allowRemote: false,
      proxyAuth: { user: 'alice', password: 's3cret' },
      connectPorts: [
        { from: 443, to: 443 },
        { from: 9000, to: 9100 },
      ],
      caDir: '/work/app/ca',
      logDir: '/var/log/pd',
      upstreamCa: ['/work/app/a.pem', '/work/app/b.pem'],
      insecureUpstream: false,
      noIntercept: ['env.example.com'],
      maxBodyCapture: 65536,
      maxLogSize: 10 * 1024 * 1024,
      maxLogFiles: 3,
      redactRecords: true,
      upstreamProxy: 'http://proxy.corp:3128',
      upstreamNoProxy: [],
      connectTimeoutMs: 5000,
      headersTimeoutMs: 2000,
      timeouts: [{ name: 'gitlab client', seconds: 15 }],
    });
  });

  it('a bad config value stops before the proxy starts: one line, exit 2', async () => {
    const proxy = fakeProxy();
    const run = await runCli(['start', '--connect-timeout', '-3'], { services: { startProxy: proxy.startProxy } });
    expect(proxy.started).toHaveLength(0);
    expect(run.stderr).toBe(
      'proxydoc: invalid connectTimeoutMs "-3" from --connect-timeout: expected seconds greater than 0 and at most 2147483, like 30 or 2.5\n',
    );
    expect(run.exits).toEqual([2]);
  });

  it('--insecure-upstream=<typo> is rejected instead of silently read as false', async () => {
    const proxy = fakeProxy();
    const run = await runCli(['start', '--insecure-upstream=ture'], { services: { startProxy: proxy.startProxy } });
    expect(run.stderr).toBe(
      'proxydoc: invalid insecureUpstream "ture" from --insecure-upstream: expected true, false, 1, 0, yes or no\n',
    );
    expect(run.exits).toEqual([2]);
  });
});

describe('proxydoc start runs until a signal', () => {
  it('prints the banner, closes on SIGINT and exits 0', async () => {
    const { proxy, signals, output, done } = await startRunning(['start']);
    expect(output.stdout).toContain('proxydoc listening on http://127.0.0.1:8080');
    expect(output.stdout).toContain('export HTTP_PROXY=http://127.0.0.1:8080 HTTPS_PROXY=http://127.0.0.1:8080');
    expect(output.exits).toEqual([]);

    signals.send('SIGINT');
    const run = await done;
    expect(proxy.closed).toBe(1);
    expect(run.exits).toEqual([0]);
    expect(run.stderr).toBe(
      'proxydoc: SIGINT received, closing (press Ctrl-C again to exit at once)\n' +
        'proxydoc: stopped; 0 exchanges recorded in /work/app/logs\n',
    );
    expect(signals.listenerCount()).toBe(0);
  });

  it('the stop line counts records, and shouts about lost ones', async () => {
    const proxy = fakeProxy({ stats: () => ({ written: 1, lost: 2 }) });
    const signals = fakeSignals();
    const { done } = startCli(['start'], { services: { startProxy: proxy.startProxy, onShutdownSignal: signals.onShutdownSignal } });
    await signals.listening;
    signals.send('SIGTERM');
    const run = await done;
    expect(run.stderr).toContain('proxydoc: stopped; 1 exchange recorded, 2 LOST (could not be written) in /work/app/logs\n');
  });

  it('a second signal while closing exits 130 at once', async () => {
    const proxy = fakeProxy({ close: () => new Promise<void>(() => undefined) }); // a close that never finishes
    const signals = fakeSignals();
    const { output, done } = startCli(['start'], {
      services: { startProxy: proxy.startProxy, onShutdownSignal: signals.onShutdownSignal },
    });
    await signals.listening;
    signals.send('SIGINT');
    expect(output.exits).toEqual([]);
    signals.send('SIGINT');
    expect(output.exits).toEqual([130]);
    const run = await done;
    expect(run.exits).toEqual([130]);
    expect(run.stderr).toContain('proxydoc: SIGINT again, exiting without waiting for open connections\n');
  });

  it('--insecure-upstream prints a loud warning on stderr', async () => {
    const { signals, output, done } = await startRunning(['start', '--insecure-upstream']);
    expect(output.stderr).toContain('WARNING: insecure upstream is ON: upstream TLS certificates are NOT verified');
    signals.send('SIGINT');
    await done;
  });

  it('no warning without it', async () => {
    const { signals, output, done } = await startRunning(['start']);
    expect(output.stderr).toBe('');
    signals.send('SIGINT');
    await done;
  });

  it('listening beyond loopback without --allow-remote and --proxy-auth is refused before the proxy starts: one line, exit 2', async () => {
    const proxy = fakeProxy();
    const run = await runCli(['start', '--host', '0.0.0.0', '--allow-remote'], { services: { startProxy: proxy.startProxy } });
    expect(proxy.started).toHaveLength(0);
    expect(run.stderr).toBe(
      'proxydoc: refusing to listen on 0.0.0.0 without --proxy-auth: anyone who can reach it could use your machine as an open proxy ' +
        'and read the traffic it decrypts; add --proxy-auth user:password (env PROXYDOC_PROXY_AUTH), or listen on 127.0.0.1\n',
    );
    expect(run.exits).toEqual([2]);
  });

  it('--allow-remote=<typo> is rejected instead of silently read as false', async () => {
    const proxy = fakeProxy();
    const run = await runCli(['start', '--allow-remote=ture'], { services: { startProxy: proxy.startProxy } });
    expect(run.stderr).toBe('proxydoc: invalid allowRemote "ture" from --allow-remote: expected true, false, 1, 0, yes or no\n');
    expect(run.exits).toEqual([2]);
  });

  it('listening beyond loopback with both is pointed out once, without the password', async () => {
    const { proxy, signals, output, done } = await startRunning(['start', '--host', '0.0.0.0', '--allow-remote'], {
      env: { PROXYDOC_PROXY_AUTH: 'alice:hunter2-secret' },
    });
    expect(proxy.started[0]).toMatchObject({ host: '0.0.0.0', allowRemote: true, proxyAuth: { user: 'alice', password: 'hunter2-secret' } });
    expect(output.stderr).toBe(
      'proxydoc: note: listening on 0.0.0.0 (--allow-remote): other machines can reach it; only clients sending the --proxy-auth credentials are served\n',
    );
    signals.send('SIGINT');
    const run = await done;
    expect(run.stdout + run.stderr).not.toContain('hunter2-secret');
  });
});

describe('proxydoc start failures', () => {
  it('an expected proxy error (PROXYDOC_ERR_*) is one line, exit 1', async () => {
    const startProxy = async () => {
      throw Object.assign(new Error('port 8080 on 127.0.0.1 is in use: stop the other program or pass --port 0'), {
        code: 'PROXYDOC_ERR_LISTEN',
      });
    };
    const run = await runCli(['start'], { services: { startProxy } });
    expect(run.stderr).toBe('proxydoc: port 8080 on 127.0.0.1 is in use: stop the other program or pass --port 0\n');
    expect(run.exits).toEqual([1]);
  });

  it('an unexpected error is one line without a stack, exit 1', async () => {
    const startProxy = async () => {
      throw new TypeError('cannot read properties of undefined');
    };
    const run = await runCli(['start'], { services: { startProxy } });
    expect(run.stderr).toBe('proxydoc: unexpected error: cannot read properties of undefined\n');
    expect(run.exits).toEqual([1]);
  });

  it('PROXYDOC_DEBUG=1 adds the stack', async () => {
    const startProxy = async () => {
      throw new TypeError('cannot read properties of undefined');
    };
    const run = await runCli(['start'], { services: { startProxy }, env: { PROXYDOC_DEBUG: '1' } });
    expect(run.stderr).toMatch(/^proxydoc: unexpected error: cannot read properties of undefined\nTypeError: .*\n\s+at /);
    expect(run.exits).toEqual([1]);
  });

  it('a close() that fails after a signal is reported, exit 1', async () => {
    const proxy = fakeProxy({
      close: async () => {
        throw new Error('log file vanished');
      },
    });
    const signals = fakeSignals();
    const { done } = startCli(['start'], { services: { startProxy: proxy.startProxy, onShutdownSignal: signals.onShutdownSignal } });
    await signals.listening;
    signals.send('SIGTERM');
    const run = await done;
    expect(run.stderr).toContain('proxydoc: unexpected error: log file vanished\n');
    expect(run.exits).toEqual([1]);
  });
});
