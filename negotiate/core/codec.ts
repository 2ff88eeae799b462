/**
 * SPNEGO wire formats (RFC 4178 §4.2, MS-SPNG §2.2): `NegotiationToken` (a CHOICE of
 * `NegTokenInit` and `NegTokenResp`), `MechTypeList`, and the GSS-API `InitialContextToken`
 * framing (RFC 2743 §3.1) that carries the first token under the SPNEGO OID 1.3.6.1.5.5.2.
 *
 * The DER is read and written with `@peculiar/asn1-schema` (the library cesim's X.509 code uses).
 * That library accepts BER, so {@link decodeNegotiationToken} re-encodes what it parsed and
 * refuses anything that does not come back byte for byte: a token is accepted only in its one
 * DER form (X.690 §10), which is what makes `encode(decode(b))` equal `b` and lets the acceptor
 * compute the mechListMIC over the mechTypes bytes the initiator sent (RFC 4178 §5).
 *
 * Nothing here throws to a caller: decoders return a {@link SpnegoDecodeError} value's message
 * through {@link NegotiateError} of kind `decode`, which the package maps to
 * `SEC_E_INVALID_TOKEN`.
 */
import { AsnArray, AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, BitString, OctetString } from '@peculiar/asn1-schema';
import { NegotiateError } from './errors.js';

/** The SPNEGO mechanism OID (RFC 4178 §3): iso.org.dod.internet.security.mechanism.snego. */
export const SPNEGO_OID = '1.3.6.1.5.5.2';
/** The NTLM SSP's mechanism OID (MS-SPNG §1.9; MS-NLMP). */
export const NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';
/** Kerberos V5 (RFC 4121 §1). cesim has no Kerberos package; the OID is named for the registry's package list. */
export const KERBEROS_OID = '1.2.840.113554.1.2.2';
/** The Microsoft Kerberos OID Windows lists first (MS-SPNG §3.1.5.2: 1.2.840.48018.1.2.2). */
export const MS_KERBEROS_OID = '1.2.840.48018.1.2.2';

/** `negState` (RFC 4178 §4.2.2). */
export enum NegState {
  /** accept-completed(0) */
  AcceptCompleted = 0,
  /** accept-incomplete(1) */
  AcceptIncomplete = 1,
  /** reject(2) */
  Reject = 2,
  /** request-mic(3) */
  RequestMic = 3,
}

// --------------------------------------------------------------------- ASN.1 schema

/** `MechTypeList ::= SEQUENCE OF MechType` (RFC 4178 §4.1). */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.ObjectIdentifier })
export class MechTypeListAsn extends AsnArray<string> {}

/** `ContextFlags ::= BIT STRING` (RFC 4178 §4.2.1; MS-SPNG: ignored by acceptors). */
export class ContextFlagsAsn extends BitString {}

/** `NegTokenInit` (RFC 4178 §4.2.1); the module uses EXPLICIT tags. */
@AsnType({ type: AsnTypeTypes.Sequence })
export class NegTokenInitAsn {
  /** [0] mechTypes */
  @AsnProp({ type: MechTypeListAsn, context: 0 })
  mechTypes = new MechTypeListAsn();
  /** [1] reqFlags */
  @AsnProp({ type: ContextFlagsAsn, context: 1, optional: true })
  reqFlags?: ContextFlagsAsn;
  /** [2] mechToken */
  @AsnProp({ type: OctetString, context: 2, optional: true })
  mechToken?: OctetString;
  /** [3] mechListMIC */
  @AsnProp({ type: OctetString, context: 3, optional: true })
  mechListMIC?: OctetString;
}

/** `NegTokenResp` (RFC 4178 §4.2.2). */
@AsnType({ type: AsnTypeTypes.Sequence })
export class NegTokenRespAsn {
  /** [0] negState */
  @AsnProp({ type: AsnPropTypes.Enumerated, context: 0, optional: true })
  negState?: number;
  /** [1] supportedMech */
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier, context: 1, optional: true })
  supportedMech?: string;
  /** [2] responseToken */
  @AsnProp({ type: OctetString, context: 2, optional: true })
  responseToken?: OctetString;
  /** [3] mechListMIC */
  @AsnProp({ type: OctetString, context: 3, optional: true })
  mechListMIC?: OctetString;
}

/** `NegotiationToken ::= CHOICE { negTokenInit [0], negTokenResp [1] }` (RFC 4178 §4.2). */
@AsnType({ type: AsnTypeTypes.Choice })
export class NegotiationTokenAsn {
  /** [0] negTokenInit */
  @AsnProp({ type: NegTokenInitAsn, context: 0 })
  negTokenInit?: NegTokenInitAsn;
  /** [1] negTokenResp */
  @AsnProp({ type: NegTokenRespAsn, context: 1 })
  negTokenResp?: NegTokenRespAsn;
}

// --------------------------------------------------------------------- plain values

/** A decoded `NegTokenInit`. */
export interface NegTokenInit {
  readonly kind: 'init';
  /** The offered mechanisms, most preferred first (dotted OIDs). */
  mechTypes: string[];
  /** `reqFlags` bits as the BIT STRING's bytes, when present (informational only). */
  reqFlags?: Uint8Array;
  /** The optimistic token of the first mechanism. */
  mechToken?: Uint8Array;
  /** The initiator's mechListMIC. */
  mechListMIC?: Uint8Array;
}

/** A decoded `NegTokenResp`. */
export interface NegTokenResp {
  readonly kind: 'resp';
  negState?: NegState;
  supportedMech?: string;
  responseToken?: Uint8Array;
  mechListMIC?: Uint8Array;
}

/** Either SPNEGO token. */
export type NegotiationToken = NegTokenInit | NegTokenResp;

const bytesOf = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const octets = (b: Uint8Array): OctetString => new OctetString(b.slice());

/** DER of a `MechTypeList` (RFC 4178 §5: the bytes the mechListMIC is computed over). */
export function encodeMechTypeList(mechTypes: readonly string[]): Uint8Array {
  return bytesOf(AsnConvert.serialize(new MechTypeListAsn([...mechTypes])));
}

/** DER of a `NegotiationToken` (without the InitialContextToken framing). */
export function encodeNegotiationToken(t: NegotiationToken): Uint8Array {
  const n = new NegotiationTokenAsn();
  if (t.kind === 'init') {
    const i = new NegTokenInitAsn();
    i.mechTypes = new MechTypeListAsn([...t.mechTypes]);
    if (t.reqFlags) i.reqFlags = new ContextFlagsAsn(t.reqFlags.slice());
    if (t.mechToken) i.mechToken = octets(t.mechToken);
    if (t.mechListMIC) i.mechListMIC = octets(t.mechListMIC);
    n.negTokenInit = i;
  } else {
    const r = new NegTokenRespAsn();
    if (t.negState !== undefined) r.negState = t.negState;
    if (t.supportedMech !== undefined) r.supportedMech = t.supportedMech;
    if (t.responseToken) r.responseToken = octets(t.responseToken);
    if (t.mechListMIC) r.mechListMIC = octets(t.mechListMIC);
    n.negTokenResp = r;
  }
  return bytesOf(AsnConvert.serialize(n));
}

/** The dotted OID's DER contents (X.690 §8.19), for the framing header. */
function oidContents(oid: string): Uint8Array {
  const arcs = oid.split('.').map((x) => Number(x));
  const out: number[] = [];
  const put = (v: number): void => {
    const stack = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  };
  put(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) put(a);
  return Uint8Array.from(out);
}

/** A DER length (X.690 §10.1: definite, minimal). */
function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const b: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
  return Uint8Array.of(0x80 | b.length, ...b);
}

const SPNEGO_OID_TLV = ((): Uint8Array => {
  const c = oidContents(SPNEGO_OID);
  return Uint8Array.of(0x06, c.length, ...c);
})();

/**
 * The GSS-API `InitialContextToken` (RFC 2743 §3.1): `[APPLICATION 0] IMPLICIT SEQUENCE {
 * thisMech MechType, innerContextToken ANY }` with thisMech = SPNEGO. RFC 4178 §4.2 sends the
 * first `NegTokenInit` in it.
 */
export function frameInitialContextToken(inner: Uint8Array): Uint8Array {
  const len = SPNEGO_OID_TLV.length + inner.length;
  const head = derLength(len);
  const out = new Uint8Array(1 + head.length + len);
  out[0] = 0x60;
  out.set(head, 1);
  out.set(SPNEGO_OID_TLV, 1 + head.length);
  out.set(inner, 1 + head.length + SPNEGO_OID_TLV.length);
  return out;
}

/** Reads a definite DER length at `at`; null when malformed, non-minimal or past the end. */
function readLength(b: Uint8Array, at: number): { len: number; next: number } | null {
  if (at >= b.length) return null;
  const first = b[at]!;
  if (first < 0x80) return { len: first, next: at + 1 };
  const n = first & 0x7f;
  if (n === 0 || n > 3 || at + 1 + n > b.length || b[at + 1] === 0) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[at + 1 + i]!;
  if (len < 0x80) return null;
  return { len, next: at + 1 + n };
}

/**
 * Removes the `InitialContextToken` framing: the inner token when `b` starts with
 * `[APPLICATION 0]`, the SPNEGO OID and nothing after the inner token; null otherwise.
 */
export function unframeInitialContextToken(b: Uint8Array): Uint8Array | null {
  if (b.length < 2 || b[0] !== 0x60) return null;
  const l = readLength(b, 1);
  if (!l || l.next + l.len !== b.length) return null;
  const body = b.subarray(l.next);
  if (body.length < SPNEGO_OID_TLV.length) return null;
  for (let i = 0; i < SPNEGO_OID_TLV.length; i++) if (body[i] !== SPNEGO_OID_TLV[i]) return null;
  return body.subarray(SPNEGO_OID_TLV.length);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bounds handed to asn1js for untrusted input (a token is at most a few kilobytes). */
const BER_LIMITS = { berOptions: { maxDepth: 16, maxNodes: 256, maxContentLength: 65536 } };

/**
 * Decodes a `NegotiationToken` in DER. Throws {@link NegotiateError} `decode` when the bytes are
 * not exactly one canonical DER `NegotiationToken` (trailing bytes, BER forms, a CHOICE with
 * neither arm, an empty mechTypes, an unknown negState).
 */
export function decodeNegotiationToken(b: Uint8Array): NegotiationToken {
  let n: NegotiationTokenAsn;
  try {
    n = AsnConvert.parse(b.slice(), NegotiationTokenAsn, BER_LIMITS);
  } catch (e) {
    throw new NegotiateError('decode', `NegotiationToken: ${e instanceof Error ? e.message : 'malformed'}`);
  }
  let t: NegotiationToken;
  try {
    if (n.negTokenInit) {
      const i = n.negTokenInit;
      // RFC 4178 §4.2.1: mechTypes lists at least one mechanism.
      if (!i.mechTypes || i.mechTypes.length === 0) throw new NegotiateError('decode', 'NegTokenInit: empty mechTypes');
      t = {
        kind: 'init',
        mechTypes: [...i.mechTypes],
        ...(i.reqFlags ? { reqFlags: bytesOf(i.reqFlags.value).slice() } : {}),
        ...(i.mechToken ? { mechToken: bytesOf(i.mechToken.buffer).slice() } : {}),
        ...(i.mechListMIC ? { mechListMIC: bytesOf(i.mechListMIC.buffer).slice() } : {}),
      };
    } else if (n.negTokenResp) {
      const r = n.negTokenResp;
      if (r.negState !== undefined && !(r.negState in NegState)) throw new NegotiateError('decode', `NegTokenResp: negState ${r.negState}`);
      t = {
        kind: 'resp',
        ...(r.negState !== undefined ? { negState: r.negState as NegState } : {}),
        ...(r.supportedMech !== undefined ? { supportedMech: r.supportedMech } : {}),
        ...(r.responseToken ? { responseToken: bytesOf(r.responseToken.buffer).slice() } : {}),
        ...(r.mechListMIC ? { mechListMIC: bytesOf(r.mechListMIC.buffer).slice() } : {}),
      };
    } else throw new NegotiateError('decode', 'NegotiationToken: neither negTokenInit nor negTokenResp');
  } catch (e) {
    if (e instanceof NegotiateError) throw e;
    throw new NegotiateError('decode', 'NegotiationToken: malformed field');
  }
  // X.690 §10: only the canonical encoding is accepted.
  let again: Uint8Array;
  try {
    again = encodeNegotiationToken(t);
  } catch {
    throw new NegotiateError('decode', 'NegotiationToken: does not re-encode');
  }
  if (!sameBytes(again, b)) throw new NegotiateError('decode', 'NegotiationToken: not in DER (or trailing bytes)');
  return t;
}

/**
 * Decodes the initiator's first token: the `InitialContextToken` framing with the SPNEGO OID
 * around a `NegTokenInit` (RFC 4178 §4.2). Throws {@link NegotiateError} `decode` otherwise.
 */
export function decodeInitialToken(b: Uint8Array): NegTokenInit {
  const inner = unframeInitialContextToken(b);
  if (!inner) throw new NegotiateError('decode', 'first token: not an InitialContextToken with the SPNEGO OID');
  const t = decodeNegotiationToken(inner);
  if (t.kind !== 'init') throw new NegotiateError('decode', 'first token: not a NegTokenInit');
  return t;
}

/** The initiator's first token: `NegTokenInit` in the `InitialContextToken` framing. */
export function encodeInitialToken(t: Omit<NegTokenInit, 'kind'>): Uint8Array {
  return frameInitialContextToken(encodeNegotiationToken({ kind: 'init', ...t }));
}
