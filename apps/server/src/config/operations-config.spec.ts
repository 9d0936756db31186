import { ConfigError, loadConfig } from './config.schema';

describe('operations configuration', () => {
  it('defaults: 30 days of retention, /metrics open, the log format left to the terminal check', () => {
    const config = loadConfig({});
    expect(config.RECORD_RETENTION_DAYS).toBe(30);
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(config.LOG_FORMAT).toBeUndefined();
  });

  it('reads the values it is given', () => {
    expect(loadConfig({ RECORD_RETENTION_DAYS: '0', LOG_FORMAT: 'text', METRICS_TOKEN: 'a-long-enough-token' })).toMatchObject({
      RECORD_RETENTION_DAYS: 0,
      LOG_FORMAT: 'text',
      METRICS_TOKEN: 'a-long-enough-token',
    });
  });

  it.each([
    ['RECORD_RETENTION_DAYS', { RECORD_RETENTION_DAYS: '-1' }],
    ['RECORD_RETENTION_DAYS', { RECORD_RETENTION_DAYS: '1.5' }],
    ['RECORD_RETENTION_DAYS', { RECORD_RETENTION_DAYS: 'forever' }],
    ['RECORD_RETENTION_DAYS', { RECORD_RETENTION_DAYS: '100000' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'xml' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'short' }],
  ])('names %s when its value is bad', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
