/**
 * The benchmark's target: its certificates and its process (target-server.ts; the soak's is soak-target.ts).
 *
 * Certificates: a private CA made by proxydoc's own src/ca (as the integration tests do), and one leaf valid for
 * 127.0.0.1 and *.proxydoc-bench.test. The wildcard lets S3 use a new host name per request without the target
 * issuing anything: the cost measured is proxydoc's, not the target's. LeafCertificates can't issue wildcards (it
 * validates names as hosts), so the leaf is built from the same X.509 building blocks it uses.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnTracked } from './processes';
import { loadOrCreateCa } from '../src/ca';
import {
  KEY_USAGE_BIT,
  OID,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  distinguishedNameDer,
  extendedKeyUsageExtension,
  issuerReferenceOf,
  keyUsageExtension,
  randomSerialNumber,
  signCertificate,
  subjectAltNameExtension,
  wholeSeconds,
} from '../src/ca/authority';

/** Parent domain of S3's fresh host names (RFC 6761 reserves .test, so none of them can exist for real). */
export const BENCH_DOMAIN = 'proxydoc-bench.test';

export interface TargetCerts {
  /** The target's CA, passed to proxydoc with --upstream-ca and trusted by the direct clients. */
  caPath: string;
  keyPath: string;
  /** Leaf + CA. */
  chainPath: string;
}

export async function createTargetCerts(dir: string): Promise<TargetCerts> {
  const ca = await loadOrCreateCa(path.join(dir, 'ca'), { now: new Date() });
  const caKey = crypto.createPrivateKey(ca.keyPem);
  const issuer = issuerReferenceOf(new crypto.X509Certificate(ca.certPem).raw);
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = Date.now();
  const { pem } = await signCertificate(
    {
      serialNumber: randomSerialNumber(),
      issuerNameDer: issuer.subjectNameDer,
      subjectNameDer: distinguishedNameDer([{ oid: OID.commonName, value: `*.${BENCH_DOMAIN}` }]),
      notBefore: wholeSeconds(new Date(now - 24 * 3600_000)),
      notAfter: wholeSeconds(new Date(now + 7 * 24 * 3600_000)),
      subjectPublicKeyInfoDer: publicKey.export({ type: 'spki', format: 'der' }),
      extensions: [
        basicConstraintsExtension({ ca: false }),
        keyUsageExtension([KEY_USAGE_BIT.digitalSignature]),
        extendedKeyUsageExtension([OID.serverAuth]),
        subjectAltNameExtension([{ dnsName: `*.${BENCH_DOMAIN}` }, { ipAddress: Buffer.from([127, 0, 0, 1]) }], false),
        authorityKeyIdentifierExtension(issuer.keyIdentifier),
      ],
    },
    caKey,
  );
  const keyPath = path.join(dir, 'target.key');
  const chainPath = path.join(dir, 'target-chain.pem');
  fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(chainPath, pem + ca.certPem);
  return { caPath: ca.certPath, keyPath, chainPath };
}

export interface RunningTarget {
  httpPort: number;
  httpsPort: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a target script (the bench's target-server.js, or the soak's soak-target.js) in its own process and waits for its ports. */
export function startTarget(certs: TargetCerts, script = 'target-server.js'): Promise<RunningTarget> {
  const child = spawnTracked(process.execPath, [path.join(__dirname, script), certs.keyPath, certs.chainPath]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('\n')) return;
      const ports = JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { http: number; https: number };
      resolve({
        httpPort: ports.http,
        httpsPort: ports.https,
        pid: child.pid as number,
        stop: async () => {
          child.stdin?.end(); // the target exits when its stdin closes
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`the target server (${script}) exited before listening: ${stderr.trim()}`)));
  });
}
