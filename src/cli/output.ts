/**
 * Terminal output decisions shared by the commands that print records. Colour follows the common conventions:
 * off with --no-color or a non-empty NO_COLOR (https://no-color.org), forced on by FORCE_COLOR (as Node and chalk
 * read it), otherwise on only when stdout is a terminal, so piped output stays plain text.
 */
import type { Options } from 'yargs';
import type { CliIo } from './main';

export const COLOR_OPTIONS = {
  'no-color': {
    type: 'boolean',
    group: 'Output:',
    describe: 'plain text even on a terminal (also NO_COLOR=1); FORCE_COLOR=1 forces colour when piped',
  },
} as const satisfies Record<string, Options>;

export function colorEnabled(flags: Record<string, unknown>, io: Pick<CliIo, 'env' | 'stdoutIsTTY'>): boolean {
  if (flags.noColor === true) return false;
  if ((io.env.NO_COLOR ?? '') !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return io.stdoutIsTTY;
}
