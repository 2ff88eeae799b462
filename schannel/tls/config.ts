/**
 * Configuration, environment, events and results of the TLS engine.
 */
import type { CryptoProvider, GroupName, PrivateKey, PublicKey, SignatureScheme } from '../crypto/types.js';
import type { CipherSuiteName } from './codec/constants.js';
import type { ClientHello, EncryptedExtensions } from './codec/handshake.js';
import type { TlsError } from './errors.js';
import type { TlsMemory } from './memory.js';

/** What the engine is given by its host: crypto, memory and time. */
export interface TlsEnv {
  /** The one crypto interface (charges CPU). */
  crypto: CryptoProvider;
  /** Device pools. */
  memory: TlsMemory;
  /** Current time in milliseconds (the device clock); used for ticket ages and lifetimes. */
  nowMs: () => number;
}

/** What `verifyPeerCertificate` is told about the connection. */
export interface PeerCertificateContext {
  /** The name the client asked for (SNI), when verifying a server. */
  serverName?: string;
  /** Whether a server ('serverAuth') or a client ('clientAuth') certificate is verified. */
  usage: 'serverAuth' | 'clientAuth';
}

/** Validates a peer chain (leaf first, DER). Returns null when acceptable. */
export type VerifyPeerCertificate = (chainDer: Uint8Array[], ctx: PeerCertificateContext) => TlsError | null;

/** Extracts the leaf's public key for CertificateVerify. */
export type PublicKeyOf = (leafDer: Uint8Array) => PublicKey | TlsError;

/** Settings both roles share. */
export interface TlsCommonConfig {
  /** Cipher suites in preference order (default: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305). */
  cipherSuites?: CipherSuiteName[];
  /** Key-exchange groups in preference order (default: x25519, secp256r1). */
  groups?: GroupName[];
  /**
   * Signature schemes accepted in the peer's CertificateVerify and advertised in
   * signature_algorithms (default: ECDSA P-256/P-384, Ed25519, RSA-PSS rsae and pss).
   */
  signatureSchemes?: SignatureScheme[];
  /**
   * Schemes advertised in signature_algorithms_cert (default: the above plus RSA PKCS#1 v1.5,
   * which RFC 8446 §4.2.3 allows only in certificates). Empty: the extension is not sent.
   */
  signatureSchemesCert?: SignatureScheme[];
  /** ALPN protocol names (client: offered in order; server: its preference order). */
  alpn?: string[];
  /** record_size_limit to advertise (RFC 8449; 64..16385). Client default: not sent; server default 16385 when the client sent one. */
  recordSizeLimit?: number;
  /** Our certificate chain (leaf first, DER). */
  certificateChain?: Uint8Array[];
  /** The leaf's private key. */
  privateKey?: PrivateKey;
  /** Schemes the private key can sign with, in preference order (default: derived from the key). */
  privateKeySchemes?: SignatureScheme[];
  /** Certificate validation (the certificate engine's). Required to authenticate the peer. */
  verifyPeerCertificate?: VerifyPeerCertificate;
  /** Leaf public-key extraction (the certificate engine's). Required to authenticate the peer. */
  publicKeyOf?: PublicKeyOf;
  /**
   * Receives each traffic secret as it is derived, for an NSS key log (SSLKEYLOGFILE) so that
   * Wireshark can decrypt a capture: `label` is the NSS label (`CLIENT_HANDSHAKE_TRAFFIC_SECRET`,
   * `SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0`,
   * `EXPORTER_SECRET`), `clientRandom` the ClientHello's random. Debugging only: it exposes keys.
   */
  keyLog?: (label: string, clientRandom: Uint8Array, secret: Uint8Array) => void;
}

/** A ticket as the client keeps it for resumption (what the `sessionTicket` event carries). */
export interface SessionTicket {
  /** The opaque ticket (PSK identity). */
  ticket: Uint8Array;
  /** The resumption PSK derived for this ticket (RFC 8446 §4.6.1). Secret. */
  psk: Uint8Array;
  /** The suite of the session that issued it (its hash must match on resumption). */
  cipherSuite: CipherSuiteName;
  /** ticket_age_add. */
  ageAdd: number;
  /** ticket_lifetime in seconds. */
  lifetimeSeconds: number;
  /** When it was received (device ms). */
  receivedAtMs: number;
  /** The SNI of the session. */
  serverName?: string;
  /** The ALPN protocol of the session. */
  alpn?: string;
  /** max_early_data_size, if the server allows 0-RTT (the engine does not send early data). */
  maxEarlyDataSize?: number;
}

/** Client settings. */
export interface TlsClientConfig extends TlsCommonConfig {
  /** server_name to send (RFC 6066) and to check the certificate against. */
  serverName?: string;
  /** Groups that get a key share in the first ClientHello (default: the first group). */
  keyShareGroups?: GroupName[];
  /** A ticket to offer for resumption (psk_dhe_ke). */
  ticket?: SessionTicket;
  /** Send a random 32-byte legacy_session_id (RFC 8446 §D.4 middlebox compatibility). Default false. */
  middleboxCompatibility?: boolean;
  /**
   * Rewrites the ClientHello before it is sent (tests and fingerprint control: add or reorder
   * extensions). The pre_shared_key extension, when present, must stay last; its binder is
   * computed after the hook.
   */
  clientHelloHook?: (ch: ClientHello) => ClientHello;
}

/** The server's state sealed into a ticket. */
export interface ResumptionState {
  cipherSuite: CipherSuiteName;
  psk: Uint8Array;
  ageAdd: number;
  issuedAtMs: number;
  lifetimeSeconds: number;
  serverName?: string;
  alpn?: string;
}

/** How the server turns resumption state into opaque tickets and back. */
export interface TicketSealer {
  seal(state: ResumptionState): Uint8Array;
  /** Returns null for a ticket it did not issue or cannot open. */
  open(ticket: Uint8Array): ResumptionState | null;
}

/** One certificate a server can present, with its key. */
export interface ServerCertificate {
  /** Leaf first, DER. */
  certificateChain: Uint8Array[];
  privateKey: PrivateKey;
  /** Schemes the key signs with, in preference order (default: derived from the key). */
  privateKeySchemes?: SignatureScheme[];
}

/** Server settings. */
export interface TlsServerConfig extends TlsCommonConfig {
  certificateChain: Uint8Array[];
  privateKey: PrivateKey;
  /**
   * Further certificates (an RSA and an ECDSA one at once, as Schannel's `paCred` holds): the
   * server presents the first of `certificateChain` and these that can sign with a scheme the
   * client's signature_algorithms lists, taken in the client's order (RFC 8446 §4.4.2.2), and in
   * TLS 1.2 one that fits the chosen suite's authentication (RFC 5246 §7.4.2).
   */
  additionalCertificates?: ServerCertificate[];
  /** Ask for a client certificate: 'request' (optional) or 'require' (certificate_required if none). */
  clientAuth?: 'none' | 'request' | 'require';
  /** Session tickets: issued after the handshake when set. */
  tickets?: {
    /** How tickets are sealed (default: AES-256-GCM under `key`). */
    sealer?: TicketSealer;
    /** 32-byte ticket key for the default sealer. */
    key?: Uint8Array;
    /** Tickets per handshake (default 1). */
    count?: number;
    /** Lifetime (default 7200 s; at most 604800, RFC 8446 §4.6.1). */
    lifetimeSeconds?: number;
    /** Advertise max_early_data_size in tickets (early data itself is not accepted). */
    maxEarlyDataSize?: number;
  };
  /** Acknowledge server_name with an empty extension in EncryptedExtensions (default true). */
  acknowledgeServerName?: boolean;
  /** Rewrites EncryptedExtensions before it is sent (tests: reproduce a recorded trace). */
  encryptedExtensionsHook?: (ee: EncryptedExtensions) => EncryptedExtensions;
}

/**
 * A TLS 1.2 session as the client keeps it (and the server's session-ID cache): what an
 * abbreviated handshake (RFC 5246 §7.3, Figure 2) needs, found by its session ID or carried in
 * a session ticket (RFC 5077).
 */
export interface Tls12Session {
  /** The session ID the server gave (empty when it gave none). */
  sessionId: Uint8Array;
  /** RFC 5077 ticket (client side), or null. */
  ticket: Uint8Array | null;
  /** The 48-byte master secret (RFC 5246 §8.1). Secret. */
  masterSecret: Uint8Array;
  /** IANA name of the session's suite (RFC 5246 §7.4.1.3: a resumption keeps it). */
  suite: string;
  /** RFC 7627 §5.3: whether the session has the extended master secret. */
  extendedMasterSecret: boolean;
  /** How long the session may be resumed (the ticket's lifetime hint, or the cache's), seconds. */
  lifetimeSeconds: number;
  /** When it was made (device ms). */
  createdAtMs: number;
  serverName?: string;
  alpn?: string;
}

/** Events the engine reports. */
export type TlsEvent =
  | { type: 'handshakeComplete'; resumed: boolean }
  | { type: 'helloRetryRequest'; group: GroupName | null }
  | { type: 'needClientCertificate'; signatureSchemes: SignatureScheme[] }
  | { type: 'sessionTicket'; ticket: SessionTicket }
  /** TLS 1.2: a session that can be resumed (session ID and/or ticket), after a full or abbreviated handshake. */
  | { type: 'session12'; session: Tls12Session }
  | { type: 'keyUpdate'; direction: 'read' | 'write'; updateRequested: boolean }
  | { type: 'closeNotify' }
  | { type: 'alert'; level: number; description: number }
  /** TLS 1.2: the peer asked to renegotiate (client: HelloRequest; Schannel's SEC_I_RENEGOTIATE). */
  | { type: 'renegotiationRequested' }
  /** TLS 1.2: the peer's renegotiation was declined with the warning no_renegotiation. */
  | { type: 'renegotiationRefused' };

/** Result of {@link TlsConnection.receive}. */
export interface ReceiveResult {
  /** Whole records consumed from the front of the input. */
  consumed: number;
  /**
   * Bytes needed to complete the next record (5 − have without a full header, else the rest of
   * the body); present while the handshake needs more input.
   */
  missing?: number;
  /** Records to send (may be empty). */
  output: Uint8Array;
  events: TlsEvent[];
  /** Set when the connection failed; `output` then carries the alert, if any. */
  error?: TlsError;
}

/** Result of {@link TlsConnection.open}: one record. */
export interface OpenResult {
  consumed: number;
  /** Missing bytes when the input does not hold a whole record (then consumed = 0). */
  missing?: number;
  /** The record's (inner) content type; undefined when no record was processed. */
  contentType?: number;
  /** Application data (empty for other types). */
  plaintext: Uint8Array;
  events: TlsEvent[];
  /** Records to send in response (KeyUpdate response, alert on error). */
  output: Uint8Array;
  error?: TlsError;
}

/** Result of operations that only produce output. */
export interface OutputResult {
  output: Uint8Array;
  events: TlsEvent[];
  error?: TlsError;
}

/** Sizes for Schannel's SecPkgContext_StreamSizes. */
export interface StreamSizes {
  header: number;
  trailer: number;
  maximumMessage: number;
  buffers: number;
  blockSize: number;
}
