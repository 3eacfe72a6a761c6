import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/index.js';

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'agentmeter-config-')), 'agentmeter.yaml');
  writeFileSync(path, text);
  return path;
};

describe('deployment config', () => {
  it('fills every default when there is no file', () => {
    const c = loadConfig(undefined, {});
    expect(c.ingester).toMatchObject({
      host: '127.0.0.1',
      port: 4318,
      maxDecompressedBytes: 20 * 1024 * 1024,
    });
    expect(c.clickhouseHttp.port).toBe(8123);
    expect(c.clickhouse).toMatchObject({ database: 'agentmeter', dataPath: './data' });
    expect(c.clickhouse.url).toBeUndefined();
    expect(c.retentionDays).toEqual({ spans: 7, usage1m: 30, usage1h: 90, usage1d: 365 });
  });

  it('lets the environment override the file', () => {
    const path = file('clickhouse:\n  url: http://file:8123\ningester:\n  port: 5000\n');
    const c = loadConfig(path, {
      CLICKHOUSE_URL: 'http://env:8123',
      CLICKHOUSE_PASSWORD: 's3cret',
      AGENTMETER_API_KEYS: 'k1-abcdefgh, k2-abcdefgh',
    });
    expect(c.clickhouse).toMatchObject({ url: 'http://env:8123', password: 's3cret' });
    expect(c.ingester.port).toBe(5000);
    expect(c.ingester.apiKeys).toEqual(['k1-abcdefgh', 'k2-abcdefgh']);
  });

  it('refuses an invalid file listing every problem with its path', () => {
    const path = file(
      'ingester:\n  port: -1\n  batchMaxRows: many\n  colour: blue\nretentionDays:\n  spans: 0\n',
    );
    let error: ConfigError | undefined;
    try {
      loadConfig(path, {});
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(4);
    expect(error!.message).toMatch(/ingester\.port/);
    expect(error!.message).toMatch(/ingester\.batchMaxRows/);
    expect(error!.message).toMatch(/colour/);
    expect(error!.message).toMatch(/retentionDays\.spans/);
  });

  it('refuses YAML that does not parse, saying where', () => {
    expect(() => loadConfig(file('ingester: [unclosed'), {})).toThrow(ConfigError);
  });

  it('refuses a ClickHouse interface beyond loopback without credentials, saying what to do', () => {
    const open = () => loadConfig(undefined, { AGENTMETER_CLICKHOUSE_HTTP_HOST: '0.0.0.0' });
    expect(open).toThrow(ConfigError);
    expect(open).toThrow(/clickhouseHttp\.host.*set clickhouseHttp\.users or AGENTMETER_API_KEYS/s);
    const keyed = loadConfig(undefined, {
      AGENTMETER_CLICKHOUSE_HTTP_HOST: '0.0.0.0',
      AGENTMETER_API_KEYS: 'key-0123456789',
    });
    expect(keyed.clickhouseHttp.host).toBe('0.0.0.0');
  });

  it('keeps the insert journal beside the data unless told otherwise', () => {
    expect(loadConfig(undefined, { AGENTMETER_DATA_DIR: '/srv/am' }).ingester.journalDir).toBe(
      join('/srv/am', 'ingest-journal'),
    );
  });
});
