/**
 * Finding the record a user means by `proxydoc show 17`: its seq (`17` or `#17`), its id, a unique prefix of the id,
 * or `last`. Pure; the message of a failed lookup says what was searched and how to be more precise.
 */
import type { ExchangeRecord } from '../model/exchange';

export class RecordNotFoundError extends Error {
  readonly code = 'PROXYDOC_ERR_RECORD_NOT_FOUND';
  override name = 'RecordNotFoundError';
}

/** An id prefix shorter than this would match on the leading timestamp digits alone. */
const MIN_PREFIX_LENGTH = 4;

/** Resolves one reference against records in file order (oldest first). Throws RecordNotFoundError. */
export function selectRecord(records: readonly ExchangeRecord[], reference: string, source: string): ExchangeRecord {
  const ref = reference.trim();
  if (records.length === 0) throw new RecordNotFoundError(`no records in ${source} yet; send some traffic through proxydoc first`);
  if (ref === 'last' || ref === 'latest') return records[records.length - 1];

  const seqMatch = /^#?(\d+)$/.exec(ref);
  if (seqMatch) {
    const seq = Number(seqMatch[1]);
    const bySeq = records.filter((record) => record.seq === seq);
    // Two processes appending to one directory could both have used a seq; the newest is what the user just saw.
    if (bySeq.length > 0) return bySeq[bySeq.length - 1];
    if (ref.startsWith('#')) throw new RecordNotFoundError(`no record #${seq} in ${source} ${seqRange(records)}`);
  }

  const exact = records.find((record) => record.id === ref);
  if (exact) return exact;
  if (ref.length >= MIN_PREFIX_LENGTH) {
    const byPrefix = records.filter((record) => record.id.startsWith(ref));
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1) {
      const seqs = byPrefix.slice(0, 5).map((record) => `#${record.seq}`).join(', ');
      throw new RecordNotFoundError(
        `"${ref}" is the start of ${byPrefix.length} record ids (${seqs}${byPrefix.length > 5 ? ', …' : ''}); type more of the id or use the seq number`,
      );
    }
  }
  if (seqMatch) throw new RecordNotFoundError(`no record #${seqMatch[1]} in ${source} ${seqRange(records)}`);
  throw new RecordNotFoundError(
    `no record "${ref}" in ${source}: give a seq number (17), an id or a unique start of one (4+ characters), or "last"`,
  );
}

function seqRange(records: readonly ExchangeRecord[]): string {
  let min = Infinity;
  let max = -Infinity;
  for (const record of records) {
    min = Math.min(min, record.seq);
    max = Math.max(max, record.seq);
  }
  return `(it has #${min}–#${max})`;
}
