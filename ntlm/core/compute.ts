/**
 * The NTLM computations of MS-NLMP §3.3 and §3.4.5: the one-way functions (LMOWFv1, NTOWFv1,
 * NTOWFv2), the challenge responses of NTLMv1, NTLMv1 with extended session security and
 * NTLMv2, the session base key, KXKEY, SIGNKEY, SEALKEY and the MIC. Pure functions over the
 * crypto interface: no state, no I/O.
 */
import type { NtlmCrypto } from '../crypto/primitives.js';
import { concat, oem, utf16le } from './bytes.js';
import {
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_LM_KEY,
  NTLMSSP_REQUEST_NON_NT_SESSION_KEY,
} from './constants.js';

/** "KGS!@#$%", the LM hash's plaintext (MS-NLMP §3.3.1). */
const LM_MAGIC = oem('KGS!@#$%');

/** DESL(K, D) (MS-NLMP §6): three DES encryptions of D under the 16-byte K split 7/7/2+5 zeros. */
export function desl(c: NtlmCrypto, key16: Uint8Array, data8: Uint8Array): Uint8Array {
  const k3 = new Uint8Array(7);
  k3.set(key16.subarray(14, 16), 0);
  return concat(c.des(key16.subarray(0, 7), data8), c.des(key16.subarray(7, 14), data8), c.des(k3, data8));
}

/**
 * LMOWFv1(Passwd) (MS-NLMP §3.3.1): DES("KGS!@#$%") under each half of the upper-cased OEM
 * password, padded or cut to 14 bytes.
 */
export function lmowfv1(c: NtlmCrypto, password: string): Uint8Array {
  const p = new Uint8Array(14);
  p.set(oem(password.toUpperCase()).subarray(0, 14));
  return concat(c.des(p.subarray(0, 7), LM_MAGIC), c.des(p.subarray(7, 14), LM_MAGIC));
}

/** NTOWFv1(Passwd) = MD4(UNICODE(Passwd)) (MS-NLMP §3.3.1). */
export function ntowfv1(c: NtlmCrypto, password: string): Uint8Array {
  return c.md4(utf16le(password));
}

/**
 * NTOWFv2 = HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(Uppercase(User) ‖ UserDom)) (MS-NLMP §3.3.2),
 * from the NT hash so that an account store of hashes serves too. LMOWFv2 is the same value.
 */
export function ntowfv2FromHash(c: NtlmCrypto, ntHash: Uint8Array, user: string, domain: string): Uint8Array {
  return c.hmacMd5(ntHash, utf16le(user.toUpperCase() + domain));
}

/** The responses and session base key of one authentication. */
export interface ChallengeResponses {
  /** LmChallengeResponse. */
  lm: Uint8Array;
  /** NtChallengeResponse. */
  nt: Uint8Array;
  /** SessionBaseKey. */
  sessionBaseKey: Uint8Array;
}

/**
 * NTLMv1 responses (MS-NLMP §3.3.1). Without extended session security: DESL of the server
 * challenge under each OWF; with `noLmResponse` (LmCompatibilityLevel 2) the LM response is a
 * copy of the NT response. With NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY: the NT response is
 * DESL(NTOWF, MD5(ServerChallenge ‖ ClientChallenge)[0..7]) and the LM response is
 * ClientChallenge ‖ Z(16). SessionBaseKey = MD4(NTOWFv1).
 */
export function ntlmv1Responses(
  c: NtlmCrypto,
  flags: number,
  ntHash: Uint8Array,
  lmHash: Uint8Array,
  serverChallenge: Uint8Array,
  clientChallenge: Uint8Array,
  noLmResponse = false,
): ChallengeResponses {
  const sessionBaseKey = c.md4(ntHash);
  if ((flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0) {
    const h = c.md5(concat(serverChallenge, clientChallenge)).subarray(0, 8);
    return { nt: desl(c, ntHash, h), lm: concat(clientChallenge, new Uint8Array(16)), sessionBaseKey };
  }
  const nt = desl(c, ntHash, serverChallenge);
  return { nt, lm: noLmResponse ? nt.slice() : desl(c, lmHash, serverChallenge), sessionBaseKey };
}

/**
 * NTLMv2 responses (MS-NLMP §3.3.2): NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge ‖ temp),
 * NtChallengeResponse = NTProofStr ‖ temp, LmChallengeResponse = HMAC_MD5(LMOWFv2,
 * ServerChallenge ‖ ClientChallenge) ‖ ClientChallenge, or Z(24) when the server sent an
 * MsvAvTimestamp (§3.1.5.1.2). SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr).
 */
export function ntlmv2Responses(
  c: NtlmCrypto,
  responseKey: Uint8Array,
  serverChallenge: Uint8Array,
  clientChallenge: Uint8Array,
  temp: Uint8Array,
  zeroLm: boolean,
): ChallengeResponses & { ntProofStr: Uint8Array } {
  const ntProofStr = c.hmacMd5(responseKey, concat(serverChallenge, temp));
  const lm = zeroLm ? new Uint8Array(24) : concat(c.hmacMd5(responseKey, concat(serverChallenge, clientChallenge)), clientChallenge);
  return { nt: concat(ntProofStr, temp), lm, sessionBaseKey: c.hmacMd5(responseKey, ntProofStr), ntProofStr };
}

/**
 * KXKEY (MS-NLMP §3.4.5.1) for NTLMv1. With extended session security:
 * HMAC_MD5(SessionBaseKey, ServerChallenge ‖ LmChallengeResponse[0..7]). Else with
 * NTLMSSP_NEGOTIATE_LM_KEY: DES(LMOWF[0..6], LmResp[0..7]) ‖ DES(LMOWF[7] ‖ 0xBD×6, LmResp[0..7]).
 * Else with NTLMSSP_REQUEST_NON_NT_SESSION_KEY: LMOWF[0..7] ‖ Z(8). Else SessionBaseKey.
 * (For NTLMv2 KXKEY is the SessionBaseKey; callers pass it through.)
 */
export function kxkeyV1(
  c: NtlmCrypto,
  flags: number,
  sessionBaseKey: Uint8Array,
  lmChallengeResponse: Uint8Array,
  serverChallenge: Uint8Array,
  lmHash: Uint8Array,
): Uint8Array {
  if ((flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0) {
    return c.hmacMd5(sessionBaseKey, concat(serverChallenge, lmChallengeResponse.subarray(0, 8)));
  }
  if ((flags & NTLMSSP_NEGOTIATE_LM_KEY) !== 0) {
    const k2 = new Uint8Array(7).fill(0xbd);
    k2[0] = lmHash[7]!;
    const d = lmChallengeResponse.subarray(0, 8);
    return concat(c.des(lmHash.subarray(0, 7), d), c.des(k2, d));
  }
  if ((flags & NTLMSSP_REQUEST_NON_NT_SESSION_KEY) !== 0) return concat(lmHash.subarray(0, 8), new Uint8Array(8));
  return sessionBaseKey.slice();
}

const MAGIC = (s: string): Uint8Array => concat(oem(s), new Uint8Array(1));
const C2S_SIGN = MAGIC('session key to client-to-server signing key magic constant');
const S2C_SIGN = MAGIC('session key to server-to-client signing key magic constant');
const C2S_SEAL = MAGIC('session key to client-to-server sealing key magic constant');
const S2C_SEAL = MAGIC('session key to server-to-client sealing key magic constant');

/** Which direction a key protects. */
export type Direction = 'client-to-server' | 'server-to-client';

/**
 * SIGNKEY (MS-NLMP §3.4.5.2): with extended session security MD5(ExportedSessionKey ‖ magic);
 * without it there is no signing key (signatures use the sealing RC4), null.
 */
export function signKey(c: NtlmCrypto, flags: number, exportedSessionKey: Uint8Array, dir: Direction): Uint8Array | null {
  if ((flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) === 0) return null;
  return c.md5(concat(exportedSessionKey, dir === 'client-to-server' ? C2S_SIGN : S2C_SIGN));
}

/**
 * SEALKEY (MS-NLMP §3.4.5.3). With extended session security: MD5 of the key cut to 16, 7 or 5
 * bytes (NEGOTIATE_128, NEGOTIATE_56, else 40-bit) and the direction's magic. Without it, with
 * NEGOTIATE_LM_KEY: 56-bit `key[0..6] ‖ 0xA0` or 40-bit `key[0..4] ‖ 0xE5 0x38 0xB0`; else the
 * ExportedSessionKey itself.
 */
export function sealKey(c: NtlmCrypto, flags: number, exportedSessionKey: Uint8Array, dir: Direction): Uint8Array {
  const k = exportedSessionKey;
  if ((flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0) {
    const cut = (flags & NTLMSSP_NEGOTIATE_128) !== 0 ? k : (flags & NTLMSSP_NEGOTIATE_56) !== 0 ? k.subarray(0, 7) : k.subarray(0, 5);
    return c.md5(concat(cut, dir === 'client-to-server' ? C2S_SEAL : S2C_SEAL));
  }
  if ((flags & NTLMSSP_NEGOTIATE_LM_KEY) !== 0) {
    if ((flags & NTLMSSP_NEGOTIATE_56) !== 0) return concat(k.subarray(0, 7), Uint8Array.of(0xa0));
    return concat(k.subarray(0, 5), Uint8Array.of(0xe5, 0x38, 0xb0));
  }
  return k.slice();
}

/**
 * MIC (MS-NLMP §3.1.5.1.2) = HMAC_MD5(ExportedSessionKey, NEGOTIATE ‖ CHALLENGE ‖ AUTHENTICATE),
 * with the AUTHENTICATE message's MIC field set to zero.
 */
export function computeMic(
  c: NtlmCrypto,
  exportedSessionKey: Uint8Array,
  negotiate: Uint8Array,
  challenge: Uint8Array,
  authenticateZeroMic: Uint8Array,
): Uint8Array {
  return c.hmacMd5(exportedSessionKey, concat(negotiate, challenge, authenticateZeroMic));
}
