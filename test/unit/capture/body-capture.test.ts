import { BodyCapture } from '../../../src/capture/body-capture';

describe('BodyCapture', () => {
  test('keeps everything under the limit, as text when it is UTF-8', () => {
    const capture = new BodyCapture(100);
    capture.push(Buffer.from('héllo '));
    capture.push(Buffer.from('wörld'));
    expect(capture.result()).toEqual({ size: 13, text: 'héllo wörld', truncated: false });
  });

  test('keeps only the limit of a larger body, with the full size and truncated', () => {
    const capture = new BodyCapture(4);
    capture.push(Buffer.from('abc'));
    capture.push(Buffer.from('defgh'));
    expect(capture.result()).toEqual({ size: 8, text: 'abcd', truncated: true });
  });

  test('a cut inside a multi-byte character is still text, without the partial character', () => {
    const capture = new BodyCapture(2);
    capture.push(Buffer.from('aé')); // 'é' is two bytes: the limit cuts it in half
    expect(capture.result()).toEqual({ size: 3, text: 'a', truncated: true });
  });

  test('binary bodies are kept as base64', () => {
    const capture = new BodyCapture(10);
    capture.push(Buffer.from([0xff, 0x00, 0x80]));
    expect(capture.result()).toEqual({ size: 3, base64: '/wCA', truncated: false });
  });

  test('an empty body is just size 0', () => {
    expect(new BodyCapture(10).result()).toEqual({ size: 0, truncated: false });
  });
});
