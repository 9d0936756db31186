import { ConfigError, loadConfig } from './config.schema';

describe(loadConfig.name, () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      DATA_DIR: './.data',
      HOST_ID: 'cloud-assistant',
      DELIVERY_TIMEOUT_SECONDS: 60,
      MISFIRE_GRACE_SECONDS: 60,
      MIN_INTERVAL_SECONDS: 10,
    });
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['MIN_INTERVAL_SECONDS', { MIN_INTERVAL_SECONDS: '0' }],
    ['BOOTSTRAP_ACCESS_KEY_ID', { BOOTSTRAP_ACCESS_KEY_ID: 'LTAIabcdefgh' }],
    ['SECRET_ENCRYPTION_KEY', { SECRET_ENCRYPTION_KEY: 'c2hvcnQ=' }],
  ])('names %s when its value is bad', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
