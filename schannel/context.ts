/**
 * One Schannel security context: the TLS engine behind `InitializeSecurityContext`,
 * `AcceptSecurityContext`, `EncryptMessage`, `DecryptMessage`, `ApplyControlToken` and
 * `QueryContextAttributes`, with the buffer rules of sspi-behaviour.md §2.5–2.9.
 *
 * The context lives in the LSA process: the engine's state (transcript, key schedule, handshake
 * buffers, the peer's chain) is charged there, tagged `schannel.context#N.<what>`. When the
 * handshake completes the context is mapped into the caller (`MappedContext`), which charges the
 * user-mode half (the packed traffic keys and record state) to the caller's process.
 */

import {
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_2_SERVER,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_3_SERVER,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_INCOMPLETE_CREDENTIALS,
  SEC_I_CONTEXT_EXPIRED,
  SEC_I_RENEGOTIATE,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_INVALID_TOKEN,
  SEC_E_INTERNAL_ERROR,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_CONTEXT_EXPIRED,
  SEC_E_NO_CREDENTIALS,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_EXTENDED_ERROR,
  ISC_REQ_USE_SUPPLIED_CREDS,
  ISC_REQ_MANUAL_CRED_VALIDATION,
  ISC_REQ_DATAGRAM,
  ISC_RET_REPLAY_DETECT,
  ISC_RET_SEQUENCE_DETECT,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_STREAM,
  ISC_RET_EXTENDED_ERROR,
  ISC_RET_USED_SUPPLIED_CREDS,
  ISC_RET_MANUAL_CRED_VALIDATION,
  ISC_RET_DATAGRAM,
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_EXTENDED_ERROR,
  ASC_REQ_MUTUAL_AUTH,
  ASC_RET_REPLAY_DETECT,
  ASC_RET_SEQUENCE_DETECT,
  ASC_RET_CONFIDENTIALITY,
  ASC_RET_STREAM,
  ASC_RET_EXTENDED_ERROR,
  ASC_RET_MUTUAL_AUTH,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  SCH_CRED_NO_SERVERNAME_CHECK,
  SCHANNEL_SHUTDOWN,
  SCHANNEL_ALERT,
  SCHANNEL_RENEGOTIATE,
  TLS1_ALERT_WARNING,
  TLS1_ALERT_CLOSE_NOTIFY,
  type StreamOpenPlan,
  type StreamSealPlan,
  type Process,
  type TimeStamp,
} from '../sspi/index.js';
import type { Device } from '../device/index.js';
import {
  CertContext,
  createChainContext,
  parseCertificate,
  verifyCertificateChain,
  type CertFailure,
  type CertStore,
  type ParsedCertificate,
} from './cert/index.js';
import { NobleCryptoProvider } from './crypto/provider.js';
import type { CryptoProvider, PublicKey, SignatureScheme } from './crypto/types.js';
import { TlsClient } from './tls/client.js';
import { TlsServer } from './tls/server.js';
import { Tls12Client } from './tls/v12/client.js';
import { Tls12Server } from './tls/v12/server.js';
import { clientHelloEngine, clientHelloOfFlight, dualClientHelloHook, peekFirstHandshakeMessage, serverHelloVersion } from './tls/v12/dispatch.js';
import type { Tls12ClientConfig, Tls12ServerConfig } from './tls/v12/config.js';
import { FILETIME_UNIX_EPOCH } from '../device/index.js';
import type { SessionTicket as EngineTicket, Tls12Session, TlsClientConfig, TlsEvent, TlsServerConfig } from './tls/config.js';
import { TlsError, certificateError } from './tls/errors.js';
import { AlertLevel, RECORD_HEADER_LENGTH, encodePlaintextAlert, sniffRecord } from './tls/codec/index.js';
import type { TlsBlock, TlsMemory } from './tls/memory.js';
import type { SchannelCredential } from './credentials.js';
import { statusForTlsError } from './status.js';
import { SessionCache, type SessionKey } from './session-cache.js';
import { schannelSystemStore } from './stores.js';

/** The per-device Schannel state: contexts, session cache, ROOT store, counters. */
export interface SchannelDeviceState {
  device: Device;
  lsa: Process;
  nextContextId: number;
  contexts: Map<number, SchannelContext>;
  cache: SessionCache;
  /** The device's `ROOT` store (the CE analogue of the system root store). */
  roots: CertStore;
  /** Trace messages (why a protocol was refused, why a handshake failed). */
  log(message: string, details?: Record<string, unknown>): void;
  /** NSS key log lines, when someone listens (`onSchannelKeyLog`); null otherwise. */
  keyLog: ((line: string) => void) | null;
}

/** The registry key of Schannel's settings (the CE analogue of `...\SecurityProviders\SCHANNEL`). */
export const SCHANNEL_REGISTRY_KEY = 'HKEY_LOCAL_MACHINE\\Comm\\SecurityProviders\\SCHANNEL';

/**
 * The record_size_limit (RFC 8449) the device asks its peers for, from the registry value
 * `RecordSizeLimit` (DWORD, 64..16385); null when unset (full 16 KiB records).
 */
export function recordSizeLimitSetting(device: Device): number | null {
  const v = device.registry.get(SCHANNEL_REGISTRY_KEY, 'RecordSizeLimit');
  if (typeof v !== 'number') return null;
  // RFC 8449 §4: values below 64 are invalid; above 2^14 + 1 there is nothing to limit in TLS 1.3.
  return v >= 64 && v <= 16385 ? v : null;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** A TLS memory adapter on one process's pools, with the context's owner tag prefix. */
export class ProcessTlsMemory implements TlsMemory {
  private readonly live = new Set<TlsBlock>();

  constructor(
    private readonly process: Process,
    private readonly prefix: string,
  ) {}

  /** Allocates from `pool`; null when the pool is out (or a failure is forced). */
  alloc(pool: 'general' | 'io', size: number, tag: string): TlsBlock | null {
    const addr = this.process.poolAlloc(pool, Math.max(1, size), this.prefix ? `${this.prefix}.${tag.replace(/^tls\./, '')}` : tag);
    if (addr === 0) return null;
    const block: TlsBlock = { addr, size, bytes: this.process.view(addr, size) };
    this.live.add(block);
    return block;
  }

  /** Frees a block (zeroing it first: secrets never outlive their block). */
  free(block: TlsBlock): void {
    if (!this.live.delete(block)) return;
    block.bytes.fill(0);
    this.process.poolFree(block.addr);
  }

  /** Frees everything still held (context deletion). */
  freeAll(): void {
    for (const b of [...this.live]) this.free(b);
  }

  /** Bytes currently held. */
  get heldBytes(): number {
    let n = 0;
    for (const b of this.live) n += b.size;
    return n;
  }
}

/**
 * Modelled stack of the TLS engine's own frames under a crypto primitive (record layer →
 * handshake dispatch → message handler → key schedule, about six frames of ~256 B on a 32-bit
 * MIPS): the primitives' `stackBytes` run on top of it in the stack high-water model.
 */
export const TLS_ENGINE_FRAME_BYTES = 1536;

/** A cost sink on the device CPU model; each primitive runs under the engine's frames. */
function costOf(device: Device) {
  return { charge: (primitive: string, bytes?: number) => device.cpu.withStack(TLS_ENGINE_FRAME_BYTES, () => device.cpu.charge(primitive, bytes)) };
}

/** What the SSPI layer needs to know about the caller of one ISC/ASC call. */
export interface CallerInfo {
  pid: number;
  logonId: number;
  /** Stable string for the credential handle (session-cache key). */
  credentialKey: string;
}

/** Where a Schannel context is in its life. */
export type SchannelPhase = 'handshake' | 'awaitingCredentials' | 'established' | 'closed' | 'failed';
type Phase = SchannelPhase;

/**
 * The one table of a context's phases and the moves between them (staying put is always
 * allowed). `awaitingCredentials` is check 49's pause after SEC_I_INCOMPLETE_CREDENTIALS;
 * `closed` follows a close_notify sent (control token) or received (check 68).
 */
export const SCHANNEL_PHASE_MOVES: Readonly<Record<SchannelPhase, readonly SchannelPhase[]>> = {
  handshake: ['awaitingCredentials', 'established', 'closed', 'failed'],
  awaitingCredentials: ['handshake', 'established', 'closed', 'failed'],
  established: ['closed', 'failed'],
  closed: ['failed'],
  failed: [],
};

/** The phase table as a Mermaid state diagram (docs/schannel-context.md shows it). */
export function schannelPhaseMermaid(): string {
  const lines = ['stateDiagram-v2', '  [*] --> handshake: first ISC/ASC'];
  for (const [from, tos] of Object.entries(SCHANNEL_PHASE_MOVES)) for (const to of tos) lines.push(`  ${from} --> ${to}`);
  lines.push('  closed --> [*]: DeleteSecurityContext', '  failed --> [*]: DeleteSecurityContext');
  return lines.join('\n');
}

/** The outcome of one handshake call, before the SSPI buffers are written. */
interface StepResult {
  status: number;
  output: Uint8Array;
  /** Bytes of the input that were not consumed (the caller resubmits them: SECBUFFER_EXTRA). */
  extra: number;
  /** Bytes still needed (SECBUFFER_MISSING) when status is SEC_E_INCOMPLETE_MESSAGE. */
  missing: number;
}

/** The TLS engine behind a context: TLS 1.3 (RFC 8446) or TLS 1.2 (RFC 5246), either role. */
export type Engine = TlsClient | TlsServer | Tls12Client | Tls12Server;

/** A Schannel context (client or server). */
export class SchannelContext {
  readonly id: number;
  readonly role: 'client' | 'server';
  readonly memory: ProcessTlsMemory;
  readonly crypto: CryptoProvider;
  private current: Phase = 'handshake';
  /** Whether this context has handed out a handshake flight yet (a server's keys start with its first). */
  private flightSent = false;

  /** The context's phase (see {@link SCHANNEL_PHASE_MOVES}). */
  get phase(): Phase {
    return this.current;
  }

  /** Moves to `next`; a move the table does not allow is a bug in cesim, reported as such. */
  moveTo(next: Phase): void {
    if (next === this.current) return;
    if (!SCHANNEL_PHASE_MOVES[this.current].includes(next)) throw new Error(`schannel context #${this.id}: ${this.current} → ${next} is not a move`);
    this.current = next;
  }
  private engine: Engine | null = null;
  /**
   * A credential enabling TLS 1.2 and 1.3: the engine for the other version, made when the peer's
   * hello shows which it speaks (client: the TLS 1.2 engine after the dual ClientHello, which it
   * adopts; server: both are candidates until the ClientHello).
   */
  private versionChoice: { tls12: Tls12Client | Tls12Server; sentHello: Uint8Array | null } | null = null;
  private certFailure: CertFailure | null = null;
  private pendingControl: { level: number; description: number } | null = null;
  /** Output queued by DecryptMessage (a KeyUpdate response) for the next ISC/ASC call. */
  private pendingOutput: Uint8Array | null = null;
  /** The fatal alert record a failed DecryptMessage produced, handed out by the next ISC/ASC. */
  private failureAlert: Uint8Array | null = null;
  /** Input bytes the engine consumed in the call that returned SEC_I_INCOMPLETE_CREDENTIALS. */
  private consumedBeforePause = 0;
  /** The peer chain as a certificate context (SECPKG_ATTR_REMOTE_CERT_CONTEXT). */
  private peerChainDer: Uint8Array[] = [];
  /** `pszTargetName` of the first ISC call: SNI, the name checked, the session-cache key. */
  targetName: string | null = null;
  resumed = false;
  /** The user-mode half: a block in the caller's process holding the packed record state. */
  userBlock: { process: Process; addr: number } | null = null;
  private expiryMs = 0;
  /** The TLS 1.2 session offered for resumption (client). */
  private offeredSession12: Tls12Session | null = null;
  /** The server certificate chosen, kept after the engine is released. */
  private chosenCertificateIndex = 0;

  constructor(
    readonly state: SchannelDeviceState,
    readonly credential: SchannelCredential,
    readonly caller: CallerInfo,
  ) {
    this.id = state.nextContextId++;
    this.role = credential.role;
    this.memory = new ProcessTlsMemory(state.lsa, `schannel.context#${this.id}`);
    this.crypto = new NobleCryptoProvider({ cost: costOf(state.device), random: state.device.rng });
  }

  /** The live engine (null before the first call or after deletion). */
  get connection(): Engine | null {
    return this.engine;
  }

  private nowMs(): number {
    return Number((this.state.device.clock.getSystemTimeAsFileTime() - FILETIME_UNIX_EPOCH) / 10000n);
  }

  private sessionKey(): SessionKey | null {
    if (!this.targetName) return null;
    return { targetName: this.targetName, pid: this.caller.pid, logonId: this.caller.logonId, credential: this.caller.credentialKey };
  }

  /** Certificate validation for the engine: the device ROOT store, the device clock. */
  private verifier(chainDer: Uint8Array[], usage: 'server' | 'client'): TlsError | null {
    this.peerChainDer = chainDer.map((c) => c.slice());
    if (this.credential.flags & SCH_CRED_MANUAL_CRED_VALIDATION) return null;
    if (usage === 'client' && chainDer.length === 0) return null;
    const parsed: ParsedCertificate[] = [];
    for (const der of chainDer) {
      const r = parseCertificate(der);
      if (!r.ok) {
        this.certFailure = { kind: 'malformed', detail: r.error.detail };
        return certificateError('bad', r.error.detail);
      }
      parsed.push(r.value);
    }
    const checkName = usage === 'server' && !(this.credential.flags & SCH_CRED_NO_SERVERNAME_CHECK) && !!this.targetName;
    const failure = verifyCertificateChain(parsed, {
      now: this.nowMs(),
      roots: this.credential.rootStore ?? this.state.roots,
      usage,
      targetName: checkName ? this.targetName : null,
      // TLS 1.3 certificates sign (digitalSignature); TLS 1.2 static RSA also encrypts (keyEncipherment).
      tls13: !(this.engine instanceof Tls12Client || this.engine instanceof Tls12Server),
      cost: costOf(this.state.device),
    });
    if (!failure) {
      const leaf = parsed[0];
      if (leaf) this.expiryMs = leaf.notAfter;
      return null;
    }
    this.certFailure = failure;
    this.state.log(`certificate rejected: ${failure.kind}: ${failure.detail}`, { context: this.id });
    const kind =
      failure.kind === 'untrusted-root'
        ? 'unknown-ca'
        : failure.kind === 'expired' || failure.kind === 'not-yet-valid'
          ? 'expired'
          : failure.kind === 'wrong-principal'
            ? 'name-mismatch'
            : failure.kind === 'wrong-usage' || failure.kind === 'unsupported-algorithm'
              ? 'unsupported'
              : 'bad';
    return certificateError(kind, failure.detail);
  }

  private publicKeyOf(der: Uint8Array): PublicKey | TlsError {
    const r = parseCertificate(der);
    if (!r.ok) return certificateError('bad', r.error.detail);
    const key = r.value.publicKey;
    if (!key) return certificateError('unsupported', 'the certificate key type is not supported');
    return key;
  }

  /** Creates the engine on the first ISC/ASC call. Returns an error status or SEC_E_OK. */
  private createEngine(alpn: string[] | null, mutualAuth: boolean): number {
    const cred = this.credential;
    const env = { crypto: this.crypto, memory: this.memory, nowMs: () => this.nowMs() };
    const chain = cred.certificate ? [cred.certificate.pbCertEncoded, ...this.issuerChain(cred.certificate)] : undefined;
    const recordLimit = recordSizeLimitSetting(this.state.device);
    const keyLog = this.state.keyLog;
    const key = cred.privateKey;
    // RFC 8446 §4.2.3: an RSASSA-PSS key (id-RSASSA-PSS SPKI) signs only with rsa_pss_pss_*.
    const pssOnly = key?.kind === 'rsa' && key.pssOnly === true;
    const common = {
      cipherSuites: cred.suites as TlsClientConfig['cipherSuites'],
      ...(pssOnly ? { privateKeySchemes: ['rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512'] as SignatureScheme[] } : {}),
      ...(alpn && alpn.length ? { alpn } : {}),
      ...(cred.groups ? { groups: [...cred.groups] } : {}),
      verifyPeerCertificate: (c: Uint8Array[], ctx: { usage: 'serverAuth' | 'clientAuth' }) =>
        this.verifier(c, ctx.usage === 'serverAuth' ? 'server' : 'client'),
      publicKeyOf: (d: Uint8Array) => this.publicKeyOf(d),
      ...(recordLimit !== null ? { recordSizeLimit: recordLimit } : {}),
      ...(keyLog ? { keyLog: (label: string, random: Uint8Array, secret: Uint8Array) => keyLog(`${label} ${hex(random)} ${hex(secret)}`) } : {}),
    };
    if (this.role === 'client') {
      const config: TlsClientConfig = { ...common };
      if (this.targetName && !/^[0-9.:]+$/.test(this.targetName)) config.serverName = this.targetName;
      if (chain && cred.privateKey) {
        config.certificateChain = chain;
        config.privateKey = cred.privateKey;
      }
      const key = this.sessionKey();
      if (key && !(cred.flags & 0x80) /* SCH_CRED_DISABLE_RECONNECTS */) {
        const entry = this.state.cache.find(key, this.nowMs());
        if (entry && entry.version === 'tls1.2') {
          // RFC 5246 §7.4.1.2 / RFC 5077 §3.4: the TLS 1.2 session's ID and ticket go in the
          // ClientHello (a dual offer's legacy_session_id too, RFC 8446 §4.1.2).
          this.offeredSession12 = {
            sessionId: (entry.sessionId ?? new Uint8Array(0)).slice(),
            ticket: entry.ticket.length > 0 ? entry.ticket.slice() : null,
            masterSecret: entry.resumptionSecret.slice(),
            suite: entry.suite,
            extendedMasterSecret: entry.extendedMasterSecret ?? false,
            lifetimeSeconds: entry.lifetimeSeconds,
            createdAtMs: entry.createdMs,
            ...(entry.alpn ? { alpn: entry.alpn } : {}),
          };
          this.state.cache.take(entry);
        } else if (entry) {
          const t: EngineTicket = {
            ticket: entry.ticket.slice(),
            psk: entry.resumptionSecret.slice(),
            cipherSuite: entry.suite as EngineTicket['cipherSuite'],
            ageAdd: entry.ticketAgeAdd,
            lifetimeSeconds: entry.lifetimeSeconds,
            receivedAtMs: entry.createdMs,
          };
          if (entry.alpn) t.alpn = entry.alpn;
          config.ticket = t;
          // RFC 8446 §C.4: a ticket is used once.
          this.state.cache.take(entry);
        }
      }
      try {
        const v = this.versions();
        const config12: Tls12ClientConfig = { ...config, ...this.tls12Settings(), offeredTls13: v.tls13, ...(this.offeredSession12 ? { session12: this.offeredSession12 } : {}) };
        if (v.tls13 && v.tls12) {
          // One ClientHello offering both versions (RFC 8446 §4.2.1); the ServerHello picks.
          this.engine = new TlsClient({ ...config, clientHelloHook: dualClientHelloHook(config12) }, env);
          this.versionChoice = { tls12: new Tls12Client(config12, env), sentHello: null };
        } else if (v.tls12) this.engine = new Tls12Client(config12, env);
        else this.engine = new TlsClient(config, env);
      } catch (e) {
        return e instanceof TlsError ? statusForTlsError(e) : SEC_E_INTERNAL_ERROR;
      }
    } else {
      if (!chain || !cred.privateKey) return SEC_E_NO_CREDENTIALS;
      const ticketKey = cred.ticketKey;
      const config: TlsServerConfig = {
        ...common,
        certificateChain: chain,
        privateKey: cred.privateKey,
        clientAuth: mutualAuth ? 'request' : 'none',
        ...(ticketKey ? { tickets: { key: ticketKey, count: 1 } } : {}),
      };
      // paCred's further certificates: the engines pick by the client's signature_algorithms.
      const more = cred.certificates.slice(1).filter((c) => c.privateKey);
      if (more.length > 0) {
        config.additionalCertificates = more.map((c) => {
          const k = c.privateKey!;
          return {
            certificateChain: [c.pbCertEncoded, ...this.issuerChain(c)],
            privateKey: k,
            ...(k.kind === 'rsa' && k.pssOnly === true ? { privateKeySchemes: ['rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512'] as SignatureScheme[] } : {}),
          };
        });
      }
      try {
        const v = this.versions();
        const config12: Tls12ServerConfig = {
          ...config,
          ...this.tls12Settings(),
          tls13Enabled: v.tls13,
          findSession12: (id) => this.findServerSession(id),
        };
        if (v.tls12) {
          const s12 = new Tls12Server(config12, env);
          s12.start();
          if (s12.error) return statusForTlsError(s12.error);
          if (v.tls13) {
            this.engine = new TlsServer(config, env);
            this.versionChoice = { tls12: s12, sentHello: null };
          } else this.engine = s12;
        } else this.engine = new TlsServer(config, env);
      } catch (e) {
        return e instanceof TlsError ? statusForTlsError(e) : SEC_E_INTERNAL_ERROR;
      }
    }
    return SEC_E_OK;
  }

  /** Which versions the credential lets this context speak (a version left without suites is off). */
  private versions(): { tls12: boolean; tls13: boolean } {
    const c = this.credential;
    const p = c.protocols;
    const tls12 = (p & (SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_2_SERVER)) !== 0 && c.tls12Suites.length > 0;
    const tls13 = (p & (SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_3_SERVER)) !== 0 && c.suites.length > 0;
    // A credential whose suites all belong to a version it does not enable still gets an engine,
    // which reports the configuration error.
    return tls12 || tls13 ? { tls12, tls13 } : { tls12: false, tls13: true };
  }

  /**
   * The certificate this side presents: a server's is the one its engine chose among the
   * credential's (`paCred`), a client's the credential's first.
   */
  localCertificate(): CertContext | null {
    const e = this.engine;
    if (e instanceof TlsServer || e instanceof Tls12Server) this.chosenCertificateIndex = e.certificateIndex;
    return this.credential.certificates[this.chosenCertificateIndex] ?? this.credential.certificate;
  }

  /** The TLS 1.2 engine's settings from the credential. */
  private tls12Settings(): { tls12Suites: Tls12ClientConfig['tls12Suites']; requireExtendedMasterSecret: boolean } {
    return {
      tls12Suites: this.credential.tls12Suites as Tls12ClientConfig['tls12Suites'],
      requireExtendedMasterSecret: this.credential.requireExtendedMasterSecret,
    };
  }

  /**
   * With both versions enabled, looks at the peer's first hello and keeps the engine for the
   * version it shows, disposing the other. Returns a status to report when the hello is
   * incomplete (SEC_E_INCOMPLETE_MESSAGE), else null.
   */
  private chooseVersion(input: Uint8Array): StepResult | null {
    const choice = this.versionChoice;
    if (choice === null || !this.engine) return null;
    const first = peekFirstHandshakeMessage(input);
    if (first.kind === 'need') return { status: SEC_E_INCOMPLETE_MESSAGE, output: new Uint8Array(0), extra: 0, missing: first.missing };
    this.versionChoice = null;
    let use12 = false;
    if (first.kind === 'message') {
      if (this.role === 'client' && first.msgType === 2 /* server_hello */) {
        const v = serverHelloVersion(first.body);
        // RFC 8446 §4.2.1: no supported_versions means TLS 1.2 or below; the TLS 1.2 engine
        // answers a TLS 1.0/1.1 ServerHello with protocol_version.
        use12 = v !== null && v <= 0x0303;
      } else if (this.role === 'server' && first.msgType === 1 /* client_hello */) {
        use12 = clientHelloEngine(first.body) === 'tls12';
      }
    }
    if (!use12) {
      choice.tls12.dispose();
      return null;
    }
    if (choice.tls12 instanceof Tls12Client) {
      const adopted = choice.tls12.adoptClientHello({ raw: choice.sentHello ?? new Uint8Array(0) });
      if (adopted.error) {
        choice.tls12.dispose();
        return this.fail(adopted.error, new Uint8Array(0));
      }
    }
    this.engine.dispose();
    this.engine = choice.tls12;
    this.state.log(`${this.role === 'client' ? 'server chose' : 'client offers at most'} TLS 1.2`, { context: this.id });
    return null;
  }

  /** Issuers of our certificate found in its store (sent after the leaf). */
  private issuerChain(cert: CertContext): Uint8Array[] {
    const store = cert.hCertStore;
    if (!store) return [];
    const mine = schannelSystemStore(this.state.device, 'MY');
    if (store === mine) {
      // A certificate of the device's MY store: its issuers come from the CA store, walked by
      // issuer name up to (not including) a self-issued root (RFC 8446 §4.4.2, RFC 5246 §7.4.2:
      // each following certificate certifies the one before it).
      const ca = schannelSystemStore(this.state.device, 'CA');
      const out: Uint8Array[] = [];
      let at = cert;
      for (let depth = 0; depth < 8 && !at.pCertInfo.selfIssued; depth++) {
        const up = ca.findBySubject(at.pCertInfo.issuer.der).find((c) => !c.pCertInfo.selfIssued);
        if (!up) break;
        out.push(up.pbCertEncoded);
        at = up;
      }
      return out;
    }
    return store
      .certificates()
      .filter((c) => c !== cert && !c.pCertInfo.selfIssued)
      .map((c) => c.pbCertEncoded);
  }

  /** Applies the engine's events: tickets to the cache, failures to the phase. */
  private applyEvents(events: readonly TlsEvent[]): { complete: boolean; needCert: boolean; closed: boolean } {
    let complete = false;
    let needCert = false;
    let closed = false;
    for (const e of events) {
      if (e.type === 'handshakeComplete') {
        complete = true;
        this.localCertificate();
        this.resumed = e.resumed;
      } else if (e.type === 'needClientCertificate') needCert = true;
      else if (e.type === 'closeNotify') closed = true;
      else if (e.type === 'sessionTicket') this.storeTicket(e.ticket);
      else if (e.type === 'session12') this.storeSession12(e.session);
    }
    return { complete, needCert, closed };
  }

  /** The server-side cache key: no target name, this process, logon session and credential. */
  private serverKey(): SessionKey {
    return { targetName: '', pid: this.caller.pid, logonId: this.caller.logonId, credential: this.caller.credentialKey };
  }

  /** A TLS 1.2 session this server keeps by ID (RFC 5246 §7.4.1.2), as the engine wants it. */
  private findServerSession(id: Uint8Array): Tls12Session | null {
    const e = this.state.cache.findSessionId(this.serverKey(), id, this.nowMs());
    if (!e) return null;
    return {
      sessionId: id.slice(),
      ticket: null,
      masterSecret: e.resumptionSecret.slice(),
      suite: e.suite,
      extendedMasterSecret: e.extendedMasterSecret ?? false,
      lifetimeSeconds: e.lifetimeSeconds,
      createdAtMs: e.createdMs,
      ...(e.serverName ? { serverName: e.serverName } : {}),
    };
  }

  /**
   * Keeps a TLS 1.2 session: a client's under its CE reuse key (with a session ID of its own
   * when the server gave only a ticket, RFC 5077 §3.4), a server's by session ID. The secret's
   * copy in the event is zeroed.
   */
  private storeSession12(s: Tls12Session): void {
    try {
      const key = this.role === 'client' ? this.sessionKey() : this.serverKey();
      if (!key) return;
      if (this.role === 'client' && s.ticket === null && s.sessionId.length === 0) return;
      const sessionId = s.sessionId.length > 0 ? s.sessionId : this.crypto.random(32);
      const ok = this.state.cache.store(
        key,
        {
          version: 'tls1.2',
          ticket: s.ticket ?? new Uint8Array(0),
          resumptionSecret: s.masterSecret,
          sessionId,
          extendedMasterSecret: s.extendedMasterSecret,
          suite: s.suite,
          ticketAgeAdd: 0,
          lifetimeSeconds: s.lifetimeSeconds,
          alpn: s.alpn ?? null,
          ...(s.serverName ? { serverName: s.serverName } : {}),
          maxEarlyData: 0,
        },
        s.createdAtMs,
        this.credential.sessionLifespanMs,
      );
      if (!ok) this.state.log('TLS 1.2 session not cached: the general pool is full', { context: this.id });
    } finally {
      s.masterSecret.fill(0);
    }
  }

  private storeTicket(t: EngineTicket): void {
    const key = this.sessionKey();
    if (!key || this.role !== 'client') return;
    const ok = this.state.cache.store(
      key,
      {
        ticket: t.ticket,
        resumptionSecret: t.psk,
        suite: t.cipherSuite,
        ticketAgeAdd: t.ageAdd,
        lifetimeSeconds: t.lifetimeSeconds,
        alpn: t.alpn ?? null,
        maxEarlyData: t.maxEarlyDataSize ?? 0,
      },
      this.nowMs(),
      this.credential.sessionLifespanMs,
    );
    if (!ok) this.state.log('session ticket not cached: the general pool is full', { context: this.id });
  }

  /**
   * The handshake step shared by ISC and ASC: feeds `input` (null on a first client call) to the
   * engine and says what to return.
   */
  step(input: Uint8Array | null, alpn: string[] | null, opts: { mutualAuth: boolean; supplyCreds: boolean }): StepResult {
    const r = this.stepInner(input, alpn, opts);
    if (r.output.length > 0 && (r.status === SEC_I_CONTINUE_NEEDED || r.status === SEC_E_OK)) this.flightSent = true;
    return r;
  }

  private stepInner(input: Uint8Array | null, alpn: string[] | null, opts: { mutualAuth: boolean; supplyCreds: boolean }): StepResult {
    // A fatal alert produced by DecryptMessage goes out once, before anything else: after a
    // fatal alert no close_notify or other record may follow (RFC 8446 §6.2).
    if (this.failureAlert) {
      const out = this.failureAlert;
      this.failureAlert = null;
      this.pendingControl = null;
      this.pendingOutput = null;
      this.releaseEngine();
      return { status: SEC_E_OK, output: out, extra: 0, missing: 0 };
    }
    // §2.9 checks 74–77: a control token applied earlier is turned into its alert record now.
    if (this.pendingControl) {
      const ctl = this.pendingControl;
      this.pendingControl = null;
      const out = this.alertRecord(ctl.level, ctl.description);
      if (ctl.description === TLS1_ALERT_CLOSE_NOTIFY || ctl.level !== TLS1_ALERT_WARNING) this.moveTo('closed');
      return { status: SEC_E_OK, output: out, extra: 0, missing: 0 };
    }
    if (this.pendingOutput) {
      const out = this.pendingOutput;
      this.pendingOutput = null;
      return { status: SEC_E_OK, output: out, extra: input?.length ?? 0, missing: 0 };
    }
    if (!this.engine) {
      const s = this.createEngine(alpn, opts.mutualAuth);
      if (s !== SEC_E_OK) {
        this.moveTo('failed');
        return { status: s, output: new Uint8Array(0), extra: 0, missing: 0 };
      }
      const fresh = this.engine as Engine | null;
      if (fresh instanceof TlsClient || fresh instanceof Tls12Client) {
        const r = fresh.start();
        if (r.error) return this.fail(r.error, r.output);
        if (this.versionChoice) this.versionChoice.sentHello = clientHelloOfFlight(r.output);
        return { status: SEC_I_CONTINUE_NEEDED, output: r.output, extra: 0, missing: 0 };
      }
    }
    const engine = this.engine!;
    if (this.phase === 'awaitingCredentials') {
      // Check 49: the call after SEC_I_INCOMPLETE_CREDENTIALS sends the client's flight, with an
      // empty Certificate when the credential has none.
      const cred = this.credential;
      if (!(engine instanceof TlsClient || engine instanceof Tls12Client)) return { status: SEC_E_INTERNAL_ERROR, output: new Uint8Array(0), extra: 0, missing: 0 };
      const r = engine.provideClientCertificate(
        cred.certificate ? [cred.certificate.pbCertEncoded, ...this.issuerChain(cred.certificate)] : null,
        cred.privateKey,
      );
      if (r.error) return this.fail(r.error, r.output);
      const ev = this.applyEvents(r.events);
      const done = ev.complete || engine.handshakeComplete;
      this.moveTo(done ? 'established' : 'handshake');
      // The Microsoft sample (WebClient.c) calls again with the same input buffer it passed
      // before; the bytes consumed then are not extra now, only what followed them.
      const again = input?.length ?? 0;
      const extra = again >= this.consumedBeforePause ? again - this.consumedBeforePause : again;
      return { status: done ? SEC_E_OK : SEC_I_CONTINUE_NEEDED, output: r.output, extra, missing: 0 };
    }
    if (this.phase === 'closed') {
      // Check 76: the control token is consumed once; without a new one there is nothing to send.
      return { status: SEC_E_INCOMPLETE_MESSAGE, output: new Uint8Array(0), extra: 0, missing: RECORD_HEADER_LENGTH };
    }
    if (this.phase !== 'handshake') return { status: SEC_E_INVALID_TOKEN, output: new Uint8Array(0), extra: 0, missing: 0 };
    // Checks 41–42: nothing to work on yet. Checks 38–39: bytes that do not start a TLS record
    // are not a token at all.
    const sniff = sniffRecord(input ?? new Uint8Array(0));
    if (!input || input.length === 0) return { status: SEC_E_INCOMPLETE_MESSAGE, output: new Uint8Array(0), extra: 0, missing: sniff.kind === 'need' ? sniff.missing : RECORD_HEADER_LENGTH };
    if (sniff.kind === 'not-a-record') return { status: SEC_E_INVALID_TOKEN, output: new Uint8Array(0), extra: 0, missing: 0 };
    const pending = this.chooseVersion(input);
    if (pending) return pending;
    const current = this.engine!;
    const r = current.receive(input);
    if (r.error) return this.fail(r.error, r.output);
    const ev = this.applyEvents(r.events);
    if (r.consumed === 0 && r.output.length === 0 && !ev.complete && !ev.needCert) {
      return { status: SEC_E_INCOMPLETE_MESSAGE, output: r.output, extra: 0, missing: r.missing ?? RECORD_HEADER_LENGTH };
    }
    const extra = input.length - r.consumed;
    if (ev.needCert) {
      const cred = this.credential;
      if (!cred.certificate || !opts.supplyCreds) {
        if (!cred.certificate) {
          this.moveTo('awaitingCredentials');
          this.consumedBeforePause = r.consumed;
          return { status: SEC_I_INCOMPLETE_CREDENTIALS, output: r.output, extra, missing: 0 };
        }
      }
      if (!(current instanceof TlsClient || current instanceof Tls12Client) || !cred.certificate) return { status: SEC_E_INTERNAL_ERROR, output: new Uint8Array(0), extra: 0, missing: 0 };
      const p = current.provideClientCertificate([cred.certificate.pbCertEncoded, ...this.issuerChain(cred.certificate)], cred.privateKey);
      if (p.error) return this.fail(p.error, concat(r.output, p.output));
      this.applyEvents(p.events);
      const done = current.handshakeComplete;
      this.moveTo(done ? 'established' : 'handshake');
      return { status: done ? SEC_E_OK : SEC_I_CONTINUE_NEEDED, output: concat(r.output, p.output), extra, missing: 0 };
    }
    if (ev.complete || current.handshakeComplete) {
      this.moveTo('established');
      return { status: SEC_E_OK, output: r.output, extra, missing: 0 };
    }
    return { status: SEC_I_CONTINUE_NEEDED, output: r.output, extra, missing: 0 };
  }

  private fail(error: TlsError, output: Uint8Array): StepResult {
    // The engine sends its alert itself; when it could not (out of memory before any keys), the
    // alert is 7 bytes a C stack builds on the stack: a plaintext record, as before the keys.
    const e = this.engine;
    const noKeysYet = e instanceof Tls12Client || e instanceof Tls12Server ? !e.writeProtected : this.role === 'server' ? !this.flightSent : e?.cipherSuite === null;
    if (output.length === 0 && error.alert !== null && noKeysYet) {
      output = encodePlaintextAlert(AlertLevel.fatal, error.alert);
    }
    this.moveTo('failed');
    // A failed context is cleanly failed: its TLS state is released (secrets zeroed) at once;
    // the handle stays valid until DeleteSecurityContext, as on Windows.
    this.releaseEngine();
    const status = statusForTlsError(error, this.certFailure);
    this.state.log(`handshake failed: ${error.message}`, { context: this.id, status });
    return { status, output, extra: 0, missing: 0 };
  }

  /**
   * An alert record: protected once the engine has keys (RFC 8446 §5: alerts after the
   * ServerHello are encrypted), else plaintext. A TLS 1.3 context writes legacy_record_version
   * 0x0303 (RFC 8446 §5.1); the reference's `15 03 01 00 02 01 00` (check 75) is what a TLS 1.0
   * credential writes.
   */
  private alertRecord(level: number, description: number): Uint8Array {
    const engine = this.engine;
    if (engine && (engine.cipherSuite !== null || engine instanceof Tls12Client || engine instanceof Tls12Server)) {
      const r = description === TLS1_ALERT_CLOSE_NOTIFY && level === TLS1_ALERT_WARNING ? engine.close() : engine.alert(level, description);
      if (!r.error && r.output.length > 0) return r.output;
    }
    return encodePlaintextAlert(level, description);
  }

  /** `ApplyControlToken` (§2.9). */
  applyControlToken(data: Uint8Array): number {
    // Check 73: shorter than a DWORD → SEC_E_UNSUPPORTED_FUNCTION.
    if (data.length < 4) return SEC_E_UNSUPPORTED_FUNCTION;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const type = dv.getUint32(0, true);
    if (type === SCHANNEL_SHUTDOWN) {
      // Check 74: applying it twice is fine.
      this.pendingControl = { level: TLS1_ALERT_WARNING, description: TLS1_ALERT_CLOSE_NOTIFY };
      return SEC_E_OK;
    }
    if (type === SCHANNEL_ALERT) {
      // Check 77: SCHANNEL_ALERT_TOKEN is 12 bytes.
      if (data.length < 12) return SEC_E_INVALID_TOKEN;
      const level = dv.getUint32(4, true);
      const number = dv.getUint32(8, true);
      if (level < 1 || level > 2 || number > 255) return SEC_E_INVALID_TOKEN;
      this.pendingControl = { level, description: number };
      return SEC_E_OK;
    }
    if (type === SCHANNEL_RENEGOTIATE && this.phase === 'established' && this.engine?.handshakeComplete) {
      // TLS 1.3 has no renegotiation; its rekeying is KeyUpdate (RFC 8446 §4.6.3). cesim maps
      // SCHANNEL_RENEGOTIATE on an established context to KeyUpdate(update_requested), sent by
      // the next ISC/ASC call as Schannel's control tokens are.
      return this.requestKeyUpdate(true);
    }
    // Check 70: SCHANNEL_RENEGOTIATE before the handshake (and anything else) is not supported.
    return SEC_E_UNSUPPORTED_FUNCTION;
  }

  /** The TLS 1.3 record's header and trailer sizes for this context. */
  streamSizes(): { header: number; trailer: number; maximumMessage: number; buffers: number; blockSize: number } {
    const s = this.engine?.streamSizes();
    return s
      ? { header: s.header, trailer: s.trailer, maximumMessage: s.maximumMessage, buffers: s.buffers, blockSize: s.blockSize }
      : { header: 5, trailer: 17, maximumMessage: 16384, buffers: 4, blockSize: 16 };
  }

  /** `EncryptMessage` (check 60): seals the DATA buffer's plaintext into one record. */
  encrypt(plan: StreamSealPlan): number {
    const engine = this.engine;
    if (!engine || this.phase === 'failed') return SEC_E_INVALID_TOKEN;
    if (this.phase === 'closed') return SEC_E_CONTEXT_EXPIRED;
    if (this.phase !== 'established') return SEC_E_INVALID_TOKEN;
    if (plan.refusal) return plan.refusal;
    if (plan.dataLength > this.streamSizes().maximumMessage) return SEC_E_BUFFER_TOO_SMALL;
    const sealed = engine.seal(plan.readData());
    if (sealed.error) return statusForTlsError(sealed.error);
    // The header is the record header plus, in TLS 1.2, the explicit nonce or IV (cbHeader).
    return plan.writeRecord(sealed.record, this.streamSizes().header);
  }

  /** `DecryptMessage` (checks 61–68): opens the record in the DATA buffer in place. */
  decrypt(plan: StreamOpenPlan): number {
    if (plan.refusal) return plan.refusal;
    const engine = this.engine;
    if (!engine || this.phase === 'failed' || this.phase === 'handshake' || this.phase === 'awaitingCredentials') return SEC_E_INVALID_TOKEN;
    if (this.phase === 'closed') return SEC_I_CONTEXT_EXPIRED;
    const r = engine.open(plan.readRecord());
    // Check 65: not a whole record yet.
    if (r.missing !== undefined && r.consumed === 0 && !r.error) return plan.incomplete(r.missing);
    const ev = this.applyEvents(r.events);
    if (r.error) {
      if (r.error.code === 'alert.received' && r.error.receivedAlert === TLS1_ALERT_CLOSE_NOTIFY) ev.closed = true;
      else {
        // The engine sealed the fatal alert this error calls for (RFC 8446 §6.2). The caller
        // gets it as Schannel hands out alerts: the output token of its next ISC/ASC call on
        // this context (the Microsoft samples' shutdown path), which then returns SEC_E_OK.
        if (r.output.length > 0) this.failureAlert = r.output;
        this.moveTo('failed');
        // With no alert to hand out (the peer's own fatal alert), nothing is left to do: the
        // TLS state (traffic keys, secrets) is released now, not at DeleteSecurityContext.
        if (this.failureAlert === null) this.releaseEngine();
        return statusForTlsError(r.error);
      }
    }
    // Check 67: the header covers TLS 1.2's explicit nonce / IV too (13 bytes for AES-GCM).
    const headerLength = Math.min(this.streamSizes().header, Math.max(RECORD_HEADER_LENGTH, r.consumed - r.plaintext.length));
    plan.opened({ headerLength, plaintext: r.plaintext, consumed: r.consumed });
    if (ev.closed) {
      // Check 68: a received close_notify is a clean end: SEC_I_CONTEXT_EXPIRED.
      this.moveTo('closed');
      return SEC_I_CONTEXT_EXPIRED;
    }
    if (r.output.length > 0) {
      // A post-handshake message needs an answer (KeyUpdate with update_requested): the caller
      // gets it from the next ISC/ASC call, as Windows does after SEC_I_RENEGOTIATE.
      this.pendingOutput = this.pendingOutput ? concat(this.pendingOutput, r.output) : r.output;
      return SEC_I_RENEGOTIATE;
    }
    return SEC_E_OK;
  }

  /** Requests a KeyUpdate; its record is returned by the next ISC/ASC call. */
  requestKeyUpdate(updateRequested: boolean): number {
    const engine = this.engine;
    if (!engine || this.phase !== 'established') return SEC_E_INVALID_TOKEN;
    const r = engine.requestKeyUpdate(updateRequested);
    if (r.error) return statusForTlsError(r.error);
    this.pendingOutput = this.pendingOutput ? concat(this.pendingOutput, r.output) : r.output;
    return SEC_E_OK;
  }

  /** The peer's chain as a certificate context whose store holds the whole chain (check 51). */
  remoteCertContext(): CertContext | null {
    if (this.peerChainDer.length === 0) {
      const c = this.engine?.peerCertificateChain;
      if (c && c.length) this.peerChainDer = c.map((d) => d.slice());
    }
    if (this.peerChainDer.length === 0) return null;
    const r = createChainContext(this.peerChainDer);
    return r.ok ? r.value : null;
  }

  /** The context's expiry (the peer certificate's notAfter), as device-local FILETIME words. */
  writeExpiry(t: TimeStamp | null): void {
    if (!t) return;
    if (this.phase !== 'established' || this.expiryMs === 0) {
      // Check 37: 0 until the handshake has produced it.
      t.LowPart = 0;
      t.HighPart = 0;
      return;
    }
    const ft = BigInt(Math.floor(this.expiryMs)) * 10000n + FILETIME_UNIX_EPOCH + BigInt(this.state.device.profile.clock.utcOffsetMinutes) * 600000000n;
    t.LowPart = Number(ft & 0xffffffffn);
    t.HighPart = Number((ft >> 32n) & 0xffffffffn);
  }

  /** Packed user-mode state (MappedContext data): suite, traffic secrets' sizes, sequence numbers. */
  packUserState(): Uint8Array {
    // What user mode needs for the record layer, per direction: AEAD key, static IV (12),
    // sequence number (8) and the traffic secret (for KeyUpdate), plus the suite (2).
    const suite = this.engine?.cipherSuite;
    const keyLen = suite?.name === 'TLS_AES_128_GCM_SHA256' ? 16 : 32;
    const hashLen = suite?.name === 'TLS_AES_256_GCM_SHA384' ? 48 : 32;
    const packed = new Uint8Array(2 + 2 * (keyLen + 12 + 8 + hashLen));
    packed[0] = 0x13;
    packed[1] = suite?.name === 'TLS_AES_128_GCM_SHA256' ? 1 : suite?.name === 'TLS_AES_256_GCM_SHA384' ? 2 : 3;
    return packed;
  }

  private releaseEngine(): void {
    try {
      this.engine?.dispose();
    } catch {
      // dispose never throws by contract; a failure here must not block releasing memory.
    }
    this.engine = null;
    this.offeredSession12?.masterSecret.fill(0);
    this.offeredSession12 = null;
    this.memory.freeAll();
  }

  /** Frees everything: engine state (zeroed), the user-mode half. */
  dispose(): void {
    this.releaseEngine();
    if (this.userBlock) {
      this.userBlock.process.poolFree(this.userBlock.addr);
      this.userBlock = null;
    }
    if (this.current === 'established') this.moveTo('closed');
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}


/** Return-attribute bits for a successful ISC (check 47; Wine's echoes). */
export function iscRetFlags(req: number): number {
  let ret = ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT | ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM;
  if (req & ISC_REQ_EXTENDED_ERROR) ret |= ISC_RET_EXTENDED_ERROR;
  if (req & ISC_REQ_USE_SUPPLIED_CREDS) ret |= ISC_RET_USED_SUPPLIED_CREDS;
  if (req & ISC_REQ_MANUAL_CRED_VALIDATION) ret |= ISC_RET_MANUAL_CRED_VALIDATION;
  if (req & ISC_REQ_DATAGRAM) ret |= ISC_RET_DATAGRAM;
  return ret >>> 0;
}

/**
 * Return-attribute bits of a failed ISC or ASC (check 32: CONFIDENTIALITY|SEQUENCE|REPLAY =
 * 0x1C; the ASC_RET_ bits of these three have the same values).
 */
export const ISC_RET_ON_FAILURE = (ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT | ISC_RET_CONFIDENTIALITY) >>> 0;

/** Return-attribute bits for ASC (check 79, Wine's set). */
export function ascRetFlags(req: number): number {
  let ret = ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT | ASC_RET_CONFIDENTIALITY | ASC_RET_STREAM;
  if (req & ASC_REQ_EXTENDED_ERROR) ret |= ASC_RET_EXTENDED_ERROR;
  if (req & ASC_REQ_MUTUAL_AUTH) ret |= ASC_RET_MUTUAL_AUTH;
  return ret >>> 0;
}

/** Whether the request asks the package to allocate output tokens. */
export function wantsAllocation(req: number, kind: 'isc' | 'asc'): boolean {
  return (req & (kind === 'isc' ? ISC_REQ_ALLOCATE_MEMORY : ASC_REQ_ALLOCATE_MEMORY)) !== 0;
}

