/**
 * A zip archive written the same way every time, for the wheel: entries in
 * the order given, every timestamp 1980-01-01 00:00 (zip's earliest), Unix
 * modes and nothing else in the headers (no extra fields, no comment). Two
 * builds of the same files give the same bytes, so anyone can rebuild a
 * release's wheel and compare.
 *
 * ```ts ignore
 * const bytes = await zip([{ name: "a.txt", data: new TextEncoder().encode("a\n") }]);
 * ```
 *
 * @module
 */

/** One file of the archive. */
export interface ZipEntry {
  /** Its path inside the archive, `/`-separated. */
  readonly name: string;
  /** Its content. */
  readonly data: Uint8Array;
  /** Unix permission bits (default 0o644). */
  readonly mode?: number;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 zip stores for each entry. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// MS-DOS date of 1980-01-01 (year 0 from 1980, month 1, day 1); time 00:00.
const DOS_DATE = (1 << 5) | 1;
const DOS_TIME = 0;
// "Version made by": Unix (3) << 8 | zip 2.0, so the external attributes are a Unix mode.
const MADE_BY_UNIX = (3 << 8) | 20;
const VERSION_NEEDED = 20;
const DEFLATE = 8;
const STORE = 0;

/**
 * The archive of `entries`, in their order. Each entry is deflated unless
 * that would make it larger.
 *
 * @param entries the files
 * @returns the zip file's bytes
 */
export async function zip(entries: readonly ZipEntry[]): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const deflated = await deflateRaw(entry.data);
    const stored = deflated.length >= entry.data.length;
    const body = stored ? entry.data : deflated;
    const crc = crc32(entry.data);

    // The local header and the central directory entry share these fields, in this order.
    const fields = (view: DataView, at: number) => {
      view.setUint16(at, VERSION_NEEDED, true);
      view.setUint16(at + 2, 0, true); // flags
      view.setUint16(at + 4, stored ? STORE : DEFLATE, true);
      view.setUint16(at + 6, DOS_TIME, true);
      view.setUint16(at + 8, DOS_DATE, true);
      view.setUint32(at + 10, crc, true);
      view.setUint32(at + 14, body.length, true);
      view.setUint32(at + 18, entry.data.length, true);
      view.setUint16(at + 22, name.length, true);
      // Extra field length 0; in the central entry, comment, disk and internal attributes 0 too.
    };
    const local = new Uint8Array(30 + name.length);
    const l = new DataView(local.buffer);
    l.setUint32(0, 0x04034b50, true);
    fields(l, 4);
    local.set(name, 30);

    const central = new Uint8Array(46 + name.length);
    const c = new DataView(central.buffer);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, MADE_BY_UNIX, true);
    fields(c, 6);
    c.setUint32(38, ((0o100000 | (entry.mode ?? 0o644)) << 16) >>> 0, true);
    c.setUint32(42, offset, true);
    central.set(name, 46);

    locals.push(local, body);
    centrals.push(central);
    offset += local.length + body.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = new Uint8Array(22);
  const e = new DataView(end.buffer);
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, entries.length, true);
  e.setUint16(10, entries.length, true);
  e.setUint32(12, centralSize, true);
  e.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + end.length);
  let at = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
