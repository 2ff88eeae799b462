/**
 * Settings of the TLS 1.2 engine, beside the shared TLS settings (`../config.ts`). A
 * connection's `cipherSuites`/`groups`/`signatureSchemes` of the shared config are the TLS 1.3
 * ones; these add the TLS 1.2 view.
 */
import type { SignatureScheme } from '../../crypto/types.js';
import type { Tls12Session, TlsClientConfig, TlsEvent, TlsServerConfig } from '../config.js';
import type { Tls12SuiteName } from './suites.js';

/** What the TLS 1.2 engine adds to either role's settings. */
export interface Tls12Options {
  /** TLS 1.2 suites in preference order (default {@link DEFAULT_TLS12_SUITES}). */
  tls12Suites?: Tls12SuiteName[];
  /**
   * RFC 7627 §5.2/§5.3: abort a full handshake whose peer does not do the extended master
   * secret (default true; a registry or credential setting can relax it).
   */
  requireExtendedMasterSecret?: boolean;
  /** Offer / accept encrypt_then_mac for CBC suites (RFC 7366; default true). */
  encryptThenMac?: boolean;
  /**
   * Signature schemes for TLS 1.2 ServerKeyExchange / CertificateVerify (default: the TLS 1.3
   * list plus RSA PKCS#1 v1.5 with SHA-256/384/512, which TLS 1.2 allows in handshakes).
   */
  tls12SignatureSchemes?: SignatureScheme[];
  /** RFC 6066 §4 max_fragment_length code to ask for (client: 1..4 = 512..4096 bytes). */
  maxFragmentLength?: number;
}

/** Default lifetime of a TLS 1.2 session the server keeps or seals in a ticket (2 hours). */
export const TLS12_SESSION_LIFETIME_SECONDS = 7200;

/** Client settings for TLS 1.2. */
export interface Tls12ClientConfig extends TlsClientConfig, Tls12Options {
  /**
   * Whether the same ClientHello also offered TLS 1.3 (RFC 8446 §4.1.3: the client then checks
   * the downgrade sentinel in ServerHello.random).
   */
  offeredTls13?: boolean;
  /**
   * A cached session to resume (RFC 5246 §7.4.1.2 session_id, RFC 5077 §3.1 ticket); without
   * one the client still sends an empty session_ticket extension to be given a ticket.
   */
  session12?: Tls12Session;
  /** Send the session_ticket extension (RFC 5077; default true). */
  sessionTickets?: boolean;
}

/** Server settings for TLS 1.2. */
export interface Tls12ServerConfig extends TlsServerConfig, Tls12Options {
  /** Whether TLS 1.3 is enabled too (RFC 8446 §4.1.3: the server then sets the downgrade sentinel). */
  tls13Enabled?: boolean;
  /**
   * Answer a client's ec_point_formats in ServerHello (RFC 8422 §5.2; default true). Off only to
   * reproduce a recorded server that omitted it.
   */
  answerEcPointFormats?: boolean;
  /**
   * The server's session-ID cache (RFC 5246 §7.4.1.2): looks a client's session ID up. Set it to
   * give full handshakes a session ID (the `session12` event then carries the session to keep).
   */
  findSession12?: (sessionId: Uint8Array) => Tls12Session | null;
}

/** Events of a TLS 1.2 connection (the shared event type includes the renegotiation ones). */
export type Tls12Event = TlsEvent;

/** RFC 5246 §7.4.1.4.1 defaults, per key type, when the client sends no signature_algorithms. */
export const TLS12_DEFAULT_SCHEMES_WITHOUT_EXTENSION: Readonly<Record<'rsa' | 'ecdsa', SignatureScheme>> = {
  rsa: 'rsa_pkcs1_sha1',
  ecdsa: 'ecdsa_sha1',
};
