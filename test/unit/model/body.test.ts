import { bodyBytes, captureBody } from '../../../src/model/body';

describe('captureBody', () => {
  it('keeps a UTF-8 byte-order mark, so the text round-trips to the same bytes', () => {
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x41]);
    const body = captureBody(bytes, bytes.length, false);
    expect(body.text).toBe('\ufeffA');
    expect(bodyBytes(body).equals(bytes)).toBe(true);
  });

  it('stores invalid UTF-8 and NUL bytes as base64', () => {
    expect(captureBody(Buffer.from([0xff, 0x41]), 2, false)).toEqual({ size: 2, base64: '/0E=', truncated: false });
    expect(captureBody(Buffer.from([0x41, 0x00]), 2, false).base64).toBe('QQA=');
  });

  it('drops only the partial character at the end of a truncated prefix', () => {
    const bytes = Buffer.from('ab€', 'utf8').subarray(0, 4); // "ab" + 2 of the 3 bytes of €
    expect(captureBody(bytes, 100, true)).toEqual({ size: 100, text: 'ab', truncated: true });
  });
});
