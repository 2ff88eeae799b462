/**
 * An NSS key log writer: the `SSLKEYLOGFILE` text format that Wireshark (`tls.keylog_file`),
 * curl, Firefox and Node's `keylog` event share, so a capture of an emulated run can be
 * decrypted.
 *
 * Format (https://nss-crypto.org/reference/security/nss/legacy/key_log_format/index.html and
 * draft-ietf-tls-keylogfile): one `LABEL <client_random hex> <secret hex>` per line, where the
 * client random is the 32 bytes of the ClientHello's `random` field and the secret is written
 * in lower-case hex. Lines starting with `#` are comments.
 */

import { writeFile } from 'node:fs/promises';
import { fromHex, isHex, toHex } from '../../common/index.js';

/** TLS 1.3 key log labels (RFC 8446 §7.1 secrets, named as in draft-ietf-tls-keylogfile §3). */
export const TLS13_KEYLOG_LABELS = [
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'EARLY_EXPORTER_SECRET',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
  'EXPORTER_SECRET',
] as const;

/** A TLS 1.3 key log label. */
export type Tls13KeyLogLabel = (typeof TLS13_KEYLOG_LABELS)[number];

/** Every label this writer emits: the TLS 1.3 ones and TLS 1.2's `CLIENT_RANDOM` (the 48-byte master secret). */
export type KeyLogLabel = Tls13KeyLogLabel | 'CLIENT_RANDOM';

/** All labels, TLS 1.2's first. */
export const KEYLOG_LABELS: readonly KeyLogLabel[] = ['CLIENT_RANDOM', ...TLS13_KEYLOG_LABELS];

/** RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2: `Random random` is 32 bytes. */
export const CLIENT_RANDOM_BYTES = 32;
/** RFC 5246 §8.1: the TLS 1.2 master secret is always 48 bytes. */
export const TLS12_MASTER_SECRET_BYTES = 48;
/** TLS 1.3 secrets are one hash output long: SHA-256 (32) or SHA-384 (48) for the standard suites. */
const TLS13_SECRET_BYTES: readonly number[] = [32, 48];

/** One key log line. */
export interface KeyLogEntry {
  label: KeyLogLabel;
  /** The ClientHello's 32-byte random, which ties the secret to its connection. */
  clientRandom: Uint8Array;
  secret: Uint8Array;
}

function isLabel(s: string): s is KeyLogLabel {
  return (KEYLOG_LABELS as readonly string[]).includes(s);
}

/**
 * Formats one entry as a key log line (without the line end).
 * @throws RangeError when the client random is not 32 bytes or the secret has a length no
 *   TLS version uses for that label (48 for `CLIENT_RANDOM`, 32 or 48 for TLS 1.3).
 */
export function formatKeyLogLine(entry: KeyLogEntry): string {
  if (!isLabel(entry.label)) throw new RangeError(`unknown key log label ${JSON.stringify(entry.label)}`);
  if (entry.clientRandom.length !== CLIENT_RANDOM_BYTES) {
    throw new RangeError(`client random must be ${CLIENT_RANDOM_BYTES} bytes, got ${entry.clientRandom.length}`);
  }
  const n = entry.secret.length;
  if (entry.label === 'CLIENT_RANDOM' ? n !== TLS12_MASTER_SECRET_BYTES : !TLS13_SECRET_BYTES.includes(n)) {
    throw new RangeError(`${entry.label} secret of ${n} bytes has no TLS meaning`);
  }
  return `${entry.label} ${toHex(entry.clientRandom)} ${toHex(entry.secret)}`;
}

/**
 * Parses one key log line (a trailing line end is allowed). Returns `null` for a blank line,
 * a `#` comment, or a label this writer does not know; throws RangeError for a malformed line
 * with a known label.
 */
export function parseKeyLogLine(line: string): KeyLogEntry | null {
  const text = line.replace(/\r?\n$/, '');
  if (text.trim() === '' || text.startsWith('#')) return null;
  const fields = text.split(' ');
  const label = fields[0] ?? '';
  if (!isLabel(label)) return null;
  if (fields.length !== 3) throw new RangeError(`key log line needs 3 fields: ${JSON.stringify(text)}`);
  if (!isHex(fields[1]!) || !isHex(fields[2]!)) throw new RangeError(`key log line has bad hex: ${JSON.stringify(text)}`);
  const clientRandom = fromHex(fields[1]!);
  const secret = fromHex(fields[2]!);
  const entry: KeyLogEntry = { label, clientRandom, secret };
  formatKeyLogLine(entry); // length checks
  return entry;
}

/**
 * Collects key log lines for a run. Lines keep the order they were added in; the same
 * (label, client random) pair added twice is written once (a resumed or re-logged secret
 * would otherwise appear twice, which readers tolerate but which bloats the file).
 */
export class KeyLogWriter {
  private readonly lines: string[] = [];
  private readonly seen = new Set<string>();

  /** Number of distinct lines collected. */
  get count(): number {
    return this.lines.length;
  }

  /** Adds one entry; validated and formatted now, so the caller may zero its secret afterwards. */
  add(entry: KeyLogEntry): void {
    const line = formatKeyLogLine(entry);
    const key = line.slice(0, line.lastIndexOf(' '));
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.lines.push(line);
  }

  /** Adds every TLS 1.3 secret given in `secrets` for the connection with `clientRandom`, in RFC 8446 §7.1 order. */
  addTls13(clientRandom: Uint8Array, secrets: Partial<Record<Tls13KeyLogLabel, Uint8Array>>): void {
    for (const label of TLS13_KEYLOG_LABELS) {
      const secret = secrets[label];
      if (secret) this.add({ label, clientRandom, secret });
    }
  }

  /** Adds a TLS 1.2 connection's 48-byte master secret (`CLIENT_RANDOM`). */
  addTls12(clientRandom: Uint8Array, masterSecret: Uint8Array): void {
    this.add({ label: 'CLIENT_RANDOM', clientRandom, secret: masterSecret });
  }

  /** Adds a line as Node's `keylog` event or another NSS producer wrote it; comments and unknown labels are skipped. */
  addLine(line: string): void {
    const entry = parseKeyLogLine(line);
    if (entry) this.add(entry);
  }

  /** The key log file's text: one line per entry, each ending in `\n`. */
  toString(): string {
    return this.lines.map((l) => `${l}\n`).join('');
  }

  /** Forgets every collected line (the file holds secrets; drop them once written). */
  clear(): void {
    this.lines.length = 0;
    this.seen.clear();
  }
}

/** Writes `entries` to `path` as a key log file, with owner-only permissions since it holds secrets. */
export async function writeKeyLog(path: string, entries: Iterable<KeyLogEntry>): Promise<void> {
  const w = new KeyLogWriter();
  for (const e of entries) w.add(e);
  await writeFile(path, w.toString(), { mode: 0o600 });
}
