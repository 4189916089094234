import { run } from '../../helpers/proxy-harness';
import {
  caReportJson,
  combineCaBundle,
  daysLeft,
  describeSubject,
  formatCaReport,
  trustTargets,
  type CaFacts,
} from '../../../src/cli/trust';

const NOW = new Date('2026-11-21T20:41:03.120Z');
const DAY_MS = 24 * 60 * 60 * 1000;

const SHA1 = '03:5B:C9:70:39:0A:7F:5E:82:D1:27:9D:AD:5F:25:45:81:81:3C:5F';
const PREVIOUS_SHA1 = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD';

const FACTS: CaFacts = {
  certPath: "/home/o'brien/proxy docs/certs/ca.pem",
  keyPath: "/home/o'brien/proxy docs/certs/ca.key",
  bundlePath: "/home/o'brien/proxy docs/certs/ca-bundle.pem",
  sha256: '00:27:C9:EB:C9:F5:65:A3:36:E9:76:41:AB:DF:2B:E4:7B:9A:5F:96:33:7E:BC:21:E0:8A:2C:AF:C3:15:FD:44',
  sha1: SHA1,
  subject: 'O=proxydoc\nCN=proxydoc CA (build-box\\, 2026-11-21)',
  notBefore: new Date('2026-11-20T20:41:03.000Z'),
  notAfter: new Date('2036-11-18T20:41:03.000Z'),
  created: false,
};

describe('describeSubject and daysLeft', () => {
  it('shows the most specific attribute first, as DNs are usually read', () => {
    expect(describeSubject(FACTS.subject)).toBe('CN=proxydoc CA (build-box\\, 2026-11-21), O=proxydoc');
  });

  it('counts whole days left, negative once expired', () => {
    expect(daysLeft(new Date(NOW.getTime() + 10 * DAY_MS + 1), NOW)).toBe(10);
    expect(daysLeft(new Date(NOW.getTime() + 10 * DAY_MS - 1), NOW)).toBe(9);
    expect(daysLeft(new Date(NOW.getTime() - 1), NOW)).toBe(-1);
  });
});

describe('trustTargets', () => {
  const targets = trustTargets(FACTS);
  const byName = (prefix: string) => targets.find((target) => target.name.startsWith(prefix))!;

  it('covers the common platforms and runtimes, each with a way back', () => {
    expect(targets.map((target) => target.name.split(':')[0])).toEqual([
      'Debian, Ubuntu',
      'Fedora, RHEL, CentOS',
      'macOS',
      'Windows',
      'Firefox',
      'Java',
      'Node.js',
      'Python',
      'curl',
      'git',
    ]);
    for (const target of targets) {
      expect(target.trust.length).toBeGreaterThan(0);
      expect(target.untrust.length).toBeGreaterThan(0);
    }
  });

  it('gives the exact system-store commands', () => {
    expect(byName('Debian')).toMatchObject({
      trust: [`sudo cp '/home/o'\\''brien/proxy docs/certs/ca.pem' /usr/local/share/ca-certificates/proxydoc.crt && sudo update-ca-certificates`],
      untrust: ['sudo rm -f /usr/local/share/ca-certificates/proxydoc.crt && sudo update-ca-certificates --fresh'],
    });
    expect(byName('macOS')).toMatchObject({
      trust: [`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '/home/o'\\''brien/proxy docs/certs/ca.pem'`],
      untrust: ['sudo security delete-certificate -Z 035BC970390A7F5E82D1279DAD5F254581813C5F -t /Library/Keychains/System.keychain'],
    });
    expect(byName('Windows')).toMatchObject({
      trust: [`certutil -addstore -f ROOT "/home/o'brien/proxy docs/certs/ca.pem"`],
      untrust: ['certutil -delstore ROOT 035BC970390A7F5E82D1279DAD5F254581813C5F'],
    });
    expect(byName('Java').untrust).toEqual(['sudo keytool -delete -cacerts -storepass changeit -alias proxydoc']);
  });

  it('points the variables that replace default roots at the bundle, and Node at ca.pem', () => {
    expect(byName('Node.js').trust).toEqual([`export NODE_EXTRA_CA_CERTS='/home/o'\\''brien/proxy docs/certs/ca.pem'`]);
    expect(byName('Python').trust).toEqual([
      `export REQUESTS_CA_BUNDLE='/home/o'\\''brien/proxy docs/certs/ca-bundle.pem' SSL_CERT_FILE='/home/o'\\''brien/proxy docs/certs/ca-bundle.pem'`,
    ]);
    expect(byName('curl').trust).toEqual([`export CURL_CA_BUNDLE='/home/o'\\''brien/proxy docs/certs/ca-bundle.pem'`]);
  });

  it('POSIX commands keep an awkward path as one argument in real bash', async () => {
    const command = byName('Debian').trust[0].split(' && ')[0];
    const result = await run('bash', ['-c', `set -- ${command}; printf '%s\\n' "$@"`]);
    expect(result.stdout.split('\n')).toEqual(['sudo', 'cp', FACTS.certPath, '/usr/local/share/ca-certificates/proxydoc.crt', '']);
  });

  it('after --regenerate, untrust names the previous CA while trust installs the current file', () => {
    const regenerated = trustTargets(FACTS, { sha1: PREVIOUS_SHA1 });
    const mac = regenerated.find((target) => target.name.startsWith('macOS'))!;
    expect(mac.untrust).toEqual(['sudo security delete-certificate -Z AABBCCDDEEFF00112233445566778899AABBCCDD -t /Library/Keychains/System.keychain']);
    expect(mac.trust[0]).toContain('ca.pem');
    for (const target of regenerated) {
      // Untrust never needs the previous file, which --regenerate replaced.
      for (const command of target.untrust) expect(command).not.toContain('ca.pem');
    }
  });
});

describe('formatCaReport', () => {
  it('shows the facts, then trust and untrust per target', () => {
    const text = formatCaReport(FACTS, { now: NOW });
    expect(text.split('\n').slice(0, 9)).toEqual([
      "proxydoc CA: /home/o'brien/proxy docs/certs/ca.pem",
      '  SHA-256      00:27:C9:EB:C9:F5:65:A3:36:E9:76:41:AB:DF:2B:E4:7B:9A:5F:96:33:7E:BC:21:E0:8A:2C:AF:C3:15:FD:44',
      '  subject      CN=proxydoc CA (build-box\\, 2026-11-21), O=proxydoc',
      '  not before   2026-11-20 20:41:03 UTC',
      '  not after    2036-11-18 20:41:03 UTC (3649 days left)',
      "  private key  /home/o'brien/proxy docs/certs/ca.key (keep it private: it can impersonate any HTTPS site to whoever trusts this CA)",
      "  bundle       /home/o'brien/proxy docs/certs/ca-bundle.pem (the usual roots plus this CA, for variables that replace a program's roots)",
      '',
      'Trust it where the app runs; each "untrust" line undoes the "trust" line above it.',
    ]);
    expect(text).toContain(
      [
        'Fedora, RHEL, CentOS: system store (p11-kit trust)',
        `  trust:    sudo cp '/home/o'\\''brien/proxy docs/certs/ca.pem' /etc/pki/ca-trust/source/anchors/proxydoc.pem && sudo update-ca-trust`,
        '  untrust:  sudo rm -f /etc/pki/ca-trust/source/anchors/proxydoc.pem && sudo update-ca-trust',
      ].join('\n'),
    );
    expect(text.endsWith('Every variable at once, for the programs of one shell: eval "$(proxydoc env)" (undo: eval "$(proxydoc env --unset)").\n')).toBe(true);
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('says why a CA was just created, and when it has expired', () => {
    expect(formatCaReport({ ...FACTS, created: true, createdReason: 'missing' }, { now: NOW }).split('\n')[0]).toBe(
      "proxydoc CA: /home/o'brien/proxy docs/certs/ca.pem (created now)",
    );
    expect(formatCaReport({ ...FACTS, created: true, createdReason: 'mismatch' }, { now: NOW }).split('\n')[0]).toMatch(
      /\(created now: ca\.key did not belong to ca\.pem\)$/,
    );
    const later = new Date(FACTS.notAfter.getTime() + DAY_MS);
    expect(formatCaReport(FACTS, { now: later })).toContain('(EXPIRED)');
  });

  it('after --regenerate: the previous CA to remove, the new one to trust, and the proxies to restart', () => {
    const text = formatCaReport(
      { ...FACTS, created: true, createdReason: 'regenerated' },
      {
        now: NOW,
        previous: { sha256: '11:22', sha1: PREVIOUS_SHA1, subject: 'O=proxydoc\nCN=proxydoc CA (old)' },
        runningProxies: ['http://127.0.0.1:45123'],
      },
    );
    expect(text.split('\n')[0]).toBe("proxydoc CA regenerated: /home/o'brien/proxy docs/certs/ca.pem");
    expect(text).toContain('The previous CA (SHA-256 11:22, CN=proxydoc CA (old), O=proxydoc) and its key are gone.');
    expect(text).toContain('  3. Restart proxydoc (running on http://127.0.0.1:45123): it signs with the previous CA until it restarts.');
    expect(text).toContain(
      [
        'Windows: machine root store (Edge, Chrome, .NET, PowerShell), in an Administrator prompt',
        '  untrust previous:  certutil -delstore ROOT AABBCCDDEEFF00112233445566778899AABBCCDD',
        `  trust:             certutil -addstore -f ROOT "/home/o'brien/proxy docs/certs/ca.pem"`,
      ].join('\n'),
    );
  });
});

describe('caReportJson', () => {
  it('holds the same facts, dates as ISO 8601', () => {
    const json = caReportJson(FACTS, { now: NOW }) as Record<string, unknown>;
    expect(json).toMatchObject({
      certPath: FACTS.certPath,
      sha256: FACTS.sha256,
      sha1: SHA1,
      subject: 'CN=proxydoc CA (build-box\\, 2026-11-21), O=proxydoc',
      notBefore: '2026-11-20T20:41:03.000Z',
      notAfter: '2036-11-18T20:41:03.000Z',
      daysLeft: 3649,
      created: false,
    });
    expect(json).not.toHaveProperty('previous');
    expect((json.trust as unknown[]).length).toBe(trustTargets(FACTS).length);
  });
});

describe('combineCaBundle', () => {
  const block = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

  it('keeps every certificate once, in order, and drops comments and other PEM blocks', () => {
    const ours = block('T1VSUw==');
    const system = [
      '# Mozilla root: One',
      block('T05F'),
      '-----BEGIN TRUSTED CERTIFICATE-----\nWA==\n-----END TRUSTED CERTIFICATE-----',
      block('T1VSUw=='), // ours, already trusted system-wide
    ].join('\n');
    const node = [block('T05F').replace(/\n/g, '\r\n'), block('VFdP')];
    expect(combineCaBundle([ours, system, ...node])).toBe(`${block('T1VSUw==')}\n${block('T05F')}\n${block('VFdP')}\n`);
  });

  it('is empty for no certificates', () => {
    expect(combineCaBundle(['', 'not a certificate'])).toBe('');
  });
});
