/**
 * Expected Native bytes at client protocol version 54460, built without knowing any column
 * type's layout: each column's data comes from the engine's own one-column, one-block output.
 */

export const BLOCK_INFO = Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]);

export interface SingleColumn {
  readonly rows: number;
  /** Name and type, as the block spells them. */
  readonly header: Buffer;
  readonly data: Buffer;
}

export function varUInt(n: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n = Math.floor(n / 0x80);
  } while (n > 0);
  return Buffer.from(bytes);
}

export function splitSingleColumn(native: Buffer): SingleColumn {
  let pos = 0;
  const readVarUInt = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = native[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  if (readVarUInt() !== 1) throw new Error('expected a one-column block');
  const rows = readVarUInt();
  const start = pos;
  for (let i = 0; i < 2; i++) {
    const length = readVarUInt();
    pos += length;
  }
  return { rows, header: native.subarray(start, pos), data: native.subarray(pos) };
}

/** One block at revision 54460: BlockInfo, then each column with a "no custom serialization" flag. */
export function versionedBlock(columns: readonly SingleColumn[]): Buffer {
  const rows = columns[0]?.rows ?? 0;
  return Buffer.concat([
    BLOCK_INFO,
    varUInt(columns.length),
    varUInt(rows),
    ...columns.flatMap((c) => [c.header, Buffer.of(0), c.data]),
  ]);
}
