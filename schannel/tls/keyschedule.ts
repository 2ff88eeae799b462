/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1), one type per stage so a secret cannot be used at the
 * wrong stage (as in rustls `tls13/key_schedule.rs`):
 *
 * ```
 * EarlySecret ──(ECDHE)──▶ HandshakeSecret ──▶ MasterSecret
 *   │ binderKey()            │ client/serverHandshakeTrafficSecret   │ client/serverApplicationTrafficSecret
 *   │ clientEarlyTraffic     │   └ finishedKey()                     │   └ next()  (KeyUpdate, §7.2)
 *   │ earlyExporter          │                                       │ exporterMasterSecret → export()
 *                                                                    │ resumptionMasterSecret → psk(nonce)
 * ```
 *
 * Moving to the next stage zeroes the previous stage's secret. Every secret has `zero()`.
 */
import type { CryptoProvider } from '../crypto/types.js';
import { encodeWith } from './codec/reader.js';

/** The hash a key schedule runs on, with the provider that computes it. */
export interface KeyScheduleHash {
  readonly crypto: CryptoProvider;
  readonly hash: 'sha256' | 'sha384';
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function hashLen(h: KeyScheduleHash): number {
  return h.crypto.hashLength(h.hash);
}

/** The serialized HkdfLabel (RFC 8446 §7.1): uint16 length, opaque label<7..255> = "tls13 " + Label, opaque context<0..255>. */
export function hkdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  return encodeWith((w) => w.u16(length).vec8(utf8(`tls13 ${label}`)).vec8(context));
}

/** HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1). */
export function hkdfExpandLabel(h: KeyScheduleHash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  return h.crypto.hkdfExpand(h.hash, secret, hkdfLabel(label, context, length), length);
}

/** Derive-Secret(Secret, Label, Messages) with Transcript-Hash(Messages) given (RFC 8446 §7.1). */
export function deriveSecret(h: KeyScheduleHash, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return hkdfExpandLabel(h, secret, label, transcriptHash, hashLen(h));
}

/** Common part of every secret: the bytes and zeroing. */
abstract class SecretBase {
  /** The secret bytes (zeroed by {@link zero}). */
  protected readonly secret: Uint8Array;
  /** Whether it was zeroed. */
  protected zeroed = false;
  /**
   * @param h hash and provider
   * @param secret the secret (owned from now on)
   */
  constructor(protected readonly h: KeyScheduleHash, secret: Uint8Array) {
    this.secret = secret;
  }
  /** Overwrites the secret with zeros. */
  zero(): void {
    this.secret.fill(0);
    this.zeroed = true;
  }
  /** The secret, checked live. */
  protected live(): Uint8Array {
    if (this.zeroed) throw new Error(`${this.constructor.name} used after zero()`);
    return this.secret;
  }
  /** A copy of the raw secret (for known-answer tests and SSLKEYLOGFILE-style debugging). */
  exposeForTest(): Uint8Array {
    return this.live().slice();
  }
}

/** Transcript-Hash of the empty string (for the "derived" steps). */
function emptyHash(h: KeyScheduleHash): Uint8Array {
  return h.crypto.hash(h.hash, new Uint8Array(0));
}

/** A finished key (RFC 8446 §4.4.4): HMAC key for Finished and PSK binders. */
export class FinishedKey extends SecretBase {
  /** verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4). */
  verifyData(transcriptHash: Uint8Array): Uint8Array {
    return this.h.crypto.hmac(this.h.hash, this.live(), transcriptHash);
  }
}

/** The traffic key and IV of one direction (RFC 8446 §7.3). */
export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/** A traffic secret of any stage: it can derive record keys (RFC 8446 §7.3). */
export abstract class TrafficSecret extends SecretBase {
  /** [sender]_write_key / [sender]_write_iv = HKDF-Expand-Label(Secret, "key"/"iv", "", length). */
  keys(keyLength: number, ivLength: number): TrafficKeys {
    const s = this.live();
    return {
      key: hkdfExpandLabel(this.h, s, 'key', new Uint8Array(0), keyLength),
      iv: hkdfExpandLabel(this.h, s, 'iv', new Uint8Array(0), ivLength),
    };
  }
}

/** client_early_traffic_secret (0-RTT; the engine derives it only for tests). */
export class EarlyTrafficSecret extends TrafficSecret {
  private readonly kind = 'early';
}

/** A [sender]_handshake_traffic_secret: keys, and the Finished key. */
export class HandshakeTrafficSecret extends TrafficSecret {
  private readonly kind = 'handshake';
  /** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4). */
  finishedKey(): FinishedKey {
    return new FinishedKey(this.h, hkdfExpandLabel(this.h, this.live(), 'finished', new Uint8Array(0), hashLen(this.h)));
  }
}

/** A [sender]_application_traffic_secret_N: keys, and the next generation for KeyUpdate. */
export class ApplicationTrafficSecret extends TrafficSecret {
  private readonly kind = 'application';
  /**
   * application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N,
   * "traffic upd", "", Hash.length) (RFC 8446 §7.2). Does not zero this one (the caller does,
   * once the new keys are installed).
   */
  next(): ApplicationTrafficSecret {
    return new ApplicationTrafficSecret(this.h, hkdfExpandLabel(this.h, this.live(), 'traffic upd', new Uint8Array(0), hashLen(this.h)));
  }
}

/** binder_key (RFC 8446 §7.1): its finished key MACs the truncated ClientHello (§4.2.11.2). */
export class BinderKey extends SecretBase {
  private readonly kind = 'binder';
  /** The binder's HMAC key: finished_key derived from binder_key. */
  finishedKey(): FinishedKey {
    return new FinishedKey(this.h, hkdfExpandLabel(this.h, this.live(), 'finished', new Uint8Array(0), hashLen(this.h)));
  }
}

/** [early_]exporter_master_secret: the TLS exporter (RFC 8446 §7.5). */
export class ExporterMasterSecret extends SecretBase {
  private readonly kind = 'exporter';
  /**
   * TLS-Exporter(label, context_value, key_length) = HKDF-Expand-Label(Derive-Secret(Secret,
   * label, ""), "exporter", Hash(context_value), key_length) (RFC 8446 §7.5).
   */
  export(label: string, context: Uint8Array, length: number): Uint8Array {
    const derived = deriveSecret(this.h, this.live(), label, emptyHash(this.h));
    const out = hkdfExpandLabel(this.h, derived, 'exporter', this.h.crypto.hash(this.h.hash, context), length);
    derived.fill(0);
    return out;
  }
}

/** resumption_master_secret: derives one PSK per ticket (RFC 8446 §4.6.1). */
export class ResumptionMasterSecret extends SecretBase {
  private readonly kind = 'resumption';
  /** PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  psk(ticketNonce: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.h, this.live(), 'resumption', ticketNonce, hashLen(this.h));
  }
}

/** Early Secret = HKDF-Extract(0, PSK or zeros) (RFC 8446 §7.1). */
export class EarlySecret extends SecretBase {
  private readonly kind = 'early-secret';
  /**
   * @param h hash and provider
   * @param psk the PSK, or null for a full handshake (Hash.length zeros)
   */
  static create(h: KeyScheduleHash, psk: Uint8Array | null): EarlySecret {
    const ikm = psk ?? new Uint8Array(hashLen(h));
    return new EarlySecret(h, h.crypto.hkdfExtract(h.hash, new Uint8Array(hashLen(h)), ikm));
  }
  /** binder_key: "ext binder" for external PSKs, "res binder" for resumption. */
  binderKey(external: boolean): BinderKey {
    return new BinderKey(this.h, deriveSecret(this.h, this.live(), external ? 'ext binder' : 'res binder', emptyHash(this.h)));
  }
  /** client_early_traffic_secret = Derive-Secret(., "c e traffic", ClientHello). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): EarlyTrafficSecret {
    return new EarlyTrafficSecret(this.h, deriveSecret(this.h, this.live(), 'c e traffic', clientHelloHash));
  }
  /** early_exporter_master_secret = Derive-Secret(., "e exp master", ClientHello). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): ExporterMasterSecret {
    return new ExporterMasterSecret(this.h, deriveSecret(this.h, this.live(), 'e exp master', clientHelloHash));
  }
  /**
   * Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""), (EC)DHE). Zeroes this
   * stage and the shared secret.
   */
  intoHandshakeSecret(sharedSecret: Uint8Array): HandshakeSecret {
    const salt = deriveSecret(this.h, this.live(), 'derived', emptyHash(this.h));
    const hs = new HandshakeSecret(this.h, this.h.crypto.hkdfExtract(this.h.hash, salt, sharedSecret));
    salt.fill(0);
    sharedSecret.fill(0);
    this.zero();
    return hs;
  }
}

/** Handshake Secret (RFC 8446 §7.1). */
export class HandshakeSecret extends SecretBase {
  private readonly kind = 'handshake-secret';
  /** client_handshake_traffic_secret = Derive-Secret(., "c hs traffic", ClientHello...ServerHello). */
  clientHandshakeTrafficSecret(helloHash: Uint8Array): HandshakeTrafficSecret {
    return new HandshakeTrafficSecret(this.h, deriveSecret(this.h, this.live(), 'c hs traffic', helloHash));
  }
  /** server_handshake_traffic_secret = Derive-Secret(., "s hs traffic", ClientHello...ServerHello). */
  serverHandshakeTrafficSecret(helloHash: Uint8Array): HandshakeTrafficSecret {
    return new HandshakeTrafficSecret(this.h, deriveSecret(this.h, this.live(), 's hs traffic', helloHash));
  }
  /** Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0). Zeroes this stage. */
  intoMasterSecret(): MasterSecret {
    const salt = deriveSecret(this.h, this.live(), 'derived', emptyHash(this.h));
    const ms = new MasterSecret(this.h, this.h.crypto.hkdfExtract(this.h.hash, salt, new Uint8Array(hashLen(this.h))));
    salt.fill(0);
    this.zero();
    return ms;
  }
}

/** Master Secret (RFC 8446 §7.1). */
export class MasterSecret extends SecretBase {
  private readonly kind = 'master-secret';
  /** client_application_traffic_secret_0 = Derive-Secret(., "c ap traffic", ClientHello...server Finished). */
  clientApplicationTrafficSecret(handshakeHash: Uint8Array): ApplicationTrafficSecret {
    return new ApplicationTrafficSecret(this.h, deriveSecret(this.h, this.live(), 'c ap traffic', handshakeHash));
  }
  /** server_application_traffic_secret_0 = Derive-Secret(., "s ap traffic", ClientHello...server Finished). */
  serverApplicationTrafficSecret(handshakeHash: Uint8Array): ApplicationTrafficSecret {
    return new ApplicationTrafficSecret(this.h, deriveSecret(this.h, this.live(), 's ap traffic', handshakeHash));
  }
  /** exporter_master_secret = Derive-Secret(., "exp master", ClientHello...server Finished). */
  exporterMasterSecret(handshakeHash: Uint8Array): ExporterMasterSecret {
    return new ExporterMasterSecret(this.h, deriveSecret(this.h, this.live(), 'exp master', handshakeHash));
  }
  /** resumption_master_secret = Derive-Secret(., "res master", ClientHello...client Finished). */
  resumptionMasterSecret(fullHash: Uint8Array): ResumptionMasterSecret {
    return new ResumptionMasterSecret(this.h, deriveSecret(this.h, this.live(), 'res master', fullHash));
  }
}
