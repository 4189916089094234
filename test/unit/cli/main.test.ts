import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from './run-cli';

const packageVersion = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

function expectOneLine(text: string): void {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.trimEnd()).not.toContain('\n');
}

describe('proxydoc usage errors: one line, a pointer to --help, exit 2, no stack', () => {
  it('no command at all', async () => {
    const run = await runCli([]);
    expect(run.stderr).toBe('proxydoc: no command given; see proxydoc --help\n');
    expect(run.stdout).toBe('');
    expect(run.exits).toEqual([2]);
  });

  it('an unknown command', async () => {
    const run = await runCli(['strat']);
    expect(run.stderr).toBe('proxydoc: unknown command "strat" (commands: start, run, env, tail, show, replay, export, ca); see proxydoc --help\n');
    expect(run.exits).toEqual([2]);
  });

  it('an unknown flag is named as typed and points at the command help', async () => {
    const run = await runCli(['start', '--prot', '9000']);
    expect(run.stderr).toBe('proxydoc: unknown option --prot; see proxydoc start --help\n');
    expect(run.exits).toEqual([2]);
  });

  it('an unknown --flag=value and a short flag', async () => {
    const run = await runCli(['start', '--bogus=1', '-q']);
    expect(run.stderr).toBe('proxydoc: unknown option --bogus, unknown option -q; see proxydoc start --help\n');
    expect(run.exits).toEqual([2]);
  });

  it('--no-intercept is not read as a negation of some "intercept" flag', async () => {
    const run = await runCli(['start', '--no-intercept']);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain('--no-intercept');
    expect(run.stderr).not.toContain('intercept=false');
    expect(run.exits).toEqual([2]);
  });

  it('a flag missing its value', async () => {
    const run = await runCli(['start', '--port']);
    expect(run.stderr).toBe('proxydoc: option --port needs a value; see proxydoc start --help\n');
    expect(run.exits).toEqual([2]);
  });

  it('a stray positional argument to start', async () => {
    const run = await runCli(['start', 'now']);
    expect(run.stderr).toBe('proxydoc: unexpected argument "now"; see proxydoc start --help\n');
    expect(run.exits).toEqual([2]);
  });
});

describe('proxydoc --help and --version', () => {
  it('--version prints the package version and exits 0', async () => {
    const run = await runCli(['--version']);
    expect(run.stdout).toBe(`${packageVersion}\n`);
    expect(run.stderr).toBe('');
    expect(run.exits).toEqual([0]);
  });

  it('--help describes the tool, lists every command in the order of the loop, gives examples and precedence', async () => {
    const run = await runCli(['--help']);
    expect(run.exits).toEqual([0]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Usage: proxydoc <command> [options]');
    expect(run.stdout).toMatch(/proxydoc start\s+start the proxy/);
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('Examples: proxydoc start Listen on 127.0.0.1:8080');
    const listed = [...run.stdout.matchAll(/^  proxydoc (\w+)/gm)].map((match) => match[1]);
    expect(listed.slice(0, 8)).toEqual(['start', 'run', 'env', 'tail', 'show', 'replay', 'export', 'ca']);
    expect(help).toContain("proxydoc replay 17 --header 'Authorization: Bearer NEW'");
    expect(help).toContain('PROXYDOC_* environment variables, then flags');
  });

  it('start --help documents every option, the env vars, size units and examples', async () => {
    const run = await runCli(['start', '--help']);
    expect(run.exits).toEqual([0]);
    // Compare across yargs' line wrapping, which follows the terminal width.
    const help = run.stdout.replace(/\s+/g, ' ');
    for (const flag of [
      '--host',
      '--port',
      '--ca-dir',
      '--log-dir',
      '--config',
      '--upstream-ca',
      '--insecure-upstream',
      '--no-intercept',
      '--max-body-capture',
      '--upstream-proxy',
      '--upstream-no-proxy',
      '--connect-timeout',
      '--allow-remote',
      '--proxy-auth',
      '--connect-ports',
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain('PROXYDOC_PROXY_AUTH');
    expect(help).toContain('default any, like mitmproxy; Squid allows only 443 by default');
    expect(help).toContain('Proxy-Authenticate: Basic realm="proxydoc"');
    expect(help).toContain('PROXYDOC_MAX_BODY_CAPTURE');
    expect(help).toContain('512k = 512 KiB = 524288 bytes');
    expect(help).toContain('never taken from HTTP_PROXY');
    expect(help).toContain("proxydoc start --no-intercept pinned.example.com '*.apple.com'");
    expect(help).toContain('Exit status:');
  });
});

describe('configuration errors reach the user as one line with exit 2', () => {
  it('a bad flag value', async () => {
    const run = await runCli(['start', '--port', '80a']);
    expect(run.stderr).toBe(
      'proxydoc: invalid port "80a" from --port: expected an integer from 0 to 65535 (0 picks a free port)\n',
    );
    expect(run.exits).toEqual([2]);
  });

  it('a bad env value', async () => {
    const run = await runCli(['start'], { env: { PROXYDOC_MAX_BODY_CAPTURE: 'huge' } });
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/^proxydoc: invalid maxBodyCapture "huge" from PROXYDOC_MAX_BODY_CAPTURE: /);
    expect(run.exits).toEqual([2]);
  });

  it('a missing config file', async () => {
    const run = await runCli(['start', '--config', 'proxydoc.json']);
    expect(run.stderr).toBe(
      'proxydoc: config file /work/app/proxydoc.json (from --config) does not exist: fix the path, or copy config.example.json there\n',
    );
    expect(run.exits).toEqual([2]);
  });

  it('invalid JSON in the config file', async () => {
    const run = await runCli(['start', '--config', '/c.json'], { files: { '/c.json': '{"port": }' } });
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/^proxydoc: config file \/c\.json is not valid JSON: Unexpected token '}' at line 1, column 10 \(position 9\)/);
    expect(run.exits).toEqual([2]);
  });
});
