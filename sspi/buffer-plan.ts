/**
 * The one SSPI buffer layer: what a `SecBufferDesc` means for each kind of call, and how the
 * results go back into it under the Win32 rules. No security package reads or writes a
 * descriptor, or masks a buffer type, itself.
 *
 * How a package uses it (Schannel now; NTLM and Negotiate next):
 *
 * - **ISC/ASC** (`SpInitLsaModeContext`/`SpAcceptLsaModeContext`): `ContextBufferPlan.parse(support,
 *   InputBuffers, OutputBuffers, allocate)` names the roles: `inputToken` (the first input TOKEN's
 *   bytes), `hasSpare` (an EMPTY input buffer that can become EXTRA or MISSING),
 *   `applicationProtocols` (`SEC_APPLICATION_PROTOCOLS`, parsed), `channelBindings`,
 *   `packageParams`, `hasOutputToken` (an output TOKEN), `outputSlotEmpty` (a TOKEN or ALERT
 *   output buffer of 0 bytes without ALLOCATE_MEMORY) and `inputProblem` (check 46: an EMPTY
 *   input buffer with bytes; a malformed `SEC_APPLICATION_PROTOCOLS`). The package tests the
 *   refusals in the order its reference gives, runs its protocol, then states what it did with
 *   one `plan.write({ status, token, extra, missing, sendOnFailure })`: the plan places the token
 *   (ALLOCATE_MEMORY through the token pool, or in place; too small is the package's
 *   `OutputTooSmallStatus`), zeroes what a failure leaves empty (checks 34, 38–40), marks the
 *   spare EXTRA (check 48) or MISSING (checks 41–44), and returns the final status.
 * - **EncryptMessage**: `StreamSealPlan.parse(support, MessageBuffers)` finds STREAM_HEADER,
 *   DATA and STREAM_TRAILER (or Wine's TOKEN, DATA, TOKEN); the package seals `readData()` and
 *   hands the record to `writeRecord(record, headerLength)`.
 * - **DecryptMessage**: `StreamOpenPlan.parse(support, MessageBuffers)` applies checks 61–64;
 *   the package opens `readRecord()` and reports `incomplete(missing)` (check 65) or
 *   `opened({ headerLength, plaintext, consumed })` (check 66: HEADER, DATA in place, TRAILER,
 *   EXTRA).
 * - **ApplyControlToken**: `controlTokenOf(support, ControlToken)` (checks 69, 72).
 *
 * The dispatcher's half, `CallerDescriptors`, is the copy at the boundary: it checks the
 * caller's descriptors, hands the package clean copies (output TOKEN/ALERT blanked under
 * ALLOCATE_MEMORY, check 33) and writes the package's results back, keeping the caller's values
 * in blanked buffers when the call failed (check 41).
 *
 * Reference: sspi-behaviour.md §2.5–2.9 and §3.4 ("providers match buffer types ignoring the
 * attribute bits").
 */

import type { Process } from '../device/index.js';
import {
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_TOKEN,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_OK,
  SECBUFFER_ALERT,
  SECBUFFER_APPLICATION_PROTOCOLS,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_DATA,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_MISSING,
  SECBUFFER_PKG_PARAMS,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SECBUFFER_TOKEN,
} from './constants.js';
import { bufferType, checkDesc, copyBack, copyDesc, isOutputTokenType } from './buffers.js';
import type { SecpkgSupportFunctions } from './package.js';
import { SecBuffer, type SecBufferDesc } from './structures.js';
import { SEC_SUCCESS } from './status.js';

// ------------------------------------------------------------------ SEC_APPLICATION_PROTOCOLS

/** `SecApplicationProtocolNegotiationExt_ALPN` (sspi.h): the only extension cesim parses. */
export const SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT_ALPN = 2;

/**
 * Parses a `SEC_APPLICATION_PROTOCOLS` input buffer (check 59): ULONG `ProtocolListsSize`,
 * then one `SEC_APPLICATION_PROTOCOL_LIST`: ULONG `ProtoNegoExt` (2 = ALPN), USHORT
 * `ProtocolListSize`, the RFC 7301 §3.1 list of 8-bit-length-prefixed names. Null when malformed.
 */
export function parseApplicationProtocols(bytes: Uint8Array): string[] | null {
  if (bytes.length < 10) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = dv.getUint32(0, true);
  const ext = dv.getUint32(4, true);
  const listLen = dv.getUint16(8, true);
  if (ext !== SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT_ALPN || total !== listLen + 6 || 10 + listLen > bytes.length) return null;
  const out: string[] = [];
  let i = 10;
  while (i < 10 + listLen) {
    const n = bytes[i]!;
    // RFC 7301 §3.1: empty names are not allowed.
    if (n === 0 || i + 1 + n > 10 + listLen) return null;
    out.push(new TextDecoder().decode(bytes.subarray(i + 1, i + 1 + n)));
    i += 1 + n;
  }
  return out;
}

/** The `SEC_APPLICATION_PROTOCOLS` bytes (the layout {@link parseApplicationProtocols} reads) for a list. */
export function encodeApplicationProtocols(protocols: readonly string[]): Uint8Array {
  const names = protocols.map((p) => new TextEncoder().encode(p));
  const listLen = names.reduce((n, b) => n + 1 + b.length, 0);
  const out = new Uint8Array(10 + listLen);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, listLen + 6, true);
  dv.setUint32(4, SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT_ALPN, true);
  dv.setUint16(8, listLen, true);
  let i = 10;
  for (const b of names) {
    out[i] = b.length;
    out.set(b, i + 1);
    i += 1 + b.length;
  }
  return out;
}

// ------------------------------------------------------------------ helpers

/** The buffers of a descriptor the call may use (the first `cBuffers`). */
function buffersOf(desc: SecBufferDesc | null): SecBuffer[] {
  if (!desc) return [];
  return desc.pBuffers.slice(0, Math.min(desc.cBuffers, desc.pBuffers.length));
}

function firstOfType(bufs: readonly SecBuffer[], type: number): SecBuffer | null {
  return bufs.find((b) => bufferType(b) === type) ?? null;
}

// ------------------------------------------------------------------ ISC / ASC

/** What a package did in one ISC/ASC call, for {@link ContextBufferPlan.write}. */
export interface ContextCallOutcome {
  /** The package's status. */
  status: number;
  /** The bytes for the output TOKEN (a flight, or on failure the alert record); empty: none. */
  token: Uint8Array;
  /** Input bytes left unconsumed: the spare becomes `SECBUFFER_EXTRA` (check 48). */
  extra: number;
  /** With `SEC_E_INCOMPLETE_MESSAGE`: bytes still needed, the spare becomes `SECBUFFER_MISSING`. */
  missing: number;
  /** A failure hands its token out too (`ISC_REQ_EXTENDED_ERROR`/`ASC_REQ_EXTENDED_ERROR`). */
  sendOnFailure: boolean;
}

/** What {@link ContextBufferPlan.write} did. */
export interface ContextCallWritten {
  /** The status to return (the package's, or the failure of placing the token, or check 48's). */
  status: number;
  /** The output TOKEN now holds the package's token. */
  tokenWritten: boolean;
  /** The token could not be placed (too small, out of token pool): the flight is lost. */
  tokenLost: boolean;
}

/**
 * The roles of one `InitializeSecurityContext`/`AcceptSecurityContext` call's descriptors, and
 * the Win32 rules that write its results back (see the module comment).
 */
export class ContextBufferPlan {
  /** The first input TOKEN's bytes, or null when the input has no TOKEN. */
  readonly inputToken: Uint8Array | null;
  /** Whether an EMPTY input buffer is there to become EXTRA or MISSING. */
  readonly hasSpare: boolean;
  /** The protocols of a `SECBUFFER_APPLICATION_PROTOCOLS` input buffer (ALPN), or null. */
  readonly applicationProtocols: string[] | null;
  /** The bytes of a `SECBUFFER_CHANNEL_BINDINGS` input buffer (`SEC_CHANNEL_BINDINGS`), or null. */
  readonly channelBindings: Uint8Array | null;
  /** The bytes of a `SECBUFFER_PKG_PARAMS` input buffer, or null. */
  readonly packageParams: Uint8Array | null;
  /** Why the input descriptor is refused (the package answers `SEC_E_INVALID_TOKEN`), or null. */
  readonly inputProblem: 'empty-with-bytes' | 'bad-application-protocols' | null;
  /** Whether the output has a TOKEN buffer. */
  readonly hasOutputToken: boolean;
  /** Check 32: an output TOKEN or ALERT of 0 bytes without ALLOCATE_MEMORY (nothing fits in it). */
  readonly outputSlotEmpty: boolean;

  private readonly spare: SecBuffer | null;
  private readonly outputIndex: number;
  private readonly alert: SecBuffer | null;

  private constructor(
    private readonly support: SecpkgSupportFunctions,
    private readonly output: SecBufferDesc | null,
    private readonly allocate: boolean,
    input: SecBufferDesc | null,
  ) {
    const ins = buffersOf(input);
    const outs = buffersOf(output);
    let token: Uint8Array | null = null;
    let spare: SecBuffer | null = null;
    let alpn: string[] | null = null;
    let bindings: Uint8Array | null = null;
    let params: Uint8Array | null = null;
    let problem: ContextBufferPlan['inputProblem'] = null;
    for (const b of ins) {
      const t = bufferType(b);
      if (t === SECBUFFER_TOKEN && token === null) token = support.ReadBuffer(b);
      else if (t === SECBUFFER_EMPTY) {
        // Check 46: an EMPTY input buffer must have cbBuffer == 0.
        if (b.cbBuffer !== 0) problem ??= 'empty-with-bytes';
        spare ??= b;
      } else if (t === SECBUFFER_APPLICATION_PROTOCOLS) {
        alpn = parseApplicationProtocols(support.ReadBuffer(b));
        if (alpn === null) problem ??= 'bad-application-protocols';
      } else if (t === SECBUFFER_CHANNEL_BINDINGS && bindings === null) bindings = support.ReadBuffer(b);
      else if (t === SECBUFFER_PKG_PARAMS && params === null) params = support.ReadBuffer(b);
    }
    this.inputToken = token;
    this.spare = spare;
    this.hasSpare = spare !== null;
    this.applicationProtocols = alpn;
    this.channelBindings = bindings;
    this.packageParams = params;
    this.inputProblem = problem;
    this.outputIndex = outs.findIndex((b) => bufferType(b) === SECBUFFER_TOKEN);
    this.hasOutputToken = this.outputIndex >= 0;
    this.alert = firstOfType(outs, SECBUFFER_ALERT);
    this.outputSlotEmpty = !allocate && outs.some((b) => isOutputTokenType(b) && b.cbBuffer === 0);
  }

  /**
   * The plan of one call. `allocate` is `ISC_REQ_ALLOCATE_MEMORY`/`ASC_REQ_ALLOCATE_MEMORY`.
   * Reads the input buffers it names (a bad address is a device fault, answered by the guard).
   */
  static parse(support: SecpkgSupportFunctions, input: SecBufferDesc | null, output: SecBufferDesc | null, allocate: boolean): ContextBufferPlan {
    return new ContextBufferPlan(support, output, allocate, input);
  }

  /** Writes the outcome into the descriptors under the Win32 rules; returns the status to return. */
  write(o: ContextCallOutcome): ContextCallWritten {
    let status = o.status;
    if (status === SEC_E_INCOMPLETE_MESSAGE) {
      // Checks 41–44: output untouched; the EMPTY input buffer becomes MISSING (a hint).
      if (this.spare && this.inputToken !== null) {
        this.spare.BufferType = SECBUFFER_MISSING;
        this.spare.cbBuffer = o.missing;
      }
      return { status, tokenWritten: false, tokenLost: false };
    }
    let tokenWritten = false;
    let tokenLost = false;
    const token = this.output && this.outputIndex >= 0 ? this.output.pBuffers[this.outputIndex]! : null;
    if (token && this.output) {
      if ((SEC_SUCCESS(status) || o.sendOnFailure) && o.token.length > 0) {
        const w = this.support.WriteOutputToken(this.output, this.outputIndex, o.token);
        tokenWritten = w === SEC_E_OK;
        if (!tokenWritten) {
          tokenLost = true;
          status = w;
        }
      } else if (!this.allocate) {
        // Checks 38–40: nothing to send (a failed call leaves a zero-length token).
        token.cbBuffer = 0;
      }
    }
    // Check 34: an ALERT output buffer comes back empty when no alert is produced.
    if (this.alert && !this.allocate) this.alert.cbBuffer = 0;
    if (SEC_SUCCESS(status) && o.extra > 0) {
      // Check 48: the unconsumed tail is reported in the EMPTY input buffer, now EXTRA.
      if (!this.spare) status = SEC_E_INVALID_TOKEN;
      else {
        this.spare.BufferType = SECBUFFER_EXTRA;
        this.spare.cbBuffer = o.extra;
      }
    }
    return { status, tokenWritten, tokenLost };
  }
}

// ------------------------------------------------------------------ EncryptMessage

/**
 * The roles of an `EncryptMessage` descriptor for a stream package: STREAM_HEADER, DATA,
 * STREAM_TRAILER (Wine also accepts TOKEN, DATA, TOKEN for header and trailer).
 */
export class StreamSealPlan {
  /** `SEC_E_INTERNAL_ERROR` without DATA, `SEC_E_INVALID_TOKEN` without header or trailer; else 0. */
  readonly refusal: number;
  /** Bytes of plaintext in the DATA buffer. */
  readonly dataLength: number;
  private readonly header: SecBuffer | null;
  private readonly data: SecBuffer | null;
  private readonly trailer: SecBuffer | null;

  private constructor(private readonly support: SecpkgSupportFunctions, desc: SecBufferDesc) {
    const bufs = buffersOf(desc);
    let header = firstOfType(bufs, SECBUFFER_STREAM_HEADER);
    let trailer = firstOfType(bufs, SECBUFFER_STREAM_TRAILER);
    const data = firstOfType(bufs, SECBUFFER_DATA);
    if (!header && !trailer) {
      const tokens = bufs.filter((b) => bufferType(b) === SECBUFFER_TOKEN);
      if (tokens.length === 2) [header, trailer] = tokens as [SecBuffer, SecBuffer];
    }
    this.header = header;
    this.data = data;
    this.trailer = trailer;
    this.dataLength = data?.cbBuffer ?? 0;
    this.refusal = !data ? SEC_E_INTERNAL_ERROR : !header || !trailer ? SEC_E_INVALID_TOKEN : 0;
  }

  /** The plan of one `EncryptMessage` call. */
  static parse(support: SecpkgSupportFunctions, desc: SecBufferDesc): StreamSealPlan {
    return new StreamSealPlan(support, desc);
  }

  /** The plaintext in the DATA buffer. */
  readData(): Uint8Array {
    return this.data ? this.support.ReadBuffer(this.data) : new Uint8Array(0);
  }

  /**
   * Writes a sealed record: its first `headerLength` bytes into STREAM_HEADER, the body over the
   * plaintext in DATA, the rest into STREAM_TRAILER; header and trailer `cbBuffer` become what
   * they hold. `SEC_E_BUFFER_TOO_SMALL` when header or trailer is too small (check 60).
   */
  writeRecord(record: Uint8Array, headerLength: number): number {
    const { header, data, trailer } = this;
    if (!header || !data || !trailer) return this.refusal || SEC_E_INTERNAL_ERROR;
    const bodyEnd = headerLength + this.dataLength;
    const trailerLen = record.length - bodyEnd;
    if (header.cbBuffer < headerLength || trailer.cbBuffer < trailerLen) return SEC_E_BUFFER_TOO_SMALL;
    this.support.WriteBuffer(header, record.subarray(0, headerLength));
    this.support.WriteBuffer(data, record.subarray(headerLength, bodyEnd));
    this.support.WriteBuffer(trailer, record.subarray(bodyEnd));
    header.cbBuffer = headerLength;
    trailer.cbBuffer = trailerLen;
    return SEC_E_OK;
  }
}

// ------------------------------------------------------------------ DecryptMessage

/** What the package opened in one `DecryptMessage` call, for {@link StreamOpenPlan.opened}. */
export interface OpenedRecord {
  /** Bytes of the record header. */
  headerLength: number;
  /** The record's plaintext (written over the record in place, after the header). */
  plaintext: Uint8Array;
  /** Bytes of the DATA buffer the record took; the rest is EXTRA. */
  consumed: number;
}

/** The roles of a `DecryptMessage` descriptor for a stream package: one DATA and three EMPTY spares. */
export class StreamOpenPlan {
  /** Checks 61–64 (fewer than four buffers, not exactly one DATA, fewer than three EMPTY): `SEC_E_INVALID_TOKEN`; else 0. */
  readonly refusal: number;
  private readonly data: SecBuffer | null;
  private readonly slots: SecBuffer[];

  private constructor(private readonly support: SecpkgSupportFunctions, desc: SecBufferDesc) {
    const bufs = buffersOf(desc);
    const datas = bufs.filter((b) => bufferType(b) === SECBUFFER_DATA);
    const empties = bufs.filter((b) => bufferType(b) === SECBUFFER_EMPTY).length;
    // Check 61: at least four buffers; checks 62–63: exactly one DATA; check 64: three EMPTY spares.
    this.refusal = bufs.length < 4 || datas.length !== 1 || empties < 3 ? SEC_E_INVALID_TOKEN : 0;
    this.data = datas.length === 1 ? datas[0]! : null;
    this.slots = bufs.slice(0, 4);
  }

  /** The plan of one `DecryptMessage` call. */
  static parse(support: SecpkgSupportFunctions, desc: SecBufferDesc): StreamOpenPlan {
    return new StreamOpenPlan(support, desc);
  }

  /** The bytes of the DATA buffer (records as received). */
  readRecord(): Uint8Array {
    return this.data ? this.support.ReadBuffer(this.data) : new Uint8Array(0);
  }

  /** Check 65: not a whole record yet: DATA itself becomes MISSING with the bytes missing. */
  incomplete(missing: number): number {
    if (this.data) {
      this.data.BufferType = SECBUFFER_MISSING;
      this.data.cbBuffer = missing;
    }
    return SEC_E_INCOMPLETE_MESSAGE;
  }

  /**
   * Check 66: the plaintext is written in place after the header, and the first four buffers
   * become STREAM_HEADER, DATA (the plaintext), STREAM_TRAILER and EXTRA (the bytes after the
   * record) or EMPTY.
   */
  opened(r: OpenedRecord): void {
    const data = this.data;
    if (!data || this.slots.length < 4) return;
    const base = data.pvBuffer;
    const total = data.cbBuffer;
    const n = r.plaintext.length;
    if (n > 0) this.support.CopyToClientBuffer(base + r.headerLength, r.plaintext);
    const [hdr, body, trl, extra] = this.slots as [SecBuffer, SecBuffer, SecBuffer, SecBuffer];
    set(hdr, SECBUFFER_STREAM_HEADER, base, r.headerLength);
    set(body, SECBUFFER_DATA, base + r.headerLength, n);
    set(trl, SECBUFFER_STREAM_TRAILER, base + r.headerLength + n, Math.max(0, r.consumed - r.headerLength - n));
    if (total > r.consumed) set(extra, SECBUFFER_EXTRA, base + r.consumed, total - r.consumed);
    else set(extra, SECBUFFER_EMPTY, 0, 0);
  }
}

function set(b: SecBuffer, type: number, pv: number, cb: number): void {
  b.BufferType = type;
  b.pvBuffer = pv;
  b.cbBuffer = cb;
}

// ------------------------------------------------------------------ ApplyControlToken

/**
 * The control token of an `ApplyControlToken` call: the bytes of its one TOKEN buffer, or the
 * status that refuses the descriptor (check 69: exactly one buffer; check 72: a TOKEN).
 */
export function controlTokenOf(support: SecpkgSupportFunctions, desc: SecBufferDesc): { token: Uint8Array } | { status: number } {
  const bufs = buffersOf(desc);
  if (desc.cBuffers !== 1 || bufs.length !== 1) return { status: SEC_E_INVALID_TOKEN };
  const b = bufs[0]!;
  if (bufferType(b) !== SECBUFFER_TOKEN) return { status: SEC_E_INVALID_TOKEN };
  return { token: support.ReadBuffer(b) };
}

// ------------------------------------------------------------------ the dispatcher's half

/**
 * The caller's descriptors of one call and the clean copies a package sees: checked on the way
 * in, written back on the way out (the copy at the SSPI boundary, STYLE.md §11).
 */
export class CallerDescriptors {
  private readonly blanked = new Set<number>();

  private constructor(
    private readonly callerInput: SecBufferDesc | null,
    private readonly callerOutput: SecBufferDesc | null,
    /** The package's copy of the input descriptor. */
    readonly input: SecBufferDesc | null,
    /** The package's copy of the output descriptor. */
    readonly output: SecBufferDesc | null,
  ) {}

  /**
   * The copies for an ISC/ASC call, or null when a descriptor is refused (`SEC_E_INVALID_TOKEN`).
   * Under ALLOCATE_MEMORY the output TOKEN/ALERT buffers are blanked (`pvBuffer` 0, `cbBuffer`
   * 0): the package can only fill them through `WriteOutputToken` (check 33).
   */
  static forContextCall(process: Process, input: unknown, output: unknown, allocate: boolean): CallerDescriptors | null {
    const inDesc = input === null || input === undefined ? null : (input as SecBufferDesc);
    const outDesc = output === null || output === undefined ? null : (output as SecBufferDesc);
    if (inDesc && checkDesc(process, inDesc, { output: false, allocateTokens: false }) !== null) return null;
    if (outDesc && checkDesc(process, outDesc, { output: true, allocateTokens: allocate }) !== null) return null;
    const d = new CallerDescriptors(inDesc, outDesc, inDesc ? copyDesc(inDesc) : null, outDesc ? copyDesc(outDesc) : null);
    if (d.output && allocate) {
      d.output.pBuffers.forEach((b, i) => {
        if (isOutputTokenType(b)) {
          b.pvBuffer = 0;
          b.cbBuffer = 0;
          d.blanked.add(i);
        }
      });
    }
    return d;
  }

  /** The copy of a message descriptor (input buffers, all read and written in place), or null when refused. */
  static forMessage(process: Process, desc: unknown): CallerDescriptors | null {
    if (desc === null || desc === undefined) return null;
    if (checkDesc(process, desc, { output: false, allocateTokens: false }) !== null) return null;
    const d = desc as SecBufferDesc;
    return new CallerDescriptors(d, null, copyDesc(d), null);
  }

  /** The copy of a single packed buffer (`ImportSecurityContext`), or null when refused. */
  static forBuffer(process: Process, buffer: unknown): SecBuffer | null {
    if (typeof buffer !== 'object' || buffer === null) return null;
    const desc = { ulVersion: 0, cBuffers: 1, pBuffers: [buffer] };
    if (checkDesc(process, desc, { output: false, allocateTokens: false }) !== null) return null;
    const b = buffer as SecBuffer;
    return new SecBuffer(b.cbBuffer, b.BufferType >>> 0, b.pvBuffer);
  }

  /**
   * Writes the package's results back. After a failure, buffers blanked for ALLOCATE_MEMORY keep
   * the caller's values (check 41) unless `keepErrorToken` and they now carry the error token
   * (ISC_RET_EXTENDED_ERROR: the alert record for the peer).
   */
  finish(succeeded: boolean, keepErrorToken = false): void {
    if (this.output && this.callerOutput) {
      if (!succeeded) {
        for (const i of this.blanked) {
          if (keepErrorToken && this.output.pBuffers[i]!.pvBuffer !== 0) continue;
          const o = this.callerOutput.pBuffers[i]!;
          this.output.pBuffers[i] = new SecBuffer(o.cbBuffer, o.BufferType, o.pvBuffer);
        }
      }
      copyBack(this.output, this.callerOutput);
    }
    if (this.input && this.callerInput) copyBack(this.input, this.callerInput);
  }
}
