import { ApiError } from '../common/api-error';
import { AccessKeysService, VerifiableAccessKey } from '../auth/access-keys.service';
import { BasicAuthenticator, parseBasicAuthorization } from './basic-credentials';

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('parseBasicAuthorization', () => {
  it('splits id and secret at the first colon', () => {
    expect(parseBasicAuthorization(basic('LTAIkey:se:cret'))).toEqual({ accessKeyId: 'LTAIkey', accessKeySecret: 'se:cret' });
    expect(parseBasicAuthorization(`basic  ${Buffer.from('k:s').toString('base64')}`)).toEqual({ accessKeyId: 'k', accessKeySecret: 's' });
  });

  it('reads anything else as no credentials', () => {
    for (const header of [undefined, '', 'Bearer x', 'Basic', 'Basic a', basic('no-colon'), basic(':secret-only'), 'Basic !!!!']) {
      expect(parseBasicAuthorization(header)).toBeUndefined();
    }
  });
});

describe(BasicAuthenticator.name, () => {
  const keys: Record<string, VerifiableAccessKey> = {
    admin: { accessKeyId: 'admin', secret: 'right-secret', role: 'admin', instanceId: null },
  };
  const sut = new BasicAuthenticator({ findForVerification: (id: string) => Promise.resolve(keys[id]) } as unknown as AccessKeysService);
  const codeOf = async (header: string | undefined): Promise<string> => {
    try {
      await sut.authenticate(header);
      return 'accepted';
    } catch (error) {
      return (error as ApiError).code;
    }
  };

  it('accepts the right secret and names the caller', async () => {
    await expect(sut.authenticate(basic('admin:right-secret'))).resolves.toEqual({ accessKeyId: 'admin', role: 'admin', instanceId: null });
  });

  it('answers one code for a wrong secret and an unknown key, another for no credentials', async () => {
    await expect(codeOf(basic('admin:wrong-secret'))).resolves.toBe('Unauthorized.InvalidCredentials');
    await expect(codeOf(basic('admin:right-secre'))).resolves.toBe('Unauthorized.InvalidCredentials');
    await expect(codeOf(basic('nobody:right-secret'))).resolves.toBe('Unauthorized.InvalidCredentials');
    await expect(codeOf(undefined)).resolves.toBe('Unauthorized.MissingCredentials');
  });
});
