/**
 * A decoder of one binary COPY tuple as written by src/storage/binaryCopyWriter.ts,
 * written independently of it so that unit tests can check the bytes.
 */

export type FieldKind =
  'text' | 'float8' | 'int4' | 'timestamptz' | 'float8[]' | 'text[]' | 'jsonb';
export type FieldValue = string | number | Date | (number | null)[] | (string | null)[] | null;

const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

function decodeArray<T>(
  bytes: Buffer,
  elementOid: number,
  element: (bytes: Buffer) => T,
): (T | null)[] {
  const ndim = bytes.readInt32BE(0);
  const hasNulls = bytes.readInt32BE(4);
  if (bytes.readInt32BE(8) !== elementOid) throw new Error('unexpected element type');
  if (ndim === 0) {
    if (bytes.length !== 12) throw new Error('trailing bytes after an empty array');
    return [];
  }
  if (ndim !== 1) throw new Error(`unexpected ndim ${ndim}`);
  const size = bytes.readInt32BE(12);
  if (bytes.readInt32BE(16) !== 1) throw new Error('lower bound is not 1');
  const values: (T | null)[] = [];
  let offset = 20;
  for (let i = 0; i < size; i += 1) {
    const length = bytes.readInt32BE(offset);
    offset += 4;
    if (length < 0) values.push(null);
    else {
      values.push(element(bytes.subarray(offset, offset + length)));
      offset += length;
    }
  }
  if (offset !== bytes.length) throw new Error('trailing bytes after the array');
  if (hasNulls !== (values.includes(null) ? 1 : 0)) throw new Error('wrong has-nulls flag');
  return values;
}

function decodeField(kind: FieldKind, bytes: Buffer): FieldValue {
  switch (kind) {
    case 'text':
      return bytes.toString('utf8');
    case 'float8':
      return bytes.readDoubleBE(0);
    case 'int4':
      return bytes.readInt32BE(0);
    case 'timestamptz':
      return new Date(POSTGRES_EPOCH_MS + Number(bytes.readBigInt64BE(0)) / 1000);
    case 'float8[]':
      return decodeArray(bytes, 701, (element) => element.readDoubleBE(0));
    case 'text[]':
      return decodeArray(bytes, 25, (element) => element.toString('utf8'));
    case 'jsonb':
      // Binary jsonb: version byte 1, then the JSON text.
      if (bytes[0] !== 1) throw new Error(`unexpected jsonb version ${bytes[0]}`);
      return bytes.toString('utf8', 1);
  }
}

/** Decodes a tuple whose fields have the given names and kinds. */
export function decodeTuple<Name extends string>(
  tuple: Buffer,
  columns: readonly (readonly [Name, FieldKind])[],
): Record<Name, FieldValue> {
  const count = tuple.readInt16BE(0);
  if (count !== columns.length) throw new Error(`tuple has ${count} fields`);
  const out = {} as Record<Name, FieldValue>;
  let offset = 2;
  for (const [name, kind] of columns) {
    const length = tuple.readInt32BE(offset);
    offset += 4;
    if (length < 0) out[name] = null;
    else {
      out[name] = decodeField(kind, tuple.subarray(offset, offset + length));
      offset += length;
    }
  }
  if (offset !== tuple.length) throw new Error('trailing bytes after the tuple');
  return out;
}
