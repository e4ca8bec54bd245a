import { crc32, deflateRawSync } from 'node:zlib';
import { AppError } from '../../shared/errors.js';

export interface ZipEntry {
  /** Path inside the archive, `/`-separated, no leading slash. */
  name: string;
  data: string | Uint8Array;
}

/** The classic (non-Zip64) format's limits: 65 535 entries, 4 GiB per field. */
const MAX_ENTRIES = 0xffff;
const MAX_FIELD = 0xffffffff;
/** General purpose flag bit 11: names are UTF-8. */
const UTF8 = 0x0800;
const DEFLATE = 8;
const STORE = 0;

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').some((p) => p === '..')) {
    throw new AppError('INVALID_REQUEST', `Bad zip entry name ${JSON.stringify(name)}`);
  }
}

/**
 * A zip archive (PKWARE APPNOTE 6.3, no Zip64) of the given entries, each deflated (or stored
 * when deflating does not make it smaller), with UTF-8 names and the time `at`. Small on
 * purpose: the diagnostics bundle needs nothing more, and Node has deflate and CRC-32 built in.
 */
export function zipSync(entries: readonly ZipEntry[], at: Date = new Date()): Buffer {
  if (entries.length > MAX_ENTRIES) throw new AppError('INVALID_REQUEST', `Too many zip entries (${entries.length})`);
  const { time, date } = dosTime(at);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const entry of entries) {
    checkName(entry.name);
    if (seen.has(entry.name)) throw new AppError('INVALID_REQUEST', `Duplicate zip entry ${entry.name}`);
    seen.add(entry.name);
    const name = Buffer.from(entry.name, 'utf8');
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data);
    const deflated = deflateRawSync(raw, { level: 9 });
    const method = deflated.length < raw.length ? DEFLATE : STORE;
    const body = method === DEFLATE ? deflated : raw;
    const crc = crc32(raw);
    if (raw.length > MAX_FIELD || offset > MAX_FIELD) {
      throw new AppError('INVALID_REQUEST', 'The diagnostics bundle would pass 4 GiB; zip64 is not supported');
    }

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below is honoured)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    // extra, comment, disk number, internal attributes: 0
    central.writeUInt32LE((0o100600 << 16) >>> 0, 38); // external attributes: a regular file, rw-------
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + body.length;
  }
  const cdSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
