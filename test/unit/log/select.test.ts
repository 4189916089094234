import { selectRecord } from '../../../src/log/select';
import { makeExchange } from '../../helpers/make-exchange';

const records = [
  makeExchange({ seq: 7, id: 'mi8x2k3fc-7-aaaa1111' }),
  makeExchange({ seq: 8, id: 'mi8x2k3fc-8-bbbb2222' }),
  makeExchange({ seq: 9, id: 'mi8x2k4aa-9-cccc3333' }),
];

describe('selectRecord', () => {
  it.each([
    ['last', 9],
    ['8', 8],
    ['#7', 7],
    ['mi8x2k3fc-8-bbbb2222', 8],
    ['mi8x2k4', 9],
  ])('%s → #%d', (reference, seq) => {
    expect(selectRecord(records, reference, 'logs/exchanges.jsonl').seq).toBe(seq);
  });

  it('takes the newest of two records sharing a seq', () => {
    const dup = [...records, makeExchange({ seq: 8, id: 'later' })];
    expect(selectRecord(dup, '8', 'f').id).toBe('later');
  });

  it('refuses an ambiguous prefix and lists the candidates', () => {
    expect(() => selectRecord(records, 'mi8x2k3', 'f')).toThrow(
      '"mi8x2k3" is the start of 2 record ids (#7, #8); type more of the id or use the seq number',
    );
  });

  it('names the seq range when a number is not there', () => {
    expect(() => selectRecord(records, '42', 'logs/exchanges.jsonl')).toThrow('no record #42 in logs/exchanges.jsonl (it has #7–#9)');
  });

  it('explains the accepted forms for anything else', () => {
    expect(() => selectRecord(records, 'zz', 'f')).toThrow(/give a seq number \(17\), an id or a unique start of one/);
  });

  it('says so when there are no records', () => {
    expect(() => selectRecord([], 'last', 'f')).toThrow('no records in f yet; send some traffic through proxydoc first');
  });
});
