/**
 * `proxydoc ca` as a user runs it: the built CLI, checked against openssl, and a proxydoc started after
 * `--regenerate` signing with the new CA.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, assertBuilt, startCli } from '../helpers/cli';
import { run } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpsServer } from '../helpers/servers';

const DAY_MS = 24 * 60 * 60 * 1000;

function env(): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(result)) if (name.startsWith('PROXYDOC_')) delete result[name];
  return result;
}

const proxydoc = (args: string[], cwd: string) => run(process.execPath, [BIN, ...args], { env: env(), cwd });

/** `openssl x509 -fingerprint -sha256` prints "sha256 Fingerprint=AB:CD:…" (older versions "SHA256 Fingerprint="). */
async function opensslFingerprint(certPath: string): Promise<string> {
  const result = await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', certPath]);
  expect(result.code).toBe(0);
  return result.stdout.trim().replace(/^sha256 Fingerprint=/i, '');
}

function field(output: string, name: string): string {
  const match = new RegExp(`^  ${name} +(.*)$`, 'm').exec(output);
  if (!match) throw new Error(`no "${name}" line in:\n${output}`);
  return match[1];
}

describe('proxydoc ca (built CLI)', () => {
  let dir: string;
  let caDir: string;
  beforeAll(() => assertBuilt());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-ca-cli-'));
    caDir = path.join(dir, 'my certs');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("creates the CA when missing and prints its path, openssl's fingerprint, subject and validity; never the key", async () => {
    const result = await proxydoc(['ca', '--ca-dir', caDir], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const certPath = path.join(caDir, 'ca.pem');
    expect(result.stdout.split('\n')[0]).toBe(`proxydoc CA: ${certPath} (created now)`);
    expect(field(result.stdout, 'SHA-256')).toBe(await opensslFingerprint(certPath));

    const certificate = new crypto.X509Certificate(fs.readFileSync(certPath));
    expect(field(result.stdout, 'subject')).toMatch(/^CN=proxydoc CA \(.*\), O=proxydoc$/);
    const notAfter = new Date(certificate.validTo);
    expect(field(result.stdout, 'not before')).toBe(`${new Date(certificate.validFrom).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    const left = Math.floor((notAfter.getTime() - Date.now()) / DAY_MS);
    expect([left, left + 1]).toContain(Number(/\((\d+) days left\)/.exec(field(result.stdout, 'not after'))![1]));

    // Trust commands quote the path with a space for the shell they are pasted into.
    expect(result.stdout).toContain(`sudo cp '${certPath}' /usr/local/share/ca-certificates/proxydoc.crt && sudo update-ca-certificates`);
    expect(result.stdout).toContain(`certutil -delstore ROOT ${certificate.fingerprint.replace(/:/g, '')}`);

    const key = fs.readFileSync(path.join(caDir, 'ca.key'), 'utf8');
    expect(result.stdout).not.toContain('PRIVATE KEY');
    expect(result.stdout).not.toContain(key.split('\n')[1]);
    expect(fs.statSync(path.join(caDir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(caDir).mode & 0o777).toBe(0o700);

    // A second run shows the same CA, not a new one.
    const again = await proxydoc(['ca', '--ca-dir', caDir], dir);
    expect(again.stdout.split('\n')[0]).toBe(`proxydoc CA: ${certPath}`);
    expect(field(again.stdout, 'SHA-256')).toBe(field(result.stdout, 'SHA-256'));
  });

  test('--json: the same facts as one object', async () => {
    const result = await proxydoc(['ca', '--ca-dir', caDir, '--json'], dir);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const certPath = path.join(caDir, 'ca.pem');
    expect(report).toMatchObject({
      certPath,
      keyPath: path.join(caDir, 'ca.key'),
      bundlePath: path.join(caDir, 'ca-bundle.pem'),
      created: true,
      createdReason: 'missing',
      sha256: await opensslFingerprint(certPath),
    });
    expect(report.trust.map((target: { name: string }) => target.name.split(':')[0])).toContain('macOS');
    expect(result.stdout).not.toContain('PRIVATE KEY');
  });

  test('--regenerate replaces the pair atomically; running proxies keep the old CA, new ones use the new one', async () => {
    await proxydoc(['ca', '--ca-dir', caDir], dir);
    const certPath = path.join(caDir, 'ca.pem');
    const keyPath = path.join(caDir, 'ca.key');
    const oldPem = fs.readFileSync(certPath, 'utf8');
    const oldFingerprint = await opensslFingerprint(certPath);
    const oldCaFile = path.join(dir, 'old-ca.pem');
    fs.writeFileSync(oldCaFile, oldPem);

    const upstreamCa = await makeUpstreamCa();
    const upstream = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('ok'));
    const curlThrough = (proxyUrl: string, caFile: string) =>
      run('curl', ['-q', '-sS', '-x', proxyUrl, '--cacert', caFile, `https://127.0.0.1:${upstream.port}/`]);
    const startArgs = ['--port', '0', '--ca-dir', caDir, '--log-dir', path.join(dir, 'logs'), '--upstream-ca', upstreamCa.caPath];
    try {
      const before = await startCli(startArgs, dir);
      let result;
      try {
        result = await proxydoc(['ca', '--ca-dir', caDir, '--log-dir', path.join(dir, 'logs'), '--regenerate'], dir);
        // The proxy that was running still signs with the CA it loaded.
        expect((await curlThrough(before.url, oldCaFile)).stdout).toBe('ok');
      } finally {
        await before.stop();
      }
      expect(result.code).toBe(0);
      const newFingerprint = await opensslFingerprint(certPath);
      expect(newFingerprint).not.toBe(oldFingerprint);
      expect(result.stdout.split('\n')[0]).toBe(`proxydoc CA regenerated: ${certPath}`);
      expect(field(result.stdout, 'SHA-256')).toBe(newFingerprint);
      expect(result.stdout).toContain(`The previous CA (SHA-256 ${oldFingerprint}, CN=proxydoc CA (`);
      expect(result.stdout).toContain(`  3. Restart proxydoc (running on ${before.url}): it signs with the previous CA until it restarts.`);
      const oldSha1 = new crypto.X509Certificate(oldPem).fingerprint.replace(/:/g, '');
      expect(result.stdout).toContain(`  untrust previous:  sudo security delete-certificate -Z ${oldSha1} -t /Library/Keychains/System.keychain`);

      // The new key is private, belongs to the new certificate, and nothing is left over from the swap.
      expect(fs.statSync(keyPath).mode & 0o777).toBe(0o600);
      const certificate = new crypto.X509Certificate(fs.readFileSync(certPath));
      expect(certificate.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(keyPath)))).toBe(true);
      expect(fs.readdirSync(caDir).sort()).toEqual(['ca-bundle.pem', 'ca.key', 'ca.pem']);
      // The bundle follows: the new CA in, the old one out.
      const bundle = fs.readFileSync(path.join(caDir, 'ca-bundle.pem'), 'utf8');
      expect(bundle).toContain(fs.readFileSync(certPath, 'utf8').trim());
      expect(bundle).not.toContain(oldPem.trim());

      const after = await startCli(startArgs, dir);
      try {
        expect(after.stdout()).not.toContain('created now'); // it loaded the regenerated pair as it is
        expect((await curlThrough(after.url, certPath)).stdout).toBe('ok');
        const withOldCa = await curlThrough(after.url, oldCaFile);
        expect(withOldCa.code).toBe(60); // curl: peer certificate cannot be authenticated with the given CA
      } finally {
        await after.stop();
      }
    } finally {
      await upstream.close();
      upstreamCa.cleanup();
    }
  });

  test('a ca.key readable by others is refused with the fix, exit 1', async () => {
    await proxydoc(['ca', '--ca-dir', caDir], dir);
    fs.chmodSync(path.join(caDir, 'ca.key'), 0o644);
    const result = await proxydoc(['ca', '--ca-dir', caDir], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`proxydoc: ${path.join(caDir, 'ca.key')} is accessible by group or others (mode 0644): run chmod 600 ${path.join(caDir, 'ca.key')}\n`);
  });
});
