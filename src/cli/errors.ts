/**
 * Errors a command handler throws to end with one line on stderr. main.ts maps the code to the exit status:
 * PROXYDOC_ERR_USAGE → 2 (the command line was wrong), any other PROXYDOC_ERR_* → 1.
 */
export class CommandUsageError extends Error {
  readonly code = 'PROXYDOC_ERR_USAGE';
  override name = 'CommandUsageError';
}

/** A runtime failure the user can act on (no records yet, a file that can't be read). */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly code = 'PROXYDOC_ERR_COMMAND',
  ) {
    super(message);
  }
}
