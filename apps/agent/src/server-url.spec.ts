import { checkServerUrl, InsecureServerError } from './server-url';

describe('checkServerUrl', () => {
  it.each(['https://ca.example.com', 'https://10.0.0.5:8443/', 'http://127.0.0.1:8080', 'http://127.3.4.5', 'http://localhost:8080', 'http://[::1]:8080'])(
    'accepts %s',
    (url) => {
      expect(checkServerUrl(url, false).href).toBe(new URL(url).href);
    },
  );

  it.each([
    'http://10.0.0.5:8080',
    'http://192.0.2.1',
    'http://ca.example.com',
    'http://[::ffff:127.0.0.1]',
    'http://127.0.0.1.example.com',
    'http://localhost.example.com',
  ])('refuses plain %s without --insecure-http, and accepts it with', (url) => {
    expect(() => checkServerUrl(url, false)).toThrow(InsecureServerError);
    expect(() => checkServerUrl(url, false)).toThrow(/--insecure-http/);
    expect(checkServerUrl(url, true).protocol).toBe('http:');
  });

  it.each(['ftp://127.0.0.1', 'not a url', 'file:///etc/passwd'])('refuses %s even with --insecure-http', (url) => {
    expect(() => checkServerUrl(url, true)).toThrow(InsecureServerError);
  });
});
