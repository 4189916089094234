/**
 * S3's host names resolve through /etc/hosts: the bench appends "127.0.0.1 NAME # proxydoc-bench" lines and removes
 * exactly those lines afterwards, on success, error or Ctrl-C. Both proxydoc (for its upstream connection) and the
 * direct client resolve them with getaddrinfo like any real name, with no DNS server involved.
 */
import * as fs from 'node:fs';

export const HOSTS_MARKER = '# proxydoc-bench';

export function hostsLine(name: string): string {
  return `127.0.0.1 ${name} ${HOSTS_MARKER}`;
}

/** The file's text with `lines` appended, on a line of their own. */
export function withLines(text: string, lines: readonly string[]): string {
  const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return base + lines.map((line) => `${line}\n`).join('');
}

/** The file's text without exactly these lines (every occurrence); other lines are kept byte for byte. */
export function withoutLines(text: string, lines: readonly string[]): string {
  const drop = new Set(lines);
  return text
    .split(/(?<=\n)/)
    .filter((line) => !drop.has(line.replace(/\r?\n$/, '')))
    .join('');
}

/** Lines a previous run left behind (it was killed before it could clean up). */
export function staleBenchLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.endsWith(HOSTS_MARKER));
}

export class HostsFile {
  private added: string[] = [];

  constructor(private readonly file = '/etc/hosts') {}

  /** Whether we may change the file (root, or a writable file); checked without changing it. */
  writable(): boolean {
    try {
      fs.accessSync(this.file, fs.constants.R_OK | fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** Removes lines with our marker left by a run that was killed; returns how many. */
  removeStale(): number {
    const text = fs.readFileSync(this.file, 'utf8');
    const stale = staleBenchLines(text);
    // Written in place rather than renamed over: /etc/hosts is often a bind mount (containers).
    if (stale.length > 0) fs.writeFileSync(this.file, withoutLines(text, stale));
    return stale.length;
  }

  add(names: readonly string[]): void {
    const lines = names.map(hostsLine);
    fs.writeFileSync(this.file, withLines(fs.readFileSync(this.file, 'utf8'), lines));
    this.added.push(...lines);
  }

  /** Removes the lines this object added; safe to call more than once, and synchronous so exit handlers can. */
  restore(): void {
    if (this.added.length === 0) return;
    fs.writeFileSync(this.file, withoutLines(fs.readFileSync(this.file, 'utf8'), this.added));
    this.added = [];
  }
}
