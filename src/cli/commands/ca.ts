/**
 * `proxydoc ca`: shows proxydoc's CA (creating it if missing) and how to trust and untrust it everywhere;
 * `--regenerate` replaces it.
 */
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { CA_CERT_FILE, loadOrCreateCa, type LoadedCa } from '../../ca';
import { regenerateCa } from '../../ca/authority';
import { findRunningProxy } from '../../capture/state-file';
import { CONFIG_ENV_VARS, resolveConfig } from '../../config';
import type { CommandContext } from '../main';
import { caReportJson, formatCaReport, type CaFacts, type PreviousCa } from '../trust';
import { writeCaBundle } from './env';

export function caCommand(context: CommandContext): CommandModule<object, Record<string, unknown>> {
  return {
    command: 'ca',
    describe: "show proxydoc's CA and how to trust it; --regenerate replaces it",
    builder: (parser: Argv) =>
      parser
        .usage(
          [
            'proxydoc ca [options]',
            '',
            "Prints where proxydoc's certificate authority is, its SHA-256 fingerprint (compare it",
            'with what a trust store shows), its subject and validity, and for each platform and',
            'runtime the command that trusts it and the one that removes it again. Creates the',
            'CA first if --ca-dir has none, as `proxydoc start` would. Also refreshes',
            'ca-bundle.pem beside it (the usual roots plus this CA).',
            '',
            '--regenerate replaces ca.pem and ca.key with a new CA. The old key is gone afterwards,',
            'so remove the old CA from the trust stores you added it to, trust the new one, and',
            'restart running proxydoc processes, which keep signing with the old one.',
          ].join('\n'),
        )
        .options({
          regenerate: {
            type: 'boolean',
            group: 'Actions:',
            describe: 'replace the CA with a new one (both files, atomically)',
          },
          json: {
            type: 'boolean',
            group: 'Output:',
            describe: 'print the same facts and commands as one JSON object',
          },
          'ca-dir': {
            type: 'string',
            requiresArg: true,
            group: 'Files:',
            describe: `directory holding ca.pem and ca.key, created if missing (default ./certs); env ${CONFIG_ENV_VARS.caDir}`,
          },
          'log-dir': {
            type: 'string',
            requiresArg: true,
            group: 'Files:',
            describe: `log directory of a running proxydoc to name when it needs a restart (default ./logs); env ${CONFIG_ENV_VARS.logDir}`,
          },
          config: {
            type: 'string',
            requiresArg: true,
            group: 'Files:',
            describe: 'JSON config file, as for start; env PROXYDOC_CONFIG',
          },
        })
        .epilogue(
          [
            'Examples:',
            '  proxydoc ca',
            '      The CA in ./certs, and the commands to trust it.',
            '  proxydoc ca --ca-dir ~/.proxydoc/certs --json',
            '      The same as JSON, e.g. for a provisioning script.',
            '  proxydoc ca --regenerate',
            '      A new CA, e.g. after ca.key may have leaked.',
            '',
            'The key is never printed. ca.key is mode 0600 in a 0700 directory; a ca.key that group',
            'or others can read is refused (chmod 600 it).',
            '',
            'Exit status: 0 ok; 1 when the CA cannot be read, created or written; 2 for a usage or',
            'configuration error.',
          ].join('\n'),
        ),
    handler: async (flags) => {
      context.setExitCode(await runCa(flags, context));
    },
  };
}

export async function runCa(flags: Record<string, unknown>, context: CommandContext): Promise<number> {
  const { io, services } = context;
  const config = resolveConfig({
    flags: { caDir: flags.caDir, logDir: flags.logDir, config: flags.config },
    env: io.env,
    readFile: services.readFile,
    cwd: io.cwd,
  });
  const now = new Date();
  let ca: LoadedCa;
  let previous: PreviousCa | undefined;
  let runningProxies: string[] | undefined;
  if (flags.regenerate === true) {
    previous = await readPrevious(path.join(config.caDir, CA_CERT_FILE));
    ca = await regenerateCa(config.caDir, { now });
    const running = await findRunningProxy(config.logDir).catch(() => undefined);
    runningProxies = running ? [running.url] : [];
  } else {
    ca = await loadOrCreateCa(config.caDir, { now });
  }
  const bundlePath = await writeCaBundle(ca.certPath);
  const certificate = new X509Certificate(ca.certPem);
  const facts: CaFacts = {
    certPath: ca.certPath,
    keyPath: ca.keyPath,
    bundlePath,
    sha256: certificate.fingerprint256,
    sha1: certificate.fingerprint,
    subject: certificate.subject,
    notBefore: ca.notBefore,
    notAfter: ca.notAfter,
    created: ca.created,
    createdReason: ca.reason,
  };
  const options = { now, previous, runningProxies };
  io.stdout(flags.json === true ? `${JSON.stringify(caReportJson(facts, options), null, 2)}\n` : formatCaReport(facts, options));
  return 0;
}

/** The CA about to be replaced, so the user can find it in trust stores; nothing when there is none to identify. */
async function readPrevious(certPath: string): Promise<PreviousCa | undefined> {
  try {
    const certificate = new X509Certificate(await fs.readFile(certPath));
    return { sha256: certificate.fingerprint256, sha1: certificate.fingerprint, subject: certificate.subject };
  } catch {
    return undefined; // missing or unreadable: --regenerate replaces it all the same
  }
}
