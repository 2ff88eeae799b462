/**
 * Extension wire formats (RFC 8446 §4.2, RFC 6066 §3, RFC 7301 §3.1, RFC 8449 §4).
 *
 * Messages keep their extensions as a list of raw `{ type, data }` (so unknown ones survive a
 * round trip); each known extension body has its own codec here, chosen by the message it
 * appears in (a key_share in a ClientHello is not shaped like one in a ServerHello).
 */
import { decodeError } from '../errors.js';
import { Reader, Writer, decodeAll, encodeWith } from './reader.js';

/** One extension as on the wire. */
export interface Extension {
  type: number;
  data: Uint8Array;
}

/** An extension-body codec. */
export interface Codec<T> {
  decode(b: Uint8Array): T;
  encode(v: T): Uint8Array;
}

/** Reads `Extension extensions<0..2^16-1>` from a reader. */
export function readExtensions(r: Reader): Extension[] {
  const list = r.sub(2, 'extensions');
  const out: Extension[] = [];
  while (list.remaining > 0) {
    const type = list.u16('extension type');
    const data = list.vec16('extension data');
    out.push({ type, data });
  }
  return out;
}

/** Writes an extension list. */
export function writeExtensions(w: Writer, exts: readonly Extension[]): void {
  w.vec(2, (x) => {
    for (const e of exts) x.u16(e.type).vec16(e.data);
  });
}

/** The first extension of a type, if present. */
export function findExtension(exts: readonly Extension[], type: number): Extension | undefined {
  return exts.find((e) => e.type === type);
}

function listCodec<T>(
  lenBytes: 1 | 2,
  what: string,
  read: (r: Reader) => T,
  write: (w: Writer, v: T) => void,
  minItems = 0,
): Codec<T[]> {
  return {
    decode(b) {
      return decodeAll(b, what, (r) => {
        const l = r.sub(lenBytes, what);
        const out: T[] = [];
        while (l.remaining > 0) out.push(read(l));
        if (out.length < minItems) throw decodeError(`${what}: at least ${minItems} entries`);
        return out;
      });
    },
    encode(v) {
      return encodeWith((w) => w.vec(lenBytes, (x) => v.forEach((item) => write(x, item))));
    },
  };
}

/** An empty extension body (e.g. server_name in EncryptedExtensions, early_data in CH/EE). */
export const EmptyExt: Codec<null> = {
  decode(b) {
    if (b.length !== 0) throw decodeError('expected empty extension');
    return null;
  },
  encode() {
    return new Uint8Array(0);
  },
};

/** One ServerName entry (RFC 6066 §3). */
export interface ServerName {
  nameType: number;
  name: Uint8Array;
}

/** server_name in a ClientHello: ServerNameList (RFC 6066 §3). */
export const ServerNameListExt: Codec<ServerName[]> = listCodec(
  2,
  'ServerNameList',
  (r) => {
    const nameType = r.u8();
    const name = r.vec16('HostName');
    // RFC 6066 §3: opaque HostName<1..2^16-1>.
    if (name.length === 0) throw decodeError('empty HostName');
    return { nameType, name };
  },
  (w, v) => w.u8(v.nameType).vec16(v.name),
  1,
);

/** A list of uint16 code points (supported_groups, signature_algorithms[_cert]). */
export const U16ListExt: Codec<number[]> = listCodec(2, 'uint16 list', (r) => r.u16(), (w, v) => w.u16(v), 1);

/** KeyShareEntry (RFC 8446 §4.2.8). */
export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

const readKeyShareEntry = (r: Reader): KeyShareEntry => {
  const group = r.u16('NamedGroup');
  const keyExchange = r.vec16('key_exchange');
  // RFC 8446 §4.2.8: opaque key_exchange<1..2^16-1>.
  if (keyExchange.length === 0) throw decodeError('empty key_exchange');
  return { group, keyExchange };
};

/** key_share in a ClientHello: KeyShareClientHello. */
export const KeyShareClientHelloExt: Codec<KeyShareEntry[]> = listCodec(
  2,
  'KeyShareClientHello',
  readKeyShareEntry,
  (w, v) => w.u16(v.group).vec16(v.keyExchange),
);

/** key_share in a ServerHello: KeyShareServerHello (one entry). */
export const KeyShareServerHelloExt: Codec<KeyShareEntry> = {
  decode: (b) => decodeAll(b, 'KeyShareServerHello', readKeyShareEntry),
  encode: (v) => encodeWith((w) => w.u16(v.group).vec16(v.keyExchange)),
};

/** key_share in a HelloRetryRequest: KeyShareHelloRetryRequest (selected_group). */
export const KeyShareHrrExt: Codec<number> = {
  decode: (b) => decodeAll(b, 'KeyShareHelloRetryRequest', (r) => r.u16('selected_group')),
  encode: (v) => encodeWith((w) => w.u16(v)),
};

/** supported_versions in a ClientHello: ProtocolVersion versions<2..254>. */
export const SupportedVersionsClientExt: Codec<number[]> = listCodec(1, 'SupportedVersions', (r) => r.u16(), (w, v) => w.u16(v), 1);

/** supported_versions in a ServerHello/HRR: selected_version. */
export const SupportedVersionsServerExt: Codec<number> = {
  decode: (b) => decodeAll(b, 'SupportedVersions', (r) => r.u16('selected_version')),
  encode: (v) => encodeWith((w) => w.u16(v)),
};

/** psk_key_exchange_modes: PskKeyExchangeMode ke_modes<1..255>. */
export const PskModesExt: Codec<number[]> = listCodec(1, 'PskKeyExchangeModes', (r) => r.u8(), (w, v) => w.u8(v), 1);

/** PskIdentity (RFC 8446 §4.2.11). */
export interface PskIdentity {
  identity: Uint8Array;
  obfuscatedTicketAge: number;
}

/** OfferedPsks in a ClientHello's pre_shared_key. */
export interface OfferedPsks {
  identities: PskIdentity[];
  binders: Uint8Array[];
}

/** pre_shared_key in a ClientHello: OfferedPsks (RFC 8446 §4.2.11). */
export const OfferedPsksExt: Codec<OfferedPsks> = {
  decode(b) {
    return decodeAll(b, 'OfferedPsks', (r) => {
      const ids = r.sub(2, 'identities');
      const identities: PskIdentity[] = [];
      while (ids.remaining > 0) {
        const identity = ids.vec16('identity');
        if (identity.length === 0) throw decodeError('empty PSK identity');
        identities.push({ identity, obfuscatedTicketAge: ids.u32('obfuscated_ticket_age') });
      }
      const bs = r.sub(2, 'binders');
      const binders: Uint8Array[] = [];
      while (bs.remaining > 0) {
        const binder = bs.vec8('PskBinderEntry');
        // RFC 8446 §4.2.11: opaque PskBinderEntry<32..255>.
        if (binder.length < 32) throw decodeError('PSK binder shorter than 32 bytes');
        binders.push(binder);
      }
      if (identities.length === 0 || binders.length === 0) throw decodeError('OfferedPsks: empty list');
      return { identities, binders };
    });
  },
  encode(v) {
    return encodeWith((w) => {
      w.vec(2, (x) => v.identities.forEach((i) => x.vec16(i.identity).u32(i.obfuscatedTicketAge)));
      w.vec(2, (x) => v.binders.forEach((b) => x.vec8(b)));
    });
  },
};

/** Length of the binders part of an OfferedPsks (2-byte list length + each vec8), for truncation. */
export function bindersLength(binders: readonly Uint8Array[]): number {
  return 2 + binders.reduce((n, b) => n + 1 + b.length, 0);
}

/** pre_shared_key in a ServerHello: selected_identity. */
export const SelectedPskExt: Codec<number> = {
  decode: (b) => decodeAll(b, 'PreSharedKeyExtension', (r) => r.u16('selected_identity')),
  encode: (v) => encodeWith((w) => w.u16(v)),
};

/** cookie: opaque cookie<1..2^16-1> (RFC 8446 §4.2.2). */
export const CookieExt: Codec<Uint8Array> = {
  decode: (b) =>
    decodeAll(b, 'Cookie', (r) => {
      const c = r.vec16('cookie');
      if (c.length === 0) throw decodeError('empty cookie');
      return c;
    }),
  encode: (v) => encodeWith((w) => w.vec16(v)),
};

/** application_layer_protocol_negotiation: ProtocolName protocol_name_list<2..2^16-1> (RFC 7301 §3.1). */
export const AlpnExt: Codec<Uint8Array[]> = listCodec(
  2,
  'ProtocolNameList',
  (r) => {
    const n = r.vec8('ProtocolName');
    // RFC 7301 §3.1: opaque ProtocolName<1..2^8-1>; empty names MUST NOT be included.
    if (n.length === 0) throw decodeError('empty ALPN protocol name');
    return n;
  },
  (w, v) => w.vec8(v),
  1,
);

/** record_size_limit: uint16 RecordSizeLimit (RFC 8449 §4). */
export const RecordSizeLimitExt: Codec<number> = {
  decode: (b) => decodeAll(b, 'RecordSizeLimit', (r) => r.u16('RecordSizeLimit')),
  encode: (v) => encodeWith((w) => w.u16(v)),
};

/** early_data in a NewSessionTicket: max_early_data_size (RFC 8446 §4.2.10). */
export const EarlyDataTicketExt: Codec<number> = {
  decode: (b) => decodeAll(b, 'EarlyDataIndication', (r) => r.u32('max_early_data_size')),
  encode: (v) => encodeWith((w) => w.u32(v)),
};

/** Every extension-body codec, by name (for the round-trip property test). */
export const EXTENSION_CODECS = {
  EmptyExt,
  ServerNameListExt,
  U16ListExt,
  KeyShareClientHelloExt,
  KeyShareServerHelloExt,
  KeyShareHrrExt,
  SupportedVersionsClientExt,
  SupportedVersionsServerExt,
  PskModesExt,
  OfferedPsksExt,
  SelectedPskExt,
  CookieExt,
  AlpnExt,
  RecordSizeLimitExt,
  EarlyDataTicketExt,
} as const;
