/**
 * The NTLM exchange (MS-NLMP §3.1 client, §3.2 server) as two state machines over bytes: no SSPI,
 * no memory, no I/O. Time (a FILETIME) and randomness come in through the crypto interface and
 * the configuration; the SSP/AP package (`ntlm/package.ts`) drives them.
 *
 * Client:  Initial --negotiate--> ExpectChallenge --challenge--> Established
 * Server:  ExpectNegotiate --negotiate--> ExpectAuthenticate --authenticate--> Established
 */
import { StateTable } from '../../common/index.js';
import type { NtlmCrypto } from '../crypto/primitives.js';
import { NtlmError } from './errors.js';
import { concat, constantTimeEqual, fromOem, fromUtf16le, getU32, oem, putU32, utf16le } from './bytes.js';
import {
  AUTHENTICATE_MIC_OFFSET,
  decodeAuthenticate,
  decodeAvPairs,
  decodeChallenge,
  decodeNegotiate,
  decodeNtlmv2ClientChallenge,
  encodeAuthenticate,
  encodeAvPairs,
  encodeChallenge,
  encodeNegotiate,
  encodeNtlmv2ClientChallenge,
  findAv,
  type AvPair,
  type NtlmVersion,
} from './codec.js';
import * as K from './constants.js';
import { computeMic, kxkeyV1, lmowfv1, ntlmv1Responses, ntlmv2Responses, ntowfv2FromHash } from './compute.js';
import { NtlmSession } from './session.js';

/** An all-zero VERSION: the field present, its value unset (MS-NLMP §2.2.2.10). */
const ZERO_VERSION: NtlmVersion = { major: 0, minor: 0, build: 0, revision: 0 };

/** States of the client (MS-NLMP §3.1.1). */
export type ClientState = 'Initial' | 'ExpectChallenge' | 'Established' | 'Failed';
/** States of the server (MS-NLMP §3.2.1). */
export type ServerState = 'ExpectNegotiate' | 'ExpectAuthenticate' | 'Established' | 'Failed';
/** Messages that move the machines. */
export type NtlmEvent = 'negotiate' | 'challenge' | 'authenticate' | 'error';

/** The client's transitions. */
export const CLIENT_TABLE = new StateTable<ClientState, NtlmEvent>(
  'NTLM client',
  'Initial',
  [
    { from: 'Initial', on: 'negotiate', to: 'ExpectChallenge', note: 'NEGOTIATE sent' },
    { from: 'ExpectChallenge', on: 'challenge', to: 'Established', note: 'AUTHENTICATE sent' },
    { from: 'ExpectChallenge', on: 'error', to: 'Failed' },
  ],
  { final: ['Established', 'Failed'] },
);

/** The server's transitions. */
export const SERVER_TABLE = new StateTable<ServerState, NtlmEvent>(
  'NTLM server',
  'ExpectNegotiate',
  [
    { from: 'ExpectNegotiate', on: 'negotiate', to: 'ExpectAuthenticate', note: 'CHALLENGE sent' },
    { from: 'ExpectAuthenticate', on: 'authenticate', to: 'Established' },
    { from: 'ExpectAuthenticate', on: 'error', to: 'Failed' },
  ],
  { final: ['Established', 'Failed'] },
);

/** What a client authenticates with: the names and the password's one-way functions. */
export interface NtlmIdentity {
  /** User name. */
  user: string;
  /** Domain name (empty: the server's). */
  domain: string;
  /** NTOWFv1 = MD4(UNICODE(password)). */
  ntHash: Uint8Array;
  /** LMOWFv1, or null when only the NT hash is known (no LM response then). */
  lmHash: Uint8Array | null;
}

/** The client's configuration. */
export interface ClientConfig {
  /** `LmCompatibilityLevelClient` (0–5). */
  level: number;
  /** The identity; null for anonymous (not supported: the package refuses before). */
  identity: NtlmIdentity;
  /** The device's NetBIOS name (Workstation). */
  workstation: string;
  /** `pszTargetName`, sent as MsvAvTargetName in NTLMv2. */
  targetName: string | null;
  /** MD5 of the gss_channel_bindings_struct (MsvAvChannelBindings), or null. */
  channelBindingsHash: Uint8Array | null;
  /** Extra flags the caller's `fContextReq` asks for (SIGN, SEAL). */
  requestFlags: number;
  /** The VERSION to send, or null (then NTLMSSP_NEGOTIATE_VERSION is not requested). */
  version: NtlmVersion | null;
  /** The device clock as a FILETIME. */
  now(): bigint;
}

/** What the client offers in NEGOTIATE for a level (MS-NLMP §3.1.5.1.1). */
export function clientOfferFlags(level: number, requestFlags: number, withVersion: boolean): number {
  let f =
    K.NTLMSSP_NEGOTIATE_UNICODE |
    K.NTLM_NEGOTIATE_OEM |
    K.NTLMSSP_REQUEST_TARGET |
    K.NTLMSSP_NEGOTIATE_NTLM |
    K.NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
    K.NTLMSSP_NEGOTIATE_56 |
    K.NTLMSSP_NEGOTIATE_128 |
    K.NTLMSSP_NEGOTIATE_KEY_EXCH;
  // Level 0 never uses NTLMv2 session security; it may use the LM session key instead.
  f |= level === 0 ? K.NTLMSSP_NEGOTIATE_LM_KEY : K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
  if (withVersion) f |= K.NTLMSSP_NEGOTIATE_VERSION;
  return (f | requestFlags) >>> 0;
}

/** Which response the client sent. */
export type NtlmResponseKind = 'LM+NTLMv1' | 'NTLMv1' | 'NTLMv1+ESS' | 'NTLMv2';

/** One leg as the trace shows it. */
export interface NtlmLeg {
  /** Message type (1, 2, 3). */
  type: number;
  /** NegotiateFlags. */
  flags: number;
  /** Bytes. */
  size: number;
}

/** The result of an established context. */
export interface Established {
  /** The negotiated flags. */
  flags: number;
  /** The ExportedSessionKey (SECPKG_ATTR_SESSION_KEY). */
  sessionKey: Uint8Array;
  /** Session security. */
  session: NtlmSession;
  /** The authenticated user and domain. */
  user: string;
  /** Domain. */
  domain: string;
  /** Workstation of the client. */
  workstation: string;
  /** Which response was used. */
  response: NtlmResponseKind;
  /** Whether a MIC was sent or checked. */
  mic: boolean;
}

/** The NTLM client (MS-NLMP §3.1.5.1). */
export class NtlmClient {
  /** Current state. */
  state: ClientState = 'Initial';
  /** The legs so far. */
  readonly legs: NtlmLeg[] = [];
  private negotiateBytes: Uint8Array | null = null;
  private offered = 0;
  /** Set once established. */
  result: Established | null = null;

  /** @param c crypto @param config configuration */
  constructor(
    private readonly c: NtlmCrypto,
    private readonly config: ClientConfig,
  ) {}

  private move(on: NtlmEvent): void {
    const to = CLIENT_TABLE.move(this.state, on);
    if (!to) throw new NtlmError('misuse', `NTLM client: ${on} in state ${this.state}`);
    this.state = to;
  }

  /** Leg 1: the NEGOTIATE_MESSAGE. */
  negotiate(): Uint8Array {
    if (!CLIENT_TABLE.check(this.state, 'negotiate')) throw new NtlmError('misuse', `NTLM client: negotiate in state ${this.state}`);
    this.offered = clientOfferFlags(this.config.level, this.config.requestFlags, this.config.version !== null);
    // The Version field is always present (zero unless NTLMSSP_NEGOTIATE_VERSION, §2.2.1.1), as
    // Windows sends it: gss-ntlmssp refuses a NEGOTIATE_MESSAGE shorter than 40 bytes.
    const msg = encodeNegotiate({ flags: this.offered, domain: new Uint8Array(0), workstation: new Uint8Array(0), version: this.config.version ?? ZERO_VERSION });
    this.negotiateBytes = msg;
    this.legs.push({ type: K.NtLmNegotiate, flags: this.offered, size: msg.length });
    this.move('negotiate');
    return msg;
  }

  /**
   * Leg 3: the AUTHENTICATE_MESSAGE answering a CHALLENGE_MESSAGE. Throws NtlmError: 'decode' or
   * 'peer' for a bad challenge, 'incompatible' when the configured level cannot answer it.
   */
  authenticate(challengeBytes: Uint8Array): Uint8Array {
    if (!CLIENT_TABLE.check(this.state, 'challenge')) throw new NtlmError('misuse', `NTLM client: challenge in state ${this.state}`);
    try {
      const out = this.answer(challengeBytes);
      this.move('challenge');
      return out;
    } catch (e) {
      // A failed call leaves the context usable (the caller may retry with another token): only
      // the state machine's error row is taken for protocol failures.
      if (e instanceof NtlmError && (e.kind === 'incompatible' || e.kind === 'peer')) this.move('error');
      throw e;
    }
  }

  private answer(challengeBytes: Uint8Array): Uint8Array {
    const { c, config } = this;
    const id = config.identity;
    const ch = decodeChallenge(challengeBytes).message;
    this.legs.push({ type: K.NtLmChallenge, flags: ch.flags, size: challengeBytes.length });
    // MS-NLMP §3.1.5.1.2: the client uses the flags the server selected, within what it offered.
    let flags = (ch.flags & this.offered) >>> 0;
    if ((flags & K.NTLMSSP_NEGOTIATE_UNICODE) !== 0) flags &= ~K.NTLM_NEGOTIATE_OEM;
    // §2.2.2.5 P: with both, extended session security wins over LM_KEY.
    if ((flags & K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0) flags &= ~K.NTLMSSP_NEGOTIATE_LM_KEY;
    // Keep the server's target type bits and TARGET_INFO in what the AUTHENTICATE says.
    flags |= ch.flags & (K.NTLMSSP_TARGET_TYPE_DOMAIN | K.NTLMSSP_TARGET_TYPE_SERVER | K.NTLMSSP_NEGOTIATE_TARGET_INFO);
    flags >>>= 0;
    const unicode = (flags & K.NTLMSSP_NEGOTIATE_UNICODE) !== 0;
    if (!unicode && (flags & K.NTLM_NEGOTIATE_OEM) === 0) throw new NtlmError('peer', 'CHALLENGE_MESSAGE selects neither UNICODE nor OEM (MS-NLMP §2.2.2.5 A/B)');
    const v2 = config.level >= 3;
    if (!v2 && (ch.flags & K.NTLMSSP_NEGOTIATE_NTLM) === 0) {
      throw new NtlmError('incompatible', `the server does not offer NTLM and LmCompatibilityLevelClient ${config.level} sends no NTLMv2`);
    }
    const str = (s: string): Uint8Array => (unicode ? utf16le(s) : oem(s));
    const clientChallenge = c.random(8);
    let lm: Uint8Array;
    let nt: Uint8Array;
    let kx: Uint8Array;
    let response: NtlmResponseKind;
    let micWanted = false;
    if (v2) {
      // MS-NLMP §3.1.5.1.2 (NTLMv2): the server's AV pairs plus the client's.
      const serverPairs = ch.targetInfo && ch.targetInfo.length > 0 ? decodeAvPairs(ch.targetInfo) : [];
      const pairs: AvPair[] = serverPairs.filter((p) => p.id !== K.MsvAvFlags && p.id !== K.MsvAvTargetName && p.id !== K.MsvAvChannelBindings);
      const serverTime = findAv(serverPairs, K.MsvAvTimestamp);
      let avFlags = serverPairs.length > 0 ? getAvFlags(serverPairs) : 0;
      // A MIC goes with the server's timestamp (§3.1.5.1.2: "If the CHALLENGE_MESSAGE TargetInfo
      // field has an MsvAvTimestamp present, the client SHOULD provide a MIC").
      if (serverTime) {
        avFlags |= K.MSV_AV_FLAG_MIC;
        micWanted = true;
      }
      if (serverPairs.length > 0) {
        const fv = new Uint8Array(4);
        putU32(fv, 0, avFlags);
        pairs.push({ id: K.MsvAvFlags, value: fv });
      }
      if (config.channelBindingsHash) pairs.push({ id: K.MsvAvChannelBindings, value: config.channelBindingsHash });
      else if (serverPairs.length > 0) pairs.push({ id: K.MsvAvChannelBindings, value: new Uint8Array(16) });
      if (config.targetName !== null) pairs.push({ id: K.MsvAvTargetName, value: utf16le(config.targetName) });
      const time = serverTime ?? fileTimeBytes(config.now());
      const temp = encodeNtlmv2ClientChallenge({ timestamp: time, clientChallenge, avPairs: pairs });
      const key = ntowfv2FromHash(c, id.ntHash, id.user, id.domain);
      const r = ntlmv2Responses(c, key, ch.serverChallenge, clientChallenge, temp, serverTime !== null);
      lm = r.lm;
      nt = r.nt;
      kx = r.sessionBaseKey; // §3.4.5.1: KXKEY is the SessionBaseKey for NTLMv2
      response = 'NTLMv2';
    } else {
      const lmHash = id.lmHash ?? new Uint8Array(16);
      const noLm = config.level >= 2 || id.lmHash === null;
      const r = ntlmv1Responses(c, flags, id.ntHash, lmHash, ch.serverChallenge, clientChallenge, noLm);
      lm = r.lm;
      nt = r.nt;
      kx = kxkeyV1(c, flags, r.sessionBaseKey, lm, ch.serverChallenge, lmHash);
      response = (flags & K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0 ? 'NTLMv1+ESS' : noLm ? 'NTLMv1' : 'LM+NTLMv1';
    }
    let exported = kx;
    let encryptedKey: Uint8Array = new Uint8Array(0);
    if ((flags & K.NTLMSSP_NEGOTIATE_KEY_EXCH) !== 0) {
      exported = c.random(16);
      encryptedKey = c.rc4k(kx, exported);
    }
    const message = {
      lmChallengeResponse: lm,
      ntChallengeResponse: nt,
      domain: str(id.domain),
      user: str(id.user),
      workstation: str(config.workstation),
      encryptedRandomSessionKey: encryptedKey,
      flags,
      version: config.version ?? ZERO_VERSION,
      mic: micWanted ? new Uint8Array(16) : null,
    };
    let out = encodeAuthenticate(message);
    if (micWanted) {
      const mic = computeMic(c, exported, this.negotiateBytes!, challengeBytes, out);
      out.set(mic, AUTHENTICATE_MIC_OFFSET);
    }
    this.legs.push({ type: K.NtLmAuthenticate, flags, size: out.length });
    this.result = {
      flags,
      sessionKey: exported,
      session: new NtlmSession(c, flags, exported, 'client'),
      user: id.user,
      domain: id.domain,
      workstation: config.workstation,
      response,
      mic: micWanted,
    };
    return out;
  }
}

function getAvFlags(pairs: readonly AvPair[]): number {
  const v = findAv(pairs, K.MsvAvFlags);
  return v && v.length === 4 ? getU32(v, 0) : 0;
}

/** A FILETIME as its 8 little-endian bytes. */
export function fileTimeBytes(ft: bigint): Uint8Array {
  const b = new Uint8Array(8);
  putU32(b, 0, Number(ft & 0xffffffffn));
  putU32(b, 4, Number((ft >> 32n) & 0xffffffffn));
  return b;
}

/** A device account as the server's account store gives it. */
export interface NtlmAccount {
  /** The account name as stored. */
  user: string;
  /** NTOWFv1. */
  ntHash: Uint8Array;
  /** LMOWFv1, or null when only the NT hash is stored. */
  lmHash: Uint8Array | null;
}

/** The server's configuration. */
export interface ServerConfig {
  /** `LmCompatibilityLevelServer` (MS-NLMP §3.2.5.1.2): 4 refuses LM, 5 refuses LM and NTLMv1. */
  level: number;
  /** The device's NetBIOS computer name. */
  computerName: string;
  /** The device's NetBIOS domain (CE standalone: the workgroup). */
  domainName: string;
  /** Looks up an account of the device (case-insensitive user); null when unknown. */
  lookup(user: string, domain: string): NtlmAccount | null;
  /** Expected channel-binding hash, or null to accept any/none. */
  channelBindingsHash: Uint8Array | null;
  /** The VERSION to send, or null. */
  version: NtlmVersion | null;
  /** The device clock as a FILETIME. */
  now(): bigint;
}

/** The NTLM server (MS-NLMP §3.2.5). */
export class NtlmServer {
  /** Current state. */
  state: ServerState = 'ExpectNegotiate';
  /** The legs so far. */
  readonly legs: NtlmLeg[] = [];
  private negotiateBytes: Uint8Array | null = null;
  private challengeBytes: Uint8Array | null = null;
  private serverChallenge: Uint8Array | null = null;
  private flags = 0;
  /** Set once established. */
  result: Established | null = null;

  /** @param c crypto @param config configuration */
  constructor(
    private readonly c: NtlmCrypto,
    private readonly config: ServerConfig,
  ) {}

  /** Leg 2: the CHALLENGE_MESSAGE answering a NEGOTIATE_MESSAGE (MS-NLMP §3.2.5.1.1). */
  challenge(negotiateBytes: Uint8Array): Uint8Array {
    if (!SERVER_TABLE.check(this.state, 'negotiate')) throw new NtlmError('peer', `NTLM server: NEGOTIATE in state ${this.state}`);
    const neg = decodeNegotiate(negotiateBytes).message;
    this.legs.push({ type: K.NtLmNegotiate, flags: neg.flags, size: negotiateBytes.length });
    const supported =
      K.NTLMSSP_NEGOTIATE_UNICODE | K.NTLM_NEGOTIATE_OEM | K.NTLMSSP_NEGOTIATE_SIGN | K.NTLMSSP_NEGOTIATE_SEAL | K.NTLMSSP_NEGOTIATE_NTLM |
      K.NTLMSSP_NEGOTIATE_ALWAYS_SIGN | K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | K.NTLMSSP_NEGOTIATE_56 | K.NTLMSSP_NEGOTIATE_128 |
      K.NTLMSSP_NEGOTIATE_KEY_EXCH | K.NTLMSSP_NEGOTIATE_LM_KEY | (this.config.version ? K.NTLMSSP_NEGOTIATE_VERSION : 0);
    let flags = (neg.flags & supported) >>> 0;
    if ((flags & K.NTLMSSP_NEGOTIATE_UNICODE) !== 0) flags &= ~K.NTLM_NEGOTIATE_OEM;
    else if ((flags & K.NTLM_NEGOTIATE_OEM) === 0) throw new NtlmError('peer', 'NEGOTIATE_MESSAGE offers neither UNICODE nor OEM (MS-NLMP §3.2.5.1.1)');
    if ((flags & K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0) flags &= ~K.NTLMSSP_NEGOTIATE_LM_KEY;
    flags |= K.NTLMSSP_TARGET_TYPE_SERVER | K.NTLMSSP_NEGOTIATE_TARGET_INFO | K.NTLMSSP_NEGOTIATE_NTLM;
    if ((neg.flags & K.NTLMSSP_REQUEST_TARGET) !== 0) flags |= K.NTLMSSP_REQUEST_TARGET;
    flags >>>= 0;
    const unicode = (flags & K.NTLMSSP_NEGOTIATE_UNICODE) !== 0;
    const serverChallenge = this.c.random(8);
    const targetInfo = encodeAvPairs([
      { id: K.MsvAvNbDomainName, value: utf16le(this.config.domainName) },
      { id: K.MsvAvNbComputerName, value: utf16le(this.config.computerName) },
      { id: K.MsvAvDnsDomainName, value: utf16le(this.config.domainName.toLowerCase()) },
      { id: K.MsvAvDnsComputerName, value: utf16le(this.config.computerName.toLowerCase()) },
      { id: K.MsvAvTimestamp, value: fileTimeBytes(this.config.now()) },
    ]);
    const out = encodeChallenge({
      targetName: unicode ? utf16le(this.config.computerName) : oem(this.config.computerName),
      flags,
      serverChallenge,
      reserved: new Uint8Array(8),
      targetInfo,
      version: (flags & K.NTLMSSP_NEGOTIATE_VERSION) !== 0 && this.config.version ? this.config.version : ZERO_VERSION,
    });
    this.legs.push({ type: K.NtLmChallenge, flags, size: out.length });
    this.negotiateBytes = negotiateBytes.slice();
    this.challengeBytes = out;
    this.serverChallenge = serverChallenge;
    this.flags = flags;
    this.state = SERVER_TABLE.move(this.state, 'negotiate')!;
    return out;
  }

  /**
   * Leg 3: checks an AUTHENTICATE_MESSAGE (MS-NLMP §3.2.5.1.2). Throws NtlmError 'decode' or
   * 'peer' (SEC_E_INVALID_TOKEN), 'logon' (SEC_E_LOGON_DENIED), 'altered' (a bad MIC),
   * 'bindings' (channel bindings that do not match).
   */
  authenticate(authBytes: Uint8Array): Established {
    if (!SERVER_TABLE.check(this.state, 'authenticate')) throw new NtlmError('peer', `NTLM server: AUTHENTICATE in state ${this.state}`);
    try {
      const r = this.check(authBytes);
      this.state = SERVER_TABLE.move(this.state, 'authenticate')!;
      this.result = r;
      return r;
    } catch (e) {
      this.state = SERVER_TABLE.move(this.state, 'error')!;
      throw e;
    }
  }

  private check(authBytes: Uint8Array): Established {
    const { c, config } = this;
    const au = decodeAuthenticate(authBytes).message;
    this.legs.push({ type: K.NtLmAuthenticate, flags: au.flags, size: authBytes.length });
    const unicode = (this.flags & K.NTLMSSP_NEGOTIATE_UNICODE) !== 0;
    const str = (b: Uint8Array): string => (unicode ? fromUtf16le(b) : fromOem(b));
    const user = str(au.user);
    const domain = str(au.domain);
    const workstation = str(au.workstation);
    // The flags of the AUTHENTICATE must be within what the CHALLENGE selected.
    let flags = this.flags;
    if ((au.flags & K.NTLMSSP_NEGOTIATE_KEY_EXCH) === 0) flags &= ~K.NTLMSSP_NEGOTIATE_KEY_EXCH;
    flags = (flags & (au.flags | K.NTLMSSP_TARGET_TYPE_SERVER | K.NTLMSSP_NEGOTIATE_TARGET_INFO | K.NTLMSSP_REQUEST_TARGET)) >>> 0;
    if (au.ntChallengeResponse.length === 0 && au.lmChallengeResponse.length <= 1) {
      throw new NtlmError('logon', 'anonymous AUTHENTICATE_MESSAGE: anonymous NTLM is not accepted');
    }
    const account = config.lookup(user, domain);
    if (!account) throw new NtlmError('logon', `no account ${JSON.stringify(user)} on this device`);
    const sc = this.serverChallenge!;
    let kx: Uint8Array;
    let response: NtlmResponseKind;
    let mic = false;
    if (au.ntChallengeResponse.length > 24) {
      // NTLMv2 (§3.3.2): NTProofStr ‖ temp.
      const temp = au.ntChallengeResponse.subarray(16);
      const cc = decodeNtlmv2ClientChallenge(temp);
      // §3.2.5.1.2: the user name as the client sent it and the domain it sent.
      let ok: ReturnType<typeof ntlmv2Responses> | null = null;
      for (const d of domain === '' ? [''] : [domain, '']) {
        const key = ntowfv2FromHash(c, account.ntHash, user, d);
        const r = ntlmv2Responses(c, key, sc, cc.clientChallenge, temp, false);
        if (constantTimeEqual(r.ntProofStr, au.ntChallengeResponse.subarray(0, 16))) {
          ok = r;
          break;
        }
      }
      if (!ok) throw new NtlmError('logon', 'NTLMv2 response does not match the account password');
      const avFlags = getAvFlags(cc.avPairs);
      const cbt = findAv(cc.avPairs, K.MsvAvChannelBindings);
      if (config.channelBindingsHash && !(cbt && constantTimeEqual(cbt, config.channelBindingsHash))) {
        throw new NtlmError('bindings', 'MsvAvChannelBindings does not match the channel (MS-NLMP §3.2.5.1.2)');
      }
      mic = (avFlags & K.MSV_AV_FLAG_MIC) !== 0;
      kx = ok.sessionBaseKey;
      response = 'NTLMv2';
    } else {
      // §3.2.5.1.2 with LmCompatibilityLevel: 5 refuses LM and NTLM, 4 refuses LM.
      if (config.level >= 5) throw new NtlmError('logon', 'NTLMv1 refused at LmCompatibilityLevelServer 5');
      if (au.ntChallengeResponse.length !== 24) throw new NtlmError('logon', 'no NTLM response (LM only)');
      const lmHash = account.lmHash ?? new Uint8Array(16);
      const ess = (flags & K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0;
      const r = ntlmv1Responses(c, flags, account.ntHash, lmHash, sc, au.lmChallengeResponse.subarray(0, 8));
      if (!constantTimeEqual(r.nt, au.ntChallengeResponse)) throw new NtlmError('logon', 'NTLMv1 response does not match the account password');
      response = ess ? 'NTLMv1+ESS' : constantTimeEqual(au.lmChallengeResponse, au.ntChallengeResponse) ? 'NTLMv1' : 'LM+NTLMv1';
      kx = kxkeyV1(c, flags, r.sessionBaseKey, au.lmChallengeResponse, sc, lmHash);
    }
    let exported = kx;
    if ((flags & K.NTLMSSP_NEGOTIATE_KEY_EXCH) !== 0) {
      if (au.encryptedRandomSessionKey.length !== 16) throw new NtlmError('peer', 'KEY_EXCH without a 16-byte EncryptedRandomSessionKey');
      exported = c.rc4k(kx, au.encryptedRandomSessionKey);
    }
    if (mic) {
      if (!au.mic) throw new NtlmError('peer', 'MsvAvFlags announces a MIC but the message has none');
      const zeroed = authBytes.slice();
      zeroed.fill(0, AUTHENTICATE_MIC_OFFSET, AUTHENTICATE_MIC_OFFSET + 16);
      const want = computeMic(c, exported, this.negotiateBytes!, this.challengeBytes!, zeroed);
      if (!constantTimeEqual(want, au.mic)) throw new NtlmError('altered', 'MIC does not match the three messages (MS-NLMP §3.2.5.1.2)');
    }
    return { flags, sessionKey: exported, session: new NtlmSession(c, flags, exported, 'server'), user: account.user, domain, workstation, response, mic };
  }
}

/** Helper for tests and tools: the identity of a password. */
export function identityFromPassword(c: NtlmCrypto, user: string, domain: string, password: string): NtlmIdentity {
  return { user, domain, ntHash: c.md4(utf16le(password)), lmHash: password.length <= 14 ? lmowfv1(c, password) : null };
}

/** Bytes of a FILETIME read back (tests). */
export function fileTimeOf(b: Uint8Array): bigint {
  return BigInt(getU32(b, 0)) | (BigInt(getU32(b, 4)) << 32n);
}

export { concat };
