/**
 * NTLM session security (MS-NLMP §3.4): message signatures (NTLMSSP_MESSAGE_SIGNATURE, §2.2.2.9)
 * and sealing with RC4, with and without extended session security, for connection-oriented
 * contexts.
 *
 * - Without extended session security (§3.4.4.1) one RC4 handle under SEALKEY serves both
 *   directions and one sequence number counts every message signed or verified: the signature is
 *   `Version=1 ‖ RandomPad=0 ‖ RC4(CRC32(M)) ‖ RC4(0) XOR SeqNum`, the RC4 pad of the RandomPad
 *   field being drawn and dropped.
 * - With it (§3.4.4.2) each direction has its own SIGNKEY, SEALKEY RC4 handle and sequence
 *   number: `Version=1 ‖ HMAC_MD5(SignKey, SeqNum ‖ M)[0..7] ‖ SeqNum`, the checksum RC4'd under
 *   the direction's seal handle when NTLMSSP_NEGOTIATE_KEY_EXCH was negotiated.
 * - Sealing (§3.4.3) encrypts the message with the direction's seal handle first, then signs the
 *   plaintext with the same handle.
 */
import type { NtlmCrypto, Rc4Handle } from '../crypto/primitives.js';
import { NtlmError } from './errors.js';
import { concat, constantTimeEqual, getU32, putU32 } from './bytes.js';
import { NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, NTLMSSP_NEGOTIATE_KEY_EXCH, NTLM_SIGNATURE_BYTES } from './constants.js';
import { sealKey, signKey, type Direction } from './compute.js';

/** Which end of the context this session is. */
export type NtlmRole = 'client' | 'server';

interface Half {
  signKey: Uint8Array | null;
  /** SEALKEY of this direction, kept to restart the RC4 handle (MS-SPNG §3.3.5.1). */
  sealKey: Uint8Array;
  seal: Rc4Handle;
  seq: number;
}

/** One part of a message to seal: its bytes and whether they are encrypted or only signed. */
export interface SealPart {
  /** The plaintext. */
  data: Uint8Array;
  /** False for SECBUFFER_READONLY(_WITH_CHECKSUM) buffers: signed, not encrypted. */
  encrypt: boolean;
}

/** The sending and receiving state of one NTLM context. */
export class NtlmSession {
  private readonly ess: boolean;
  private readonly keyExch: boolean;
  private readonly send: Half;
  private readonly recv: Half;

  /**
   * @param c crypto
   * @param flags the negotiated flags
   * @param exportedSessionKey ExportedSessionKey (§3.1.5.1.2 / §3.2.5.1.2)
   * @param role which side this is
   */
  constructor(
    private readonly c: NtlmCrypto,
    readonly flags: number,
    exportedSessionKey: Uint8Array,
    readonly role: NtlmRole,
  ) {
    this.ess = (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0;
    this.keyExch = (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) !== 0;
    const out: Direction = role === 'client' ? 'client-to-server' : 'server-to-client';
    const inn: Direction = role === 'client' ? 'server-to-client' : 'client-to-server';
    const half = (signing: Uint8Array | null, key: Uint8Array): Half => ({ signKey: signing, sealKey: key, seal: c.rc4(key), seq: 0 });
    if (this.ess) {
      this.send = half(signKey(c, flags, exportedSessionKey, out), sealKey(c, flags, exportedSessionKey, out));
      this.recv = half(signKey(c, flags, exportedSessionKey, inn), sealKey(c, flags, exportedSessionKey, inn));
    } else {
      // §3.4.4.1: one handle and one sequence number for both directions.
      const shared: Half = half(null, sealKey(c, flags, exportedSessionKey, out));
      this.send = shared;
      this.recv = shared;
    }
  }

  /** Whether extended session security (NTLM2 signatures) is in use. */
  get extendedSessionSecurity(): boolean {
    return this.ess;
  }

  /** The next sequence numbers (send, receive). */
  get sequence(): { send: number; recv: number } {
    return { send: this.send.seq, recv: this.recv.seq };
  }

  private mac(h: Half, message: Uint8Array): Uint8Array {
    const sig = new Uint8Array(NTLM_SIGNATURE_BYTES);
    putU32(sig, 0, 1);
    const seq = h.seq;
    if (this.ess) {
      const s = new Uint8Array(4);
      putU32(s, 0, seq);
      let checksum = this.c.hmacMd5(h.signKey!, concat(s, message)).subarray(0, 8);
      if (this.keyExch) checksum = h.seal.update(checksum);
      sig.set(checksum, 4);
      sig.set(s, 12);
    } else {
      const crc = new Uint8Array(4);
      putU32(crc, 0, this.c.crc32(message));
      h.seal.update(new Uint8Array(4)); // RandomPad: RC4(Handle, 0), then set to 0
      sig.set(h.seal.update(crc), 8);
      const seqField = h.seal.update(new Uint8Array(4));
      putU32(sig, 12, (getU32(seqField, 0) ^ seq) >>> 0);
    }
    h.seq = (seq + 1) >>> 0;
    return sig;
  }

  /** MakeSignature: the 16-byte signature of `message` (MS-NLMP §3.4.4). */
  sign(message: Uint8Array): Uint8Array {
    return this.mac(this.send, message);
  }

  /**
   * VerifySignature: throws NtlmError('sequence') when the signature's sequence number is not
   * the expected one and NtlmError('altered') when its checksum is wrong (MS-NLMP §3.4.4).
   */
  verify(message: Uint8Array, signature: Uint8Array): void {
    this.check(this.recv, message, signature);
  }

  private check(h: Half, message: Uint8Array, signature: Uint8Array): void {
    if (signature.length !== NTLM_SIGNATURE_BYTES || getU32(signature, 0) !== 1) throw new NtlmError('altered', 'NTLMSSP_MESSAGE_SIGNATURE: version is not 1');
    const expectedSeq = h.seq;
    if (this.ess && getU32(signature, 12) !== expectedSeq) {
      throw new NtlmError('sequence', `signature SeqNum ${getU32(signature, 12)}, expected ${expectedSeq}`);
    }
    const want = this.mac(h, message);
    if (!this.ess && getU32(signature, 12) !== getU32(want, 12)) {
      h.seq = expectedSeq;
      throw new NtlmError('sequence', 'signature SeqNum is not the expected one');
    }
    if (!constantTimeEqual(want.subarray(4, 12), signature.subarray(4, 12))) {
      h.seq = expectedSeq;
      throw new NtlmError('altered', 'signature checksum does not match the message');
    }
  }

  /** EncryptMessage: encrypts the parts to encrypt and signs the whole plaintext (MS-NLMP §3.4.3). */
  seal(parts: readonly SealPart[]): { parts: Uint8Array[]; signature: Uint8Array } {
    const out = parts.map((p) => (p.encrypt ? this.send.seal.update(p.data) : p.data.slice()));
    const signature = this.mac(this.send, concat(...parts.map((p) => p.data)));
    return { parts: out, signature };
  }

  /** DecryptMessage: decrypts the encrypted parts and checks the signature over the plaintext. */
  unseal(parts: readonly SealPart[], signature: Uint8Array): Uint8Array[] {
    const plain = parts.map((p) => (p.encrypt ? this.recv.seal.update(p.data) : p.data.slice()));
    this.check(this.recv, concat(...plain), signature);
    return plain;
  }

  /**
   * Restarts the RC4 state of the sending (`receiving` false) or receiving seal handle from its
   * SEALKEY; sequence numbers go on. MS-SPNG §3.3.5.1: after the SPNEGO mechListMIC the key state
   * is put back, so the MIC and the first message of the application use the same RC4 state
   * (gss-ntlmssp's GSS_NTLMSSP_RESET_CRYPTO_OID does the same). Without extended session
   * security the one shared handle restarts.
   */
  resetRc4(receiving: boolean): void {
    const h = receiving ? this.recv : this.send;
    h.seal.wipe();
    h.seal = this.c.rc4(h.sealKey);
  }

  /** Zeroes the key material (DeleteSecurityContext). */
  wipe(): void {
    this.send.seal.wipe();
    this.recv.seal.wipe();
    this.send.signKey?.fill(0);
    this.recv.signKey?.fill(0);
    this.send.sealKey.fill(0);
    this.recv.sealKey.fill(0);
  }
}
