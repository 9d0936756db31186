import { ApiError } from '../common/api-error';
import { decodeCommandContent, parameterNamesOf, renderCommandContent } from './command-content';

describe('command content', () => {
  it('decodes Base64 and refuses what is not Base64', () => {
    expect(decodeCommandContent(Buffer.from('echo hi').toString('base64')).toString()).toBe('echo hi');
    expect(() => decodeCommandContent('not base64!')).toThrow(ApiError);
    expect(decodeCommandContent('echo hi', 'PlainText').toString()).toBe('echo hi');
  });

  it('refuses content over 24 KB', () => {
    expect(() => decodeCommandContent('x'.repeat(24 * 1024 + 1), 'PlainText')).toThrow('exceeds');
  });

  it('finds parameter names once each, in order', () => {
    expect(parameterNamesOf(Buffer.from('cp {{src}} {{ dst }} && ls {{src}}'))).toEqual(['src', 'dst']);
  });

  it('fills parameters, refusing undeclared or missing ones', () => {
    const content = Buffer.from('echo {{greeting}}, {{name}}');
    expect(renderCommandContent(content, ['greeting', 'name'], { greeting: 'hi', name: 'ops' }).toString()).toBe('echo hi, ops');
    expect(() => renderCommandContent(content, ['greeting', 'name'], { greeting: 'hi' })).toThrow('name');
    expect(() => renderCommandContent(content, ['greeting', 'name'], { greeting: 'a', name: 'b', extra: 'c' })).toThrow('extra');
  });

  it('refuses a rendering over 24 KB before building it, and accepts one of exactly 24 KB', () => {
    const repeating = Buffer.from('{{a}}'.repeat(4900));
    expect(() => renderCommandContent(repeating, ['a'], { a: 'x'.repeat(20 * 1024) })).toThrow(
      expect.objectContaining({ code: 'CmdContent.ExceedLimit' }) as Error,
    );
    const short = Buffer.from('echo {{a}}');
    expect(renderCommandContent(short, ['a'], { a: 'x'.repeat(24 * 1024 - 5) }).length).toBe(24 * 1024);
    expect(() => renderCommandContent(short, ['a'], { a: 'x'.repeat(24 * 1024 - 4) })).toThrow(
      expect.objectContaining({ code: 'CmdContent.ExceedLimit' }) as Error,
    );
    // Bytes, not characters: 12,286 two-byte characters are 24,572 bytes.
    expect(() => renderCommandContent(short, ['a'], { a: '\u00e9'.repeat(12286) })).toThrow(
      expect.objectContaining({ code: 'CmdContent.ExceedLimit' }) as Error,
    );
  });

  it('does not fill a parameter from Object.prototype', () => {
    expect(() => renderCommandContent(Buffer.from('echo {{constructor}}'), ['constructor'], {})).toThrow('constructor');
  });
});
