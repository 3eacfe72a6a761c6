import { describe, expect, it } from 'vitest';
import { bindingValue } from '../src/chdb/param-values.js';
import { ClickHouseHttpError } from '../src/errors.js';
import { assertReadonlyStatement, readonlySettings } from '../src/sql/policy.js';
import { withSettings } from '../src/sql/settings-sql.js';
import {
  analyseStatement,
  isTemporaryTableStatement,
  setAssignments,
} from '../src/sql/statement.js';

const settings = new Map([['max_execution_time', '5']]);

function errorOf(fn: () => unknown): ClickHouseHttpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ClickHouseHttpError) return err;
    throw err;
  }
  throw new Error('expected a ClickHouseHttpError');
}

describe('statement analysis', () => {
  it('reads the assignments of a SET, values as SQL text, DEFAULT as none', () => {
    expect(
      setAssignments(
        analyseStatement(
          "SET max_threads = 1, `format_csv_delimiter` = ';', x = -2, m = {'t': 'a'}, y = DEFAULT;",
        ),
      ),
    ).toEqual([
      { name: 'max_threads', value: '1' },
      { name: 'format_csv_delimiter', value: "';'" },
      { name: 'x', value: '-2' },
      { name: 'm', value: "{'t': 'a'}" },
      { name: 'y', value: undefined },
    ]);
    for (const sql of ['SET ROLE NONE', 'SET a = 1 b', 'SET a =', 'SELECT 1']) {
      expect(setAssignments(analyseStatement(sql)), sql).toBeUndefined();
    }
  });

  it('knows the statements about temporary tables', () => {
    for (const sql of [
      'CREATE TEMPORARY TABLE t (x UInt8)',
      'create or replace temporary table t (x UInt8)',
      'CREATE TEMPORARY VIEW v AS SELECT 1',
      'DROP TEMPORARY TABLE IF EXISTS t',
    ]) {
      expect(isTemporaryTableStatement(analyseStatement(sql)), sql).toBe(true);
    }
    for (const sql of [
      'CREATE TABLE t (x UInt8) ENGINE = Memory',
      "CREATE TABLE t ENGINE = Memory AS SELECT 'TEMPORARY'",
      'SHOW TEMPORARY TABLES',
      'INSERT INTO t VALUES (1)',
    ]) {
      expect(isTemporaryTableStatement(analyseStatement(sql)), sql).toBe(false);
    }
  });

  it('refuses a second statement but accepts a trailing semicolon and comment', () => {
    expect(analyseStatement('SELECT 1; -- done\n').text).toBe('SELECT 1');
    expect(errorOf(() => analyseStatement('SELECT 1; SELECT 2')).type).toBe('SYNTAX_ERROR');
  });

  it('does not mistake semicolons and keywords inside strings, identifiers and comments for SQL', () => {
    const s = analyseStatement(
      "SELECT 'a;b FORMAT CSV', `x;y`, $$;$$ /* ; /* nested ; */ FORMAT XML */ FROM t -- ; FORMAT TSV",
    );
    expect(s.kind).toBe('read');
    expect(s.format).toBeUndefined();
  });

  it('finds a trailing FORMAT clause and ignores a column called format', () => {
    expect(analyseStatement('SELECT 1 FORMAT JSONEachRow').format).toBe('JSONEachRow');
    expect(analyseStatement('SELECT format FROM t').format).toBeUndefined();
    expect(analyseStatement('SELECT 1 FORMAT Native SETTINGS max_threads = 1').format).toBe(
      'Native',
    );
  });

  it('adds settings to a trailing SETTINGS clause so that they come last', () => {
    const s = analyseStatement(
      "SELECT 1 SETTINGS additional_table_filters = {'t': 'a > 1'}, max_threads = -1 FORMAT CSV",
    );
    expect(withSettings(s, settings)).toBe(
      "SELECT 1 SETTINGS additional_table_filters = {'t': 'a > 1'}, max_threads = -1, max_execution_time = '5' FORMAT CSV",
    );
  });

  it('appends a SETTINGS clause after the FORMAT clause, before a trailing comment', () => {
    expect(withSettings(analyseStatement('SELECT 1 FORMAT CSV -- c'), settings)).toBe(
      "SELECT 1 FORMAT CSV SETTINGS max_execution_time = '5'",
    );
    // A subquery's own SETTINGS clause is not the statement's.
    expect(
      withSettings(analyseStatement('SELECT * FROM (SELECT 1 SETTINGS max_threads = 1)'), settings),
    ).toBe("SELECT * FROM (SELECT 1 SETTINGS max_threads = 1) SETTINGS max_execution_time = '5'");
  });

  it('quotes setting values as string literals and rejects odd setting names', () => {
    const s = analyseStatement('SELECT 1');
    expect(withSettings(s, new Map([['x', "it's \\"]]))).toBe(
      "SELECT 1 SETTINGS x = 'it\\'s \\\\'",
    );
    expect(errorOf(() => withSettings(s, new Map([['x = 1; DROP', '1']]))).type).toBe(
      'BAD_ARGUMENTS',
    );
  });

  it("keeps an INSERT's inline data whole and never tokenizes it", () => {
    const s = analyseStatement("INSERT INTO t FORMAT CSV\n1,'unterminated\n2;3\n");
    expect(s.kind).toBe('insert');
    expect(s.text).toBe("INSERT INTO t FORMAT CSV\n1,'unterminated\n2;3\n");
  });

  it('collects declared parameter types', () => {
    const s = analyseStatement(
      "SELECT {a:String}, {b: Array(Tuple(String, DateTime('UTC')))}, map('k', 1)",
    );
    expect([...s.parameterTypes]).toEqual([
      ['a', 'String'],
      ['b', "Array(Tuple(String, DateTime('UTC')))"],
    ]);
  });
});

describe('read-only policy', () => {
  const refused = (sql: string): string =>
    errorOf(() => assertReadonlyStatement(analyseStatement(sql), 'ro')).type;

  it('refuses statements that change data or the server', () => {
    for (const sql of [
      'INSERT INTO t VALUES (1)',
      'CREATE TABLE x (a UInt8) ENGINE = Memory',
      'DROP TABLE t',
      'ALTER TABLE t DELETE WHERE 1',
      'TRUNCATE TABLE t',
      'SYSTEM FLUSH LOGS',
      'KILL QUERY WHERE 1',
      'OPTIMIZE TABLE t',
    ]) {
      expect(refused(sql), sql).toBe('READONLY');
    }
  });

  it('refuses lifting readonly anywhere in a statement, in any spelling', () => {
    expect(refused('SELECT * FROM (SELECT 1 SETTINGS readonly = 0)')).toBe('READONLY');
    expect(refused('SELECT 1 SETTINGS `readonly`=0')).toBe('READONLY');
    expect(refused("SELECT 1 SETTINGS profile = 'default'")).toBe('READONLY');
    expect(refused('SET readonly = 0')).toBe('READONLY');
    expect(errorOf(() => readonlySettings(new Map([['readonly', '0']]))).type).toBe('READONLY');
  });

  it("refuses reading the host's files and describing table functions", () => {
    expect(refused("SELECT file('/etc/passwd')")).toBe('ACCESS_DENIED');
    expect(refused("DESCRIBE file('/etc/passwd', 'CSVWithNames')")).toBe('ACCESS_DENIED');
    expect(refused('DESCRIBE (SELECT * FROM t)')).toBe('READONLY');
    expect(refused("DESC url('http://127.0.0.1:1/', 'CSV')")).toBe('READONLY');
    expect(() =>
      assertReadonlyStatement(
        analyseStatement('DESCRIBE TABLE agentmeter.llm_spans FORMAT JSON'),
        'ro',
      ),
    ).not.toThrow();
  });

  it('reports an unknown statement as a syntax error, not as a permission problem', () => {
    expect(refused('SELEC 1')).toBe('SYNTAX_ERROR');
  });

  it('runs with readonly = 1 last, whatever the client sent', () => {
    expect([
      ...readonlySettings(
        new Map([
          ['readonly', '2'],
          ['max_threads', '1'],
        ]),
      ),
    ]).toEqual([
      ['max_threads', '1'],
      ['readonly', '1'],
    ]);
  });
});

describe('query parameter values for the binder', () => {
  it('decodes escapes of scalar values and keeps unknown ones', () => {
    expect(bindingValue("it\\'s\\ta\\\\b\\x41\\d", 'String')).toBe("it's\ta\\bA\\d");
    expect(bindingValue('\\N', 'Nullable(String)')).toBeNull();
  });

  it('keeps an escaped quote inside a composite value a quote of the inner literal', () => {
    expect(bindingValue("['a\\'b','c']", 'Array(String)')).toBe("['a''b','c']");
    expect(bindingValue("['a\\'b']", 'LowCardinality(Nullable(String))')).toBe("['a'b']");
  });
});
