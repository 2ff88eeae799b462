/**
 * The SPNEGO engine (RFC 4178 with MS-SPNG's rules): the initiator's and the acceptor's state
 * machines. No I/O and no SSPI here: the engine takes the peer's token and returns the token to
 * send; the inner mechanism (NTLM now) is reached through the {@link InnerMechanism} the
 * package hands in, which is how the package keeps to "packages reach each other only through
 * Security.dll's dispatcher".
 *
 * The exchange with NTLM, the only mechanism a cesim device has today:
 *
 * ```
 * initiator                                            acceptor
 * InitialContextToken{NegTokenInit{mechTypes=[NTLM],
 *                     mechToken=NEGOTIATE}}       →
 *                                                 ←    NegTokenResp{accept-incomplete, NTLM, CHALLENGE}
 * NegTokenResp{AUTHENTICATE, mechListMIC?}        →
 *                                                 ←    NegTokenResp{accept-completed, mechListMIC?}
 * ```
 *
 * The mechListMIC (RFC 4178 §5) is exchanged when the acceptor picked a mechanism other than
 * the initiator's first (it then answers request-mic), when the inner mechanism asks for it
 * (MS-SPNG §3.1.5.1: NTLM whose AUTHENTICATE carried a MIC), or when the peer sent one. Each side
 * computes it over the DER `MechTypeList` and, after making or checking it, has the inner package
 * put its seal state back (MS-SPNG §3.3.5.1).
 */
import { StateTable } from '../../common/index.js';
import { NegotiateError } from './errors.js';
import {
  NegState,
  decodeInitialToken,
  decodeNegotiationToken,
  encodeInitialToken,
  encodeMechTypeList,
  encodeNegotiationToken,
  unframeInitialContextToken,
  type NegTokenResp,
} from './codec.js';

/** One step of the inner package: its output token and whether its exchange is complete. */
export interface InnerStep {
  /** The inner package returned SEC_E_OK (true) or SEC_I_CONTINUE_NEEDED (false). */
  complete: boolean;
  /** The token it produced (may be empty). */
  token: Uint8Array;
}

/**
 * The inner package of one context, as the engine sees it. Every method throws
 * {@link NegotiateError} (`inner`, with the package's status) when the package fails.
 */
export interface InnerMechanism {
  /** The package name (`NTLM`). */
  readonly name: string;
  /** Its mechanism OID. */
  readonly oid: string;
  /** InitializeSecurityContext (initiator) or AcceptSecurityContext (acceptor) with `input`. */
  step(input: Uint8Array | null): InnerStep;
  /** MakeSignature over `data` (the mechListMIC). */
  getMic(data: Uint8Array): Uint8Array;
  /** VerifySignature of `mic` over `data`. */
  verifyMic(data: Uint8Array, mic: Uint8Array): void;
  /** Whether the package wants the mechListMIC (MS-SPNG §3.1.5.1); asked once it is complete. */
  requiresMic(): boolean;
  /** Puts back the sending (`receiving` false) or receiving seal state (MS-SPNG §3.3.5.1). */
  resetCrypto(receiving: boolean): void;
}

/** States of the initiator. */
export type InitiatorState = 'Initial' | 'ExpectResponse' | 'ExpectCompletion' | 'Established' | 'Failed';
/** States of the acceptor. */
export type AcceptorState = 'ExpectInit' | 'ExpectMechToken' | 'ExpectResponse' | 'Established' | 'Failed';
/** Tokens and outcomes that move the machines. */
export type SpnegoEvent = 'start' | 'init' | 'resp' | 'mechContinue' | 'mechComplete' | 'completed' | 'raw' | 'error';

/** The initiator's transitions (RFC 4178 §3.2, §5). */
export const INITIATOR_TABLE = new StateTable<InitiatorState, SpnegoEvent>(
  'SPNEGO initiator',
  'Initial',
  [
    { from: 'Initial', on: 'start', to: 'ExpectResponse', note: 'NegTokenInit with the optimistic token sent' },
    { from: 'ExpectResponse', on: 'mechContinue', to: 'ExpectResponse', note: 'mech token sent' },
    { from: 'ExpectResponse', on: 'mechComplete', to: 'ExpectCompletion', note: 'last mech token sent, with the mechListMIC when required' },
    { from: 'ExpectCompletion', on: 'completed', to: 'Established', note: 'accept-completed; its mechListMIC checked' },
    { from: 'ExpectResponse', on: 'error', to: 'Failed' },
    { from: 'ExpectCompletion', on: 'error', to: 'Failed' },
  ],
  { final: ['Established', 'Failed'] },
);

/** The acceptor's transitions (RFC 4178 §3.2, §5; the CE Negotiate page for raw NTLM). */
export const ACCEPTOR_TABLE = new StateTable<AcceptorState, SpnegoEvent>(
  'SPNEGO acceptor',
  'ExpectInit',
  [
    { from: 'ExpectInit', on: 'mechContinue', to: 'ExpectResponse', note: 'accept-incomplete with the mech token' },
    { from: 'ExpectInit', on: 'init', to: 'ExpectMechToken', note: 'request-mic: a mechanism other than the optimistic one' },
    { from: 'ExpectInit', on: 'raw', to: 'ExpectResponse', note: 'a bare NTLM token: no SPNEGO framing from here on' },
    { from: 'ExpectMechToken', on: 'mechContinue', to: 'ExpectResponse' },
    { from: 'ExpectResponse', on: 'mechContinue', to: 'ExpectResponse' },
    { from: 'ExpectResponse', on: 'mechComplete', to: 'Established', note: 'accept-completed, with the mechListMIC when required' },
    { from: 'ExpectInit', on: 'error', to: 'Failed' },
    { from: 'ExpectMechToken', on: 'error', to: 'Failed' },
    { from: 'ExpectResponse', on: 'error', to: 'Failed' },
  ],
  { final: ['Established', 'Failed'] },
);

/** What one engine step produced. */
export interface SpnegoStep {
  /** The token to send (empty: none). */
  token: Uint8Array;
  /** The SPNEGO exchange is complete on this side. */
  complete: boolean;
}

/** MIC bookkeeping of one context (RFC 4178 §5). */
interface MicState {
  required: boolean;
  sent: boolean;
  received: boolean;
}

const NTLMSSP_SIGNATURE = Uint8Array.of(0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00);

/** Whether `b` is a bare NTLM message ("NTLMSSP\0", MS-NLMP §2.2). */
export function isRawNtlm(b: Uint8Array): boolean {
  if (b.length < NTLMSSP_SIGNATURE.length) return false;
  for (let i = 0; i < NTLMSSP_SIGNATURE.length; i++) if (b[i] !== NTLMSSP_SIGNATURE[i]) return false;
  return true;
}

/** The SPNEGO initiator of one context. */
export class SpnegoInitiator {
  /** Where the machine is. */
  state: InitiatorState = INITIATOR_TABLE.initial;
  /** The DER MechTypeList sent (what the mechListMIC covers). */
  readonly mechTypesDer: Uint8Array;
  private readonly mic: MicState = { required: false, sent: false, received: false };
  private firstResponse = true;

  /**
   * @param mechTypes the offered mechanisms, most preferred first; `inner` is the first
   * @param inner the optimistic mechanism's package
   */
  constructor(
    readonly mechTypes: readonly string[],
    private readonly inner: InnerMechanism,
  ) {
    if (mechTypes[0] !== inner.oid) throw new NegotiateError('internal', 'the optimistic mechanism must be listed first');
    this.mechTypesDer = encodeMechTypeList(mechTypes);
  }

  /** Whether the mechListMIC was sent and checked. */
  get micExchanged(): boolean {
    return this.mic.sent && this.mic.received;
  }

  private go(on: SpnegoEvent): void {
    const to = INITIATOR_TABLE.move(this.state, on);
    if (to === null) throw new NegotiateError('peer', `SPNEGO initiator: ${on} in ${this.state}`);
    this.state = to;
  }

  private fail<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (INITIATOR_TABLE.check(this.state, 'error')) this.state = 'Failed';
      throw e;
    }
  }

  /** The first token: the InitialContextToken around NegTokenInit with the optimistic token (RFC 4178 §4.2.1). */
  start(): SpnegoStep {
    if (this.state !== 'Initial') throw new NegotiateError('peer', 'SPNEGO initiator: already started');
    const first = this.inner.step(null);
    // A mechanism that completes in one token is not modelled (NTLM takes three).
    if (first.complete) throw new NegotiateError('internal', `${this.inner.name} completed on its first token`);
    const token = encodeInitialToken({ mechTypes: [...this.mechTypes], mechToken: first.token });
    this.go('start');
    return { token, complete: false };
  }

  /** The acceptor's next NegTokenResp. */
  next(input: Uint8Array): SpnegoStep {
    return this.fail(() => {
      const t = decodeNegotiationToken(input);
      if (t.kind !== 'resp') throw new NegotiateError('peer', 'SPNEGO initiator: the acceptor sent a NegTokenInit');
      if (t.negState === NegState.Reject) throw new NegotiateError('rejected', 'RFC 4178 §4.2.2: the acceptor rejected the negotiation');
      if (this.state === 'ExpectResponse') return this.response(t);
      if (this.state === 'ExpectCompletion') return this.completion(t);
      throw new NegotiateError('peer', `SPNEGO initiator: token in ${this.state}`);
    });
  }

  private response(t: NegTokenResp): SpnegoStep {
    if (this.firstResponse) {
      this.firstResponse = false;
      // RFC 4178 §4.2.2: supportedMech is in the first reply; MIT tolerates its absence (the
      // optimistic mechanism goes on). cesim sent a token for its first mechanism only.
      if (t.supportedMech !== undefined && t.supportedMech !== this.inner.oid) {
        throw new NegotiateError('nomech', `RFC 4178 §3.2: the acceptor chose ${t.supportedMech}, not the optimistic ${this.inner.oid}`);
      }
      if (t.negState === NegState.RequestMic) this.mic.required = true;
    } else if (t.supportedMech !== undefined) {
      throw new NegotiateError('peer', 'RFC 4178 §4.2.2: supportedMech only in the first reply');
    }
    if (t.negState === NegState.AcceptCompleted) throw new NegotiateError('peer', 'accept-completed before the mechanism completed');
    if (t.mechListMIC) throw new NegotiateError('peer', 'RFC 4178 §5: mechListMIC before the mechanism completed');
    if (!t.responseToken) throw new NegotiateError('peer', 'NegTokenResp without the mechanism token');
    const r = this.inner.step(t.responseToken);
    if (!r.complete) {
      this.go('mechContinue');
      return { token: encodeNegotiationToken({ kind: 'resp', responseToken: r.token }), complete: false };
    }
    if (this.inner.requiresMic()) this.mic.required = true;
    let mechListMIC: Uint8Array | undefined;
    if (this.mic.required) {
      mechListMIC = this.inner.getMic(this.mechTypesDer);
      this.inner.resetCrypto(false);
      this.mic.sent = true;
    }
    this.go('mechComplete');
    // MIT's note on MS-SPNG: Windows expects an even number of legs, so the initiator waits for
    // the acceptor's accept-completed even when no MIC is exchanged.
    return {
      token: encodeNegotiationToken({ kind: 'resp', ...(r.token.length ? { responseToken: r.token } : {}), ...(mechListMIC ? { mechListMIC } : {}) }),
      complete: false,
    };
  }

  private completion(t: NegTokenResp): SpnegoStep {
    if (t.supportedMech !== undefined) throw new NegotiateError('peer', 'RFC 4178 §4.2.2: supportedMech only in the first reply');
    if (t.responseToken && t.responseToken.length > 0) throw new NegotiateError('peer', 'a mechanism token after the mechanism completed');
    if (t.negState !== NegState.AcceptCompleted) throw new NegotiateError('peer', `negState ${t.negState ?? 'absent'} where accept-completed was due`);
    if (t.mechListMIC) {
      this.inner.verifyMic(this.mechTypesDer, t.mechListMIC);
      this.inner.resetCrypto(true);
      this.mic.received = true;
    }
    // RFC 4178 §5: a MIC sent must be answered by one.
    if (this.mic.sent && !this.mic.received) throw new NegotiateError('mic', 'RFC 4178 §5: the acceptor returned no mechListMIC');
    if (this.mic.received && !this.mic.sent) throw new NegotiateError('mic', 'RFC 4178 §5: a mechListMIC the initiator did not ask for');
    this.go('completed');
    return { token: new Uint8Array(0), complete: true };
  }
}

/** The SPNEGO acceptor of one context. */
export class SpnegoAcceptor {
  /** Where the machine is. */
  state: AcceptorState = ACCEPTOR_TABLE.initial;
  /** The initiator's DER MechTypeList (what the mechListMIC covers); empty in raw mode. */
  mechTypesDer: Uint8Array = new Uint8Array(0);
  /** True when the initiator spoke bare NTLM (no SPNEGO). */
  raw = false;
  private readonly mic: MicState = { required: false, sent: false, received: false };

  /**
   * @param supported the OIDs this side can accept, in its preference order
   * @param innerFor the package for a chosen OID (the package acquires its context lazily)
   */
  constructor(
    readonly supported: readonly string[],
    private readonly innerFor: (oid: string) => InnerMechanism,
  ) {}

  private innerMech: InnerMechanism | null = null;

  /** The chosen mechanism's package, once chosen. */
  get inner(): InnerMechanism | null {
    return this.innerMech;
  }

  /** Whether the mechListMIC was sent and checked. */
  get micExchanged(): boolean {
    return this.mic.sent && this.mic.received;
  }

  private go(on: SpnegoEvent): void {
    const to = ACCEPTOR_TABLE.move(this.state, on);
    if (to === null) throw new NegotiateError('peer', `SPNEGO acceptor: ${on} in ${this.state}`);
    this.state = to;
  }

  /** One token from the initiator. */
  accept(input: Uint8Array): SpnegoStep {
    try {
      if (this.state === 'ExpectInit') return this.first(input);
      if (this.raw) return this.rawStep(input);
      if (this.state === 'ExpectMechToken' || this.state === 'ExpectResponse') return this.response(input);
      throw new NegotiateError('peer', `SPNEGO acceptor: token in ${this.state}`);
    } catch (e) {
      if (ACCEPTOR_TABLE.check(this.state, 'error')) this.state = 'Failed';
      throw e;
    }
  }

  private first(input: Uint8Array): SpnegoStep {
    // CE's Negotiate page: "A server that uses the Negotiate package is able to respond to client
    // applications that specifically select either the Kerberos or NTLM security provider."
    if (isRawNtlm(input)) {
      const oid = this.supported.find((o) => this.innerFor(o).name === 'NTLM');
      if (!oid) throw new NegotiateError('nomech', 'a bare NTLM token and no NTLM package');
      this.raw = true;
      this.innerMech = this.innerFor(oid);
      const r = this.innerMech.step(input);
      this.go('raw');
      if (r.complete) throw new NegotiateError('peer', 'NTLM completed on its first token');
      return { token: r.token, complete: false };
    }
    const init = decodeInitialToken(input);
    this.mechTypesDer = encodeMechTypeList(init.mechTypes);
    // RFC 4178 §3.2: the acceptor picks the first of the initiator's mechanisms it supports.
    const chosen = init.mechTypes.find((m) => this.supported.includes(m));
    if (chosen === undefined) throw new NegotiateError('nomech', 'RFC 4178 §3.2: no mechanism in common');
    this.innerMech = this.innerFor(chosen);
    const optimistic = chosen === init.mechTypes[0];
    if (init.mechListMIC) throw new NegotiateError('peer', 'RFC 4178 §5: mechListMIC in NegTokenInit before any mechanism ran');
    if (!optimistic || !init.mechToken) {
      // RFC 4178 §5: not the initiator's first choice → request-mic, and the initiator starts
      // the chosen mechanism in its next token.
      this.mic.required = !optimistic;
      this.go('init');
      return {
        token: encodeNegotiationToken({ kind: 'resp', negState: optimistic ? NegState.AcceptIncomplete : NegState.RequestMic, supportedMech: chosen }),
        complete: false,
      };
    }
    const r = this.innerMech.step(init.mechToken);
    if (r.complete) throw new NegotiateError('peer', `${this.innerMech.name} completed on its first token`);
    this.go('mechContinue');
    return {
      token: encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptIncomplete, supportedMech: chosen, responseToken: r.token }),
      complete: false,
    };
  }

  private rawStep(input: Uint8Array): SpnegoStep {
    const r = this.innerMech!.step(input);
    this.go(r.complete ? 'mechComplete' : 'mechContinue');
    return { token: r.token, complete: r.complete };
  }

  private response(input: Uint8Array): SpnegoStep {
    // MIT tolerates a continuation token in the InitialContextToken framing (old Sun SPNEGO).
    const body = input.length > 0 && input[0] === 0x60 ? unframeInitialContextToken(input) : input;
    if (!body) throw new NegotiateError('decode', 'continuation token: bad framing');
    const t = decodeNegotiationToken(body);
    if (t.kind !== 'resp') throw new NegotiateError('peer', 'SPNEGO acceptor: a second NegTokenInit');
    if (t.supportedMech !== undefined) throw new NegotiateError('peer', 'RFC 4178 §4.2.2: supportedMech from the initiator');
    if (t.negState === NegState.Reject) throw new NegotiateError('rejected', 'the initiator rejected the negotiation');
    if (!t.responseToken) throw new NegotiateError('peer', 'NegTokenResp without the mechanism token');
    const inner = this.innerMech!;
    const r = inner.step(t.responseToken);
    if (!r.complete) {
      if (t.mechListMIC) throw new NegotiateError('peer', 'RFC 4178 §5: mechListMIC before the mechanism completed');
      this.go('mechContinue');
      return { token: encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptIncomplete, responseToken: r.token }), complete: false };
    }
    if (inner.requiresMic()) this.mic.required = true;
    if (t.mechListMIC) {
      inner.verifyMic(this.mechTypesDer, t.mechListMIC);
      inner.resetCrypto(true);
      this.mic.received = true;
      // MIT: "If we got a MIC, we must send a MIC."
      this.mic.required = true;
    } else if (this.mic.required) {
      // MIT's handle_mic: the initiator's last mechanism token must carry the MIC when required.
      throw new NegotiateError('mic', 'RFC 4178 §5 / MS-SPNG §3.1.5.1: the mechListMIC is required and missing');
    }
    let mechListMIC: Uint8Array | undefined;
    if (this.mic.required) {
      mechListMIC = inner.getMic(this.mechTypesDer);
      inner.resetCrypto(false);
      this.mic.sent = true;
    }
    this.go('mechComplete');
    return {
      token: encodeNegotiationToken({
        kind: 'resp',
        negState: NegState.AcceptCompleted,
        ...(r.token.length ? { responseToken: r.token } : {}),
        ...(mechListMIC ? { mechListMIC } : {}),
      }),
      complete: true,
    };
  }
}
