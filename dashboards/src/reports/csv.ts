/**
 * CSV as spreadsheets write it (RFC 4180): comma-separated, fields quoted when they hold a
 * comma, a quote or a line break, quotes doubled. The reader keeps the line each record starts
 * on, so a problem in a file a person edited names its line and column (the field's position,
 * as a spreadsheet counts columns).
 */

/** One record of a file: its fields and where it starts (1-based line). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

export class CsvSyntaxError extends Error {
  readonly code = 'AGENTMETER_CSV_SYNTAX';

  constructor(
    readonly line: number,
    readonly column: number,
    problem: string,
  ) {
    super(`line ${line}, column ${column}: ${problem}`);
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** Every record of `text`; blank lines are skipped (an editor's trailing newline). */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 1;
  // The current field was quoted and its closing quote has been read.
  let closed = false;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;

  const endField = () => {
    fields.push(field);
    field = '';
    closed = false;
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '') records.push({ line: recordLine, fields });
    fields = [];
  };

  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
        closed = true;
      } else {
        field += c;
        if (c === '\n') line++;
      }
    } else if (c === ',') {
      endField();
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (c === '"' && field === '' && !closed) {
      quoted = true;
      quoteLine = line;
    } else if (closed || c === '"') {
      throw new CsvSyntaxError(
        line,
        fields.length + 1,
        closed
          ? 'text after the closing quote of a field (write a quote inside a quoted field as "")'
          : 'a quote inside an unquoted field (quote the whole field and write the quote as "")',
      );
    } else {
      field += c;
    }
  }
  if (quoted)
    throw new CsvSyntaxError(quoteLine, fields.length + 1, 'a quoted field is never closed');
  endRecord();
  return records;
}
