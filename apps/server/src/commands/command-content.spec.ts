import { ApiError } from '../api/api-error';
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
});
