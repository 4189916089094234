import { execFile, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import forge from 'node-forge';
import { CaError, LeafCertificates, loadOrCreateCa, type LoadedCa } from '../../../src/ca';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Captured once: handshakes below are checked by clients against the real clock. */
const NOW = new Date();
const wholeSeconds = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);

let workDir: string;
let ca: LoadedCa;
let caCertificate: crypto.X509Certificate;

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'proxydoc-leaf-'));
  ca = await loadOrCreateCa(path.join(workDir, 'ca'), { now: NOW });
  caCertificate = new crypto.X509Certificate(ca.certPem);
});

afterAll(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

const leavesAt = (now: () => Date, maxEntries?: number, authority: LoadedCa = ca): LeafCertificates =>
  new LeafCertificates(authority, { now, maxEntries });

/** Extensions by OID, read with forge's ASN.1 parser independently of the code under test. */
function extensionsOf(certPem: string): Map<string, { critical: boolean; valueHex: string }> {
  const der = new crypto.X509Certificate(certPem).raw.toString('binary');
  const certificate = forge.asn1.fromDer(der);
  const tbsFields = (certificate.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const extensionsField = tbsFields.find((field) => field.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && field.type === 3)!;
  const result = new Map<string, { critical: boolean; valueHex: string }>();
  for (const extension of (extensionsField.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]) {
    const parts = extension.value as forge.asn1.Asn1[];
    const critical = parts.length === 3 && parts[1]!.value === '\xff';
    const valueHex = Buffer.from(parts[parts.length - 1]!.value as string, 'binary').toString('hex');
    result.set(forge.asn1.derToOid(parts[0]!.value as string), { critical, valueHex });
  }
  return result;
}

const caKeyIdentifierHex = (): string => extensionsOf(ca.certPem).get('2.5.29.14')!.valueHex.slice(4); // drop 04 14

describe('leaf certificate contents', () => {
  test('a DNS name: CN, SAN, serverAuth, digitalSignature, CA:false, AKI, EC P-256, SHA-256, signed by the CA', async () => {
    const leaves = leavesAt(() => NOW);
    const leaf = new crypto.X509Certificate(await leaves.certificatePemFor('a.test'));

    expect(leaf.subject).toBe('CN=a.test');
    expect(leaf.subjectAltName).toBe('DNS:a.test');
    expect(leaf.checkHost('a.test')).toBe('a.test');
    expect(leaf.checkHost('b.test')).toBeUndefined();
    expect(leaf.issuer).toBe(caCertificate.subject);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // Node reports extKeyUsage here
    expect(leaf.publicKey.asymmetricKeyType).toBe('ec');
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(leaf.checkIssued(caCertificate)).toBe(true);
    expect(leaf.verify(caCertificate.publicKey)).toBe(true);
    expect(leaf.verify(leaf.publicKey)).toBe(false);
    expect(leaf.toLegacyObject().asn1Curve).toBe('prime256v1');

    const extensions = extensionsOf(leaf.toString());
    expect([...extensions.keys()].sort()).toEqual(['2.5.29.15', '2.5.29.17', '2.5.29.19', '2.5.29.35', '2.5.29.37']);
    expect(extensions.get('2.5.29.19')).toEqual({ critical: true, valueHex: '3000' }); // CA:FALSE (DEFAULT omitted)
    expect(extensions.get('2.5.29.15')).toEqual({ critical: true, valueHex: '03020780' }); // digitalSignature only (EC key)
    expect(extensions.get('2.5.29.37')).toEqual({ critical: false, valueHex: '300a06082b06010505070301' });
    expect(extensions.get('2.5.29.17')).toEqual({
      critical: false,
      valueHex: '3008' + '8206' + Buffer.from('a.test').toString('hex'),
    });
    expect(extensions.get('2.5.29.35')).toEqual({ critical: false, valueHex: '30168014' + caKeyIdentifierHex() });

    // sha256WithRSAEncryption, because the CA key is RSA.
    const signatureAlgorithm = (forge.asn1.fromDer(leaf.raw.toString('binary')).value as forge.asn1.Asn1[])[1]!;
    const algorithmOid = (signatureAlgorithm.value as forge.asn1.Asn1[])[0]!.value as string;
    expect(forge.asn1.derToOid(algorithmOid)).toBe('1.2.840.113549.1.1.11');
  });

  test('validity: from a day back (clock skew) for 397 days, and random positive serials', async () => {
    const leaves = leavesAt(() => NOW);
    const first = new crypto.X509Certificate(await leaves.certificatePemFor('a.test'));
    const second = new crypto.X509Certificate(await leaves.certificatePemFor('b.test'));

    expect(new Date(first.validFrom)).toEqual(wholeSeconds(NOW.getTime() - DAY_MS));
    expect(new Date(first.validTo)).toEqual(wholeSeconds(NOW.getTime() + 397 * DAY_MS));
    expect(first.serialNumber).not.toBe(second.serialNumber);
    for (const serial of [first.serialNumber, second.serialNumber]) {
      expect(serial).toMatch(/^[0-7][0-9A-F]{31}$/); // 16 octets, top bit clear
    }
    // All leaves share one key, so issuing never waits for a key generation.
    expect(first.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
      second.publicKey.export({ type: 'spki', format: 'der' }),
    );
  });

  test.each([
    ['127.0.0.1', '127.0.0.1', '3006' + '8704' + '7f000001'],
    ['[::1]', '::1', '3012' + '8710' + '00000000000000000000000000000001'],
    ['2001:DB8::42', '2001:db8::42', '3012' + '8710' + '20010db8000000000000000000000042'],
    ['fe80::1%eth0', 'fe80::1', '3012' + '8710' + 'fe800000000000000000000000000001'],
    ['::ffff:192.0.2.1', '::ffff:c000:201', '3012' + '8710' + '00000000000000000000ffffc0000201'],
  ])('an IP literal %s gets an iPAddress SAN', async (host, canonical, sanHex) => {
    const leaves = leavesAt(() => NOW);
    const leaf = new crypto.X509Certificate(await leaves.certificatePemFor(host));

    expect(leaf.subject).toBe(`CN=${canonical}`);
    expect(extensionsOf(leaf.toString()).get('2.5.29.17')).toEqual({ critical: false, valueHex: sanHex });
    expect(leaf.checkIP(canonical)).toBe(canonical);
    expect(leaf.checkIP('192.0.2.99')).toBeUndefined();
  });

  test('names are normalised: case, trailing dot, IDN to A-labels — and share one cache entry', async () => {
    const leaves = leavesAt(() => NOW);
    const pem = await leaves.certificatePemFor('Mixed.Example.TEST.');
    expect(new crypto.X509Certificate(pem).subjectAltName).toBe('DNS:mixed.example.test');
    expect(await leaves.certificatePemFor('mixed.example.test')).toBe(pem);
    expect(leaves.issuedCount).toBe(1);

    const idn = new crypto.X509Certificate(await leaves.certificatePemFor('bücher.test'));
    expect(idn.subjectAltName).toBe('DNS:xn--bcher-kva.test');
  });

  test('a name longer than a CN can hold gets an empty subject and a critical SAN (RFC 5280 §4.2.1.6)', async () => {
    const longName = `${'l'.repeat(60)}.example.test`;
    const leaves = leavesAt(() => NOW);
    const leaf = new crypto.X509Certificate(await leaves.certificatePemFor(longName));

    expect(leaf.subject).toBeUndefined(); // Node's rendering of an empty Name
    expect(leaf.checkHost(longName)).toBe(longName);
    expect(extensionsOf(leaf.toString()).get('2.5.29.17')?.critical).toBe(true);
  });

  test.each(['', 'bad host', 'a..test', '-lead.test', `${'x'.repeat(64)}.test`, 'under/score.test', 'a:b.test', 'bü/cher.test'])(
    'refuses the host %j with a CaError',
    async (host) => {
      const leaves = leavesAt(() => NOW);
      await expect(leaves.secureContextFor(host)).rejects.toMatchObject({ code: 'PROXYDOC_ERR_CA_INVALID_HOST' });
      expect(leaves.issuedCount).toBe(0);
    },
  );
});

describe('validity is bounded by the CA', () => {
  let shortLivedCa: LoadedCa;

  beforeAll(async () => {
    shortLivedCa = await loadOrCreateCa(path.join(workDir, 'short'), { now: NOW, validityDays: 100 });
  });

  test('a leaf never outlives the CA, and its chain verifies', async () => {
    const leaves = leavesAt(() => NOW, undefined, shortLivedCa);
    const leaf = new crypto.X509Certificate(await leaves.certificatePemFor('a.test'));
    const issuer = new crypto.X509Certificate(shortLivedCa.certPem);

    expect(new Date(leaf.validTo)).toEqual(shortLivedCa.notAfter);
    expect(leaf.validTo).toBe(issuer.validTo);
    expect(leaf.verify(issuer.publicKey)).toBe(true);
    expect(leaf.verify(caCertificate.publicKey)).toBe(false);
  });

  test('issuing after the CA expired is a CaError that says to restart', async () => {
    const leaves = leavesAt(() => new Date(shortLivedCa.notAfter.getTime() + 1000), undefined, shortLivedCa);
    const error = await leaves.secureContextFor('a.test').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaError);
    expect(error).toMatchObject({ code: 'PROXYDOC_ERR_CA_EXPIRED', message: expect.stringContaining('restart proxydoc') });
  });
});

describe('caching and in-flight deduplication', () => {
  test('two concurrent requests for one host issue once; a later one is a cache hit', async () => {
    const leaves = leavesAt(() => NOW);
    const [first, second] = await Promise.all([leaves.secureContextFor('a.test'), leaves.secureContextFor('a.test')]);
    expect(second).toBe(first);
    expect(leaves.issuedCount).toBe(1);

    expect(await leaves.secureContextFor('a.test')).toBe(first);
    await leaves.certificatePemFor('a.test');
    expect(leaves.issuedCount).toBe(1);

    await leaves.secureContextFor('b.test');
    expect(leaves.issuedCount).toBe(2);
  });

  test('the least recently used leaf is dropped beyond maxEntries', async () => {
    const leaves = leavesAt(() => NOW, 2);
    await leaves.secureContextFor('a.test');
    await leaves.secureContextFor('b.test');
    await leaves.secureContextFor('a.test'); // a is now the most recent
    await leaves.secureContextFor('c.test'); // evicts b
    expect(leaves.issuedCount).toBe(3);

    await leaves.secureContextFor('a.test');
    expect(leaves.issuedCount).toBe(3);
    await leaves.secureContextFor('b.test');
    expect(leaves.issuedCount).toBe(4);
  });

  test('an expired cached leaf is reissued', async () => {
    let now = NOW;
    const leaves = leavesAt(() => now);
    const firstPem = await leaves.certificatePemFor('a.test');

    now = new Date(NOW.getTime() + 396 * DAY_MS);
    expect(await leaves.certificatePemFor('a.test')).toBe(firstPem);
    now = new Date(NOW.getTime() + 398 * DAY_MS);
    const renewedPem = await leaves.certificatePemFor('a.test');
    expect(renewedPem).not.toBe(firstPem);
    expect(new Date(new crypto.X509Certificate(renewedPem).validFrom)).toEqual(wholeSeconds(now.getTime() - DAY_MS));
    expect(leaves.issuedCount).toBe(2);
  });
});

describe('TLS with the issued leaves', () => {
  /** Tracks sockets so every server closes immediately and jest exits on its own. */
  function trackConnections(server: net.Server): () => Promise<void> {
    const sockets = new Set<net.Socket>();
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
  }

  async function listen(server: net.Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  /** A TLS server that picks its certificate by SNI, as proxydoc's CONNECT handler does. */
  async function startSniServer(leaves: LeafCertificates): Promise<{ port: number; close: () => Promise<void> }> {
    const server = tls.createServer(
      {
        SNICallback: (servername, callback) =>
          leaves.secureContextFor(servername).then((context) => callback(null, context), callback),
      },
      (socket) => socket.end('hello'),
    );
    const close = trackConnections(server);
    return { port: await listen(server), close };
  }

  function connect(options: tls.ConnectionOptions): Promise<{ authorized: boolean; peer: tls.DetailedPeerCertificate; data: string }> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', ...options });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.on('end', () => resolve({ authorized: socket.authorized, peer: socket.getPeerCertificate(true), data }));
      socket.on('error', (error) => {
        socket.destroy();
        reject(error);
      });
    });
  }

  test('a client trusting only ca.pem completes the handshake for a name, and gets the CA in the chain', async () => {
    const leaves = leavesAt(() => new Date());
    const server = await startSniServer(leaves);
    try {
      const result = await connect({ port: server.port, servername: 'a.test', ca: ca.certPem });
      expect(result.authorized).toBe(true);
      expect(result.data).toBe('hello');
      expect(result.peer.subject.CN).toBe('a.test');
      expect(result.peer.issuerCertificate.fingerprint256).toBe(ca.fingerprint256);
    } finally {
      await server.close();
    }
  });

  test('a client that does not trust the CA rejects the leaf', async () => {
    const otherCa = await loadOrCreateCa(path.join(workDir, 'other'), { now: NOW });
    const leaves = leavesAt(() => new Date());
    const server = await startSniServer(leaves);
    try {
      // Default roots only: proxydoc's CA is self-signed and unknown.
      await expect(connect({ port: server.port, servername: 'a.test' })).rejects.toMatchObject({
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      });
      // Another proxydoc install's CA.
      await expect(connect({ port: server.port, servername: 'a.test', ca: otherCa.certPem })).rejects.toMatchObject({
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      });
      // The right CA but the wrong name.
      await expect(
        connect({
          port: server.port,
          servername: 'a.test',
          ca: ca.certPem,
          checkServerIdentity: (_host, cert) => tls.checkServerIdentity('b.test', cert),
        }),
      ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    } finally {
      await server.close();
    }
  });

  test('an IP literal (no SNI, as with CONNECT 127.0.0.1:443) verifies against the iPAddress SAN', async () => {
    const leaves = leavesAt(() => new Date());
    const secureContext = await leaves.secureContextFor('127.0.0.1');
    const server = net.createServer((raw) => {
      const socket = new tls.TLSSocket(raw, { isServer: true, secureContext });
      socket.on('error', () => socket.destroy());
      socket.on('secure', () => socket.end('hello'));
    });
    const close = trackConnections(server);
    try {
      const result = await connect({ port: await listen(server), ca: ca.certPem });
      expect(result.authorized).toBe(true);
      expect(result.data).toBe('hello');
    } finally {
      await close();
    }
  });

  const hasCurl = spawnSync('curl', ['--version']).status === 0;
  (hasCurl ? test : test.skip)('curl (OpenSSL) accepts a leaf with --cacert ca.pem', async () => {
    const leaves = leavesAt(() => new Date());
    const server = https.createServer(
      {
        SNICallback: (servername, callback) =>
          leaves.secureContextFor(servername).then((context) => callback(null, context), callback),
      },
      (_request, response) => response.end('ok from proxydoc leaf\n'),
    );
    const close = trackConnections(server);
    try {
      const port = await listen(server);
      const url = `https://localhost.test:${port}/`;
      const resolve = `localhost.test:${port}:127.0.0.1`;
      const curl = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
        new Promise((done) =>
          execFile('curl', ['--silent', '--show-error', '--max-time', '10', ...args], (error, stdout, stderr) =>
            done({ code: error ? Number(error.code) : 0, stdout, stderr }),
          ),
        );

      const trusted = await curl(['--cacert', ca.certPath, '--resolve', resolve, url]);
      expect(trusted).toEqual({ code: 0, stdout: 'ok from proxydoc leaf\n', stderr: '' });

      const otherCaPath = path.join(workDir, 'other-ca.pem');
      await fs.writeFile(otherCaPath, (await loadOrCreateCa(path.join(workDir, 'curl-other'), { now: NOW })).certPem);
      const untrusted = await curl(['--cacert', otherCaPath, '--resolve', resolve, url]);
      expect(untrusted.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
    } finally {
      await close();
    }
  });
});
