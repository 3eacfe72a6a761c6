/** The Content-Type ClickHouse's output formats declare. */

const BINARY_FORMATS =
  /^(Native|RowBinary|Parquet|Arrow|ORC|Avro|MsgPack|Protobuf|CapnProto|BSONEachRow|Npy|One)/;

export function contentTypeOf(format: string): string {
  if (format.startsWith('JSON')) return 'application/json; charset=UTF-8';
  if (/^(TabSeparated|TSV)/.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (format.startsWith('CSVWithNames')) return 'text/csv; charset=UTF-8; header=present';
  if (format.startsWith('CSV')) return 'text/csv; charset=UTF-8; header=absent';
  if (format === 'XML') return 'application/xml; charset=UTF-8';
  if (BINARY_FORMATS.test(format)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}
