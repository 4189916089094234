/** proxydoc's own version, for --version and HAR's log.creator. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** package.json sits at the repository root, two levels above src/cli and three above dist/src/cli. */
export function readVersion(): string {
  let directory = __dirname;
  for (;;) {
    const candidate = path.join(directory, 'package.json');
    try {
      const manifest = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'proxydoc' && manifest.version) return manifest.version;
    } catch {
      // not here; keep walking up
    }
    const parent = path.dirname(directory);
    if (parent === directory) return 'unknown';
    directory = parent;
  }
}
