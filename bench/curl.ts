/**
 * S4 and S5's client: curl, one big transfer per run, with the same flags directly and through the proxy (plus
 * -x and proxydoc's CA when proxied). curl's own timer (%{time_total}) covers connect to the last byte.
 */
import { environmentWithoutProxy, runToCompletion } from './processes';

export interface CurlTransfer {
  url: string;
  /** Trusted CA for HTTPS: the target's directly, proxydoc's through the proxy. */
  caPath?: string;
  proxyUrl?: string;
  /** A file to POST (S5); a GET download otherwise. */
  uploadFile?: string;
}

export interface CurlResult {
  status: number;
  seconds: number;
  bytesDownloaded: number;
  bytesUploaded: number;
}

const WRITE_OUT = '%{http_code} %{time_total} %{size_download} %{size_upload}';

/** Parses the -w line: status, seconds, bytes down, bytes up. */
export function parseCurlWriteOut(text: string): CurlResult {
  const parts = text.trim().split(/\s+/).map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) throw new Error(`unexpected curl -w output: ${JSON.stringify(text)}`);
  const [status, seconds, bytesDownloaded, bytesUploaded] = parts as [number, number, number, number];
  return { status, seconds, bytesDownloaded, bytesUploaded };
}

export async function runCurl(transfer: CurlTransfer): Promise<CurlResult> {
  const args = ['-s', '-S', '--http1.1', '-o', '/dev/null', '-w', WRITE_OUT];
  if (transfer.caPath) args.push('--cacert', transfer.caPath);
  args.push(...(transfer.proxyUrl ? ['-x', transfer.proxyUrl] : ['--noproxy', '*']));
  if (transfer.uploadFile) {
    // curl sends "Expect: 100-continue" for a body this big, directly and through proxydoc alike (which relays it to
    // the target): kept, since that is what users' uploads do.
    args.push('-H', 'Content-Type: application/octet-stream', '--data-binary', `@${transfer.uploadFile}`);
  }
  args.push(transfer.url);
  const { code, stdout, stderr } = await runToCompletion('curl', args, { env: environmentWithoutProxy() });
  if (code !== 0) throw new Error(`curl exited with ${code}: ${stderr.trim()}`);
  return parseCurlWriteOut(stdout);
}
