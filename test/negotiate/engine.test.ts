/**
 * The SPNEGO engine on its own (no SSPI): the initiator's and acceptor's state machines driven
 * with a scripted inner mechanism, for the paths NTLM-over-SSPI does not reach — the acceptor's
 * counter-proposal with request-mic (RFC 4178 §5), negState reject, a supportedMech the
 * initiator did not offer first — and the rule that the MIC is made and checked over the DER
 * mechTypes with the seal state put back after each (MS-SPNG §3.3.5.1).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  ACCEPTOR_TABLE,
  INITIATOR_TABLE,
  MS_KERBEROS_OID,
  NTLMSSP_OID,
  NegState,
  NegotiateError,
  SpnegoAcceptor,
  SpnegoInitiator,
  decodeInitialToken,
  decodeNegotiationToken,
  encodeInitialToken,
  encodeMechTypeList,
  encodeNegotiationToken,
  type InnerMechanism,
} from '../../negotiate/index.js';

/** A scripted mechanism: `steps` tokens out, complete on the last; MIC = "MIC" ‖ data. */
class Scripted implements InnerMechanism {
  readonly name = 'NTLM';
  readonly oid = NTLMSSP_OID;
  inputs: (Uint8Array | null)[] = [];
  resets: boolean[] = [];
  micsMade = 0;
  constructor(
    private readonly steps: number,
    private readonly wantsMic = false,
  ) {}
  step(input: Uint8Array | null) {
    this.inputs.push(input);
    const n = this.inputs.length;
    return { complete: n >= this.steps, token: Uint8Array.of(0xe0 + n) };
  }
  getMic(data: Uint8Array): Uint8Array {
    this.micsMade++;
    return Uint8Array.of(0x4d, 0x49, 0x43, ...data);
  }
  verifyMic(data: Uint8Array, mic: Uint8Array): void {
    const want = Uint8Array.of(0x4d, 0x49, 0x43, ...data);
    if (Buffer.compare(Buffer.from(want), Buffer.from(mic)) !== 0) throw new NegotiateError('inner', 'bad MIC', 0x8009030f);
  }
  requiresMic(): boolean {
    return this.wantsMic;
  }
  resetCrypto(receiving: boolean): void {
    this.resets.push(receiving);
  }
}

const expectKind = (fn: () => unknown, kind: string): void => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NegotiateError);
    expect((e as NegotiateError).kind).toBe(kind);
    return;
  }
  throw new Error(`no NegotiateError ${kind}`);
};

describe('SPNEGO acceptor', () => {
  it('RFC 4178 §5: a mechanism other than the initiator\'s first → request-mic with supportedMech and no token; the MIC is then required', () => {
    const inner = new Scripted(2);
    const acc = new SpnegoAcceptor([NTLMSSP_OID], () => inner);
    const first = acc.accept(encodeInitialToken({ mechTypes: [MS_KERBEROS_OID, NTLMSSP_OID], mechToken: Uint8Array.of(1, 2, 3) }));
    expect(decodeNegotiationToken(first.token)).toEqual({ kind: 'resp', negState: NegState.RequestMic, supportedMech: NTLMSSP_OID });
    expect(acc.state).toBe('ExpectMechToken');
    expect(inner.inputs).toEqual([]);
    const second = acc.accept(encodeNegotiationToken({ kind: 'resp', responseToken: Uint8Array.of(0x11) }));
    expect(decodeNegotiationToken(second.token)).toMatchObject({ negState: NegState.AcceptIncomplete, responseToken: Uint8Array.of(0xe1) });
    // The last mechanism token without the MIC is refused…
    const again = new SpnegoAcceptor([NTLMSSP_OID], () => new Scripted(2));
    again.accept(encodeInitialToken({ mechTypes: [MS_KERBEROS_OID, NTLMSSP_OID] }));
    again.accept(encodeNegotiationToken({ kind: 'resp', responseToken: Uint8Array.of(0x11) }));
    expectKind(() => again.accept(encodeNegotiationToken({ kind: 'resp', responseToken: Uint8Array.of(0x12) })), 'mic');
    expect(again.state).toBe('Failed');
    // …and with it, the acceptor checks it over the initiator's DER mechTypes and answers with its own.
    const der = encodeMechTypeList([MS_KERBEROS_OID, NTLMSSP_OID]);
    const last = acc.accept(encodeNegotiationToken({ kind: 'resp', responseToken: Uint8Array.of(0x12), mechListMIC: Uint8Array.of(0x4d, 0x49, 0x43, ...der) }));
    expect(last.complete).toBe(true);
    expect(decodeNegotiationToken(last.token)).toMatchObject({ negState: NegState.AcceptCompleted, mechListMIC: Uint8Array.of(0x4d, 0x49, 0x43, ...der) });
    expect(inner.resets).toEqual([true, false]);
    expect(acc.micExchanged).toBe(true);
    expect(acc.state).toBe('Established');
  });
  it('RFC 4178 §3.2: no mechanism in common is nomech; a NegTokenResp first is a decode error', () => {
    const acc = new SpnegoAcceptor([NTLMSSP_OID], () => new Scripted(2));
    expectKind(() => acc.accept(encodeInitialToken({ mechTypes: [MS_KERBEROS_OID], mechToken: Uint8Array.of(1) })), 'nomech');
    const acc2 = new SpnegoAcceptor([NTLMSSP_OID], () => new Scripted(2));
    expectKind(() => acc2.accept(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptCompleted })), 'decode');
  });
  it('a second token with supportedMech, or negState reject from the initiator, is refused', () => {
    const mk = (): SpnegoAcceptor => {
      const a = new SpnegoAcceptor([NTLMSSP_OID], () => new Scripted(2));
      a.accept(encodeInitialToken({ mechTypes: [NTLMSSP_OID], mechToken: Uint8Array.of(1) }));
      return a;
    };
    expectKind(() => mk().accept(encodeNegotiationToken({ kind: 'resp', supportedMech: NTLMSSP_OID, responseToken: Uint8Array.of(2) })), 'peer');
    expectKind(() => mk().accept(encodeNegotiationToken({ kind: 'resp', negState: NegState.Reject, responseToken: Uint8Array.of(2) })), 'rejected');
  });
  it('the optimistic token, no MIC wanted: accept-completed without mechListMIC, no resets', () => {
    const inner = new Scripted(2);
    const acc = new SpnegoAcceptor([NTLMSSP_OID], () => inner);
    acc.accept(encodeInitialToken({ mechTypes: [NTLMSSP_OID], mechToken: Uint8Array.of(1) }));
    const last = acc.accept(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptIncomplete, responseToken: Uint8Array.of(2) }));
    expect(decodeNegotiationToken(last.token)).toEqual({ kind: 'resp', negState: NegState.AcceptCompleted, responseToken: Uint8Array.of(0xe2) });
    expect(inner.resets).toEqual([]);
  });
});

describe('SPNEGO initiator', () => {
  const started = (inner: Scripted): SpnegoInitiator => {
    const i = new SpnegoInitiator([NTLMSSP_OID], inner);
    const t = decodeInitialToken(i.start().token);
    expect(t).toEqual({ kind: 'init', mechTypes: [NTLMSSP_OID], mechToken: Uint8Array.of(0xe1) });
    return i;
  };
  it('MS-SPNG §3.1.5.1: when the mechanism wants the MIC it goes with the last token; the acceptor\'s is checked; both resets happen', () => {
    const inner = new Scripted(2, true);
    const i = started(inner);
    const der = encodeMechTypeList([NTLMSSP_OID]);
    const s = i.next(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID, responseToken: Uint8Array.of(9) }));
    expect(s.complete).toBe(false);
    expect(decodeNegotiationToken(s.token)).toEqual({ kind: 'resp', responseToken: Uint8Array.of(0xe2), mechListMIC: Uint8Array.of(0x4d, 0x49, 0x43, ...der) });
    expect(i.state).toBe('ExpectCompletion');
    const done = i.next(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptCompleted, mechListMIC: Uint8Array.of(0x4d, 0x49, 0x43, ...der) }));
    expect(done).toEqual({ token: new Uint8Array(0), complete: true });
    expect(inner.resets).toEqual([false, true]);
    expect(i.micExchanged).toBe(true);
  });
  it('RFC 4178 §5: a MIC sent and none returned is refused (mic)', () => {
    const i = started(new Scripted(2, true));
    i.next(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID, responseToken: Uint8Array.of(9) }));
    expectKind(() => i.next(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptCompleted })), 'mic');
    expect(i.state).toBe('Failed');
  });
  it('RFC 4178 §4.2.2: reject is rejected; an acceptor choosing another mechanism is nomech; accept-completed before the mechanism is done is peer', () => {
    expectKind(() => started(new Scripted(2)).next(encodeNegotiationToken({ kind: 'resp', negState: NegState.Reject })), 'rejected');
    expectKind(() => started(new Scripted(2)).next(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptIncomplete, supportedMech: MS_KERBEROS_OID, responseToken: Uint8Array.of(1) })), 'nomech');
    expectKind(() => started(new Scripted(3)).next(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptCompleted, responseToken: Uint8Array.of(1) })), 'peer');
  });
  it('MIT\'s tolerance: a first reply without supportedMech goes on with the optimistic mechanism', () => {
    const i = started(new Scripted(3));
    const s = i.next(encodeNegotiationToken({ kind: 'resp', responseToken: Uint8Array.of(1) }));
    expect(i.state).toBe('ExpectResponse');
    expect(decodeNegotiationToken(s.token)).toEqual({ kind: 'resp', responseToken: Uint8Array.of(0xe2) });
  });
});

describe('SPNEGO state tables in the docs', () => {
  it('docs/negotiate.md holds the diagrams generated from INITIATOR_TABLE and ACCEPTOR_TABLE', () => {
    const doc = readFileSync(new URL('../../docs/negotiate.md', import.meta.url), 'utf8');
    expect(doc).toContain(INITIATOR_TABLE.mermaid());
    expect(doc).toContain(ACCEPTOR_TABLE.mermaid());
  });
});
