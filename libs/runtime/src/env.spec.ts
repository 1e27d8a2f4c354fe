import { ConfigError } from './config-error.js';
import { EnvReader } from './env.js';

/** The ConfigError a read throws, or a failure when it returns instead. */
function configError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (err) {
    if (err instanceof ConfigError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('EnvReader', () => {
  describe('unset and empty values', () => {
    const reader = (name: string, fallback: string) => new EnvReader({ EMPTY: '', BLANK: '   ' }, { [name]: fallback });

    it.each(['UNSET', 'EMPTY', 'BLANK'])('gives every reader its default for %s', (name) => {
      expect(reader(name, 'x').raw(name)).toBeUndefined();
      expect(reader(name, 'fallback').string(name)).toBe('fallback');
      expect(reader(name, '3').integer(name, 1, 5)).toBe(3);
      expect(reader(name, '12.5').percent(name)).toBe(12.5);
      expect(reader(name, '2s').duration(name)).toBe(2_000);
      expect(reader(name, 'info').oneOf(name, ['info', 'debug'])).toBe('info');
      expect(reader(name, 'http://localhost:8080').url(name)).toBe('http://localhost:8080');
    });

    it('refuses to read a setting that has neither a value nor a default', () => {
      expect(() => new EnvReader({}).integer('PORT', 0, 65_535)).toThrow('PORT has no value and no default');
    });
  });

  it('trims surrounding whitespace', () => {
    const env = new EnvReader({ NAME: '  world \n', COUNT: ' 7 ' });
    expect(env.string('NAME')).toBe('world');
    expect(env.integer('COUNT', 0, 10)).toBe(7);
  });

  describe('integer', () => {
    it.each([
      ['1', 1],
      ['5', 5],
      ['3', 3],
    ])('accepts %j', (text, value) => {
      expect(new EnvReader({ N: text }).integer('N', 1, 5)).toBe(value);
    });

    it('accepts negative numbers when the range allows them', () => {
      expect(new EnvReader({ N: '-2' }).integer('N', -5, 5)).toBe(-2);
    });

    it.each(['0', '6', '-1', '1.5', '1e2', 'three', '0x3', '99999999999999999999'])('rejects %j', (text) => {
      const error = configError(() => new EnvReader({ MAX_ATTEMPTS: text }).integer('MAX_ATTEMPTS', 1, 5));
      expect(error.setting).toBe('MAX_ATTEMPTS');
      expect(error.message).toBe(`MAX_ATTEMPTS: expected an integer from 1 to 5, got ${JSON.stringify(text)}`);
    });
  });

  describe('percent', () => {
    it.each([
      ['0', 0],
      ['100', 100],
      ['12.5', 12.5],
      ['0.01', 0.01],
    ])('accepts %j', (text, value) => {
      expect(new EnvReader({ P: text }).percent('P')).toBe(value);
    });

    it.each(['101', '100.5', '-1', '50%', '.5', 'half'])('rejects %j', (text) => {
      const error = configError(() => new EnvReader({ FAULT_ABORT_PERCENT: text }).percent('FAULT_ABORT_PERCENT'));
      expect(error.message).toBe(
        `FAULT_ABORT_PERCENT: expected a percentage from 0 to 100, got ${JSON.stringify(text)}`,
      );
    });
  });

  describe('duration', () => {
    it.each([
      ['500ms', 500],
      ['2s', 2_000],
      ['1.5m', 90_000],
      ['1h', 3_600_000],
    ])('accepts %j', (text, ms) => {
      expect(new EnvReader({ D: text }).duration('D')).toBe(ms);
    });

    it('accepts the bounds themselves', () => {
      expect(new EnvReader({ D: '1s' }).duration('D', 1_000, 2_000)).toBe(1_000);
      expect(new EnvReader({ D: '2s' }).duration('D', 1_000, 2_000)).toBe(2_000);
    });

    it.each(['10', '10 s', 'soon', '-1s', '1d'])('rejects the malformed %j', (text) => {
      const error = configError(() => new EnvReader({ TIMEOUT: text }).duration('TIMEOUT'));
      expect(error.setting).toBe('TIMEOUT');
      expect(error.message).toMatch(/^TIMEOUT: expected a duration such as 500ms, 2s, 1m or 1h/);
      expect(error.message).toContain(`got ${JSON.stringify(text)}`);
    });

    it.each(['999ms', '2001ms'])('rejects %j outside the range and names the range', (text) => {
      const error = configError(() => new EnvReader({ INTERVAL: text }).duration('INTERVAL', 1_000, 2_000));
      expect(error.message).toBe(
        `INTERVAL: expected a duration such as 500ms, 2s, 1m or 1h, from 1000ms to 2000ms, got ${JSON.stringify(text)}`,
      );
    });
  });

  describe('oneOf', () => {
    const levels = ['info', 'debug', 'warn'] as const;

    it('accepts an allowed value', () => {
      expect(new EnvReader({ LOG_LEVEL: 'debug' }).oneOf('LOG_LEVEL', levels)).toBe('debug');
    });

    it.each(['DEBUG', 'verbose'])('rejects %j and lists the allowed values', (text) => {
      const error = configError(() => new EnvReader({ LOG_LEVEL: text }).oneOf('LOG_LEVEL', levels));
      expect(error.message).toBe(`LOG_LEVEL: expected one of info, debug, warn, got ${JSON.stringify(text)}`);
    });
  });

  describe('url', () => {
    it.each(['http://localhost:8080', 'https://greeter.example.com', 'http://10.0.0.1:9000/'])('accepts %j', (text) => {
      expect(new EnvReader({ SERVER_URL: text }).url('SERVER_URL')).toBe(text);
    });

    it.each(['localhost:8080', 'ftp://example.com', 'http//oops', 'unix:///tmp/socket'])('rejects %j', (text) => {
      const error = configError(() => new EnvReader({ SERVER_URL: text }).url('SERVER_URL'));
      expect(error.setting).toBe('SERVER_URL');
      expect(error.message).toBe(
        `SERVER_URL: expected an http:// or https:// URL such as http://localhost:8080, got ${JSON.stringify(text)}`,
      );
    });

    it('checks the default too', () => {
      expect(configError(() => new EnvReader({}, { SERVER_URL: 'not a url' }).url('SERVER_URL')).setting).toBe(
        'SERVER_URL',
      );
    });
  });

  it('keeps the setting, the expected form and the value on the error', () => {
    const error = configError(() => new EnvReader({ PORT: 'eighty' }).integer('PORT', 0, 65_535));
    expect(error).toMatchObject({
      name: 'ConfigError',
      setting: 'PORT',
      expected: 'an integer from 0 to 65535',
      received: 'eighty',
    });
    expect(error.message.split('\n')).toHaveLength(1);
  });
});
