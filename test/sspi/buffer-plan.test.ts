/**
 * The SSPI buffer layer (sspi/buffer-plan.ts): roles parsed from descriptors and the Win32
 * write-back rules, on a flat fake memory so every byte and field the plan touches is visible.
 * Check numbers are sspi-behaviour.md's.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ContextBufferPlan,
  StreamOpenPlan,
  StreamSealPlan,
  controlTokenOf,
  encodeApplicationProtocols,
  parseApplicationProtocols,
  SecBuffer,
  SecBufferDesc,
  type SecpkgSupportFunctions,
} from '../../sspi/index.js';

// Win32 values written out (sspi.h / winerror.h), not read from the code under test.
const EMPTY = 0, DATA = 1, TOKEN = 2, PKG_PARAMS = 3, MISSING = 4, EXTRA = 5, TRAILER = 6, HEADER = 7, BINDINGS = 14, ALERT = 17, ALPN = 18;
const READONLY = 0x80000000;
const SEC_E_OK = 0, SEC_E_INVALID_TOKEN = 0x80090308, SEC_E_INTERNAL_ERROR = 0x80090304, SEC_E_BUFFER_TOO_SMALL = 0x80090321;
const SEC_E_INCOMPLETE_MESSAGE = 0x80090318, SEC_I_CONTINUE_NEEDED = 0x00090312, SEC_E_INSUFFICIENT_MEMORY = 0x80090300;

/** A flat memory of 4 KiB at address 0x1000 and the support functions a plan uses. */
function memory(opts: { tokenStatus?: number } = {}) {
  const mem = new Uint8Array(4096);
  const base = 0x1000;
  let next = base + 16;
  const written: { index: number; data: Uint8Array }[] = [];
  const put = (bytes: Uint8Array, size = bytes.length): number => {
    const a = next;
    mem.set(bytes, a - base);
    next += size;
    return a;
  };
  const support = {
    ReadBuffer: (b: SecBuffer) => mem.slice(b.pvBuffer - base, b.pvBuffer - base + b.cbBuffer),
    WriteBuffer: (b: SecBuffer, d: Uint8Array, off = 0) => {
      if (off + d.length > b.cbBuffer) throw new RangeError('does not fit');
      mem.set(d, b.pvBuffer - base + off);
    },
    CopyToClientBuffer: (a: number, d: Uint8Array) => mem.set(d, a - base),
    WriteOutputToken: (desc: SecBufferDesc, index: number, data: Uint8Array) => {
      if (opts.tokenStatus) return opts.tokenStatus;
      written.push({ index, data });
      desc.pBuffers[index]!.cbBuffer = data.length;
      return SEC_E_OK;
    },
  } as unknown as SecpkgSupportFunctions;
  return { mem, base, put, support, written, at: (a: number, n: number) => mem.slice(a - base, a - base + n) };
}

describe('SEC_APPLICATION_PROTOCOLS (check 59)', () => {
  it('encodes the sspi.h layout: ProtocolListsSize, ProtoNegoExt = 2 (ALPN), ProtocolListSize, RFC 7301 names', () => {
    expect([...encodeApplicationProtocols(['h2'])]).toEqual([9, 0, 0, 0, 2, 0, 0, 0, 3, 0, 2, 0x68, 0x32]);
  });
  it('round-trips any list of non-empty names', () => {
    const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => /^[\x21-\x7e]+$/.test(s));
    fc.assert(fc.property(fc.array(name, { minLength: 1, maxLength: 6 }), (l) => {
      expect(parseApplicationProtocols(encodeApplicationProtocols(l))).toEqual(l);
    }));
  });
  it('refuses a wrong extension, a wrong total, an empty name (RFC 7301 §3.1) and a short buffer', () => {
    const ok = encodeApplicationProtocols(['h2']);
    const ext = ok.slice();
    ext[4] = 1;
    const total = ok.slice();
    total[0] = 10;
    expect(parseApplicationProtocols(ext)).toBeNull();
    expect(parseApplicationProtocols(total)).toBeNull();
    expect(parseApplicationProtocols(Uint8Array.of(7, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0))).toBeNull();
    expect(parseApplicationProtocols(ok.subarray(0, 9))).toBeNull();
  });
});

describe('ContextBufferPlan: roles of an ISC/ASC call', () => {
  it('names the input TOKEN, EMPTY spare, ALPN, channel bindings and PKG_PARAMS, ignoring attribute bits (§3.4)', () => {
    const m = memory();
    const tok = m.put(Uint8Array.of(22, 3, 3));
    const alpn = encodeApplicationProtocols(['http/1.1']);
    const input = new SecBufferDesc([
      new SecBuffer(3, (TOKEN | READONLY) >>> 0, tok),
      new SecBuffer(0, EMPTY, 0),
      new SecBuffer(alpn.length, ALPN, m.put(alpn)),
      new SecBuffer(2, BINDINGS, m.put(Uint8Array.of(1, 2))),
      new SecBuffer(1, PKG_PARAMS, m.put(Uint8Array.of(9))),
    ]);
    const output = new SecBufferDesc([new SecBuffer(100, TOKEN, m.put(new Uint8Array(100)))]);
    const p = ContextBufferPlan.parse(m.support, input, output, false);
    expect([...p.inputToken!]).toEqual([22, 3, 3]);
    expect(p.hasSpare).toBe(true);
    expect(p.applicationProtocols).toEqual(['http/1.1']);
    expect([...p.channelBindings!]).toEqual([1, 2]);
    expect([...p.packageParams!]).toEqual([9]);
    expect(p.inputProblem).toBeNull();
    expect(p.hasOutputToken).toBe(true);
    expect(p.outputSlotEmpty).toBe(false);
  });

  it('check 46: an EMPTY input buffer with bytes is a problem; so is a malformed ALPN list', () => {
    const m = memory();
    const out = new SecBufferDesc([new SecBuffer(10, TOKEN, m.put(new Uint8Array(10)))]);
    expect(ContextBufferPlan.parse(m.support, new SecBufferDesc([new SecBuffer(4, EMPTY, m.put(new Uint8Array(4)))]), out, false).inputProblem).toBe('empty-with-bytes');
    expect(ContextBufferPlan.parse(m.support, new SecBufferDesc([new SecBuffer(3, ALPN, m.put(Uint8Array.of(1, 2, 3)))]), out, false).inputProblem).toBe('bad-application-protocols');
  });

  it('check 32: a 0-byte TOKEN or ALERT output is an empty slot only without ALLOCATE_MEMORY; check 35: no output TOKEN', () => {
    const m = memory();
    const zeroAlert = new SecBufferDesc([new SecBuffer(10, TOKEN, m.put(new Uint8Array(10))), new SecBuffer(0, ALERT, 0)]);
    expect(ContextBufferPlan.parse(m.support, null, zeroAlert, false).outputSlotEmpty).toBe(true);
    expect(ContextBufferPlan.parse(m.support, null, zeroAlert, true).outputSlotEmpty).toBe(false);
    expect(ContextBufferPlan.parse(m.support, null, null, false).hasOutputToken).toBe(false);
    expect(ContextBufferPlan.parse(m.support, null, new SecBufferDesc([new SecBuffer(0, ALERT, 0)]), true).hasOutputToken).toBe(false);
  });

  function call(m: ReturnType<typeof memory>, withSpare = true, allocate = false) {
    const input = new SecBufferDesc([new SecBuffer(3, TOKEN, m.put(Uint8Array.of(22, 3, 3))), ...(withSpare ? [new SecBuffer(0, EMPTY, 0)] : [])]);
    const output = new SecBufferDesc([new SecBuffer(50, TOKEN, m.put(new Uint8Array(50))), new SecBuffer(8, ALERT, m.put(new Uint8Array(8)))]);
    return { input, output, plan: ContextBufferPlan.parse(m.support, input, output, allocate) };
  }

  it('check 48: unconsumed input makes the spare EXTRA; without a spare the call is SEC_E_INVALID_TOKEN', () => {
    const m = memory();
    const a = call(m);
    const w = a.plan.write({ status: SEC_I_CONTINUE_NEEDED, token: Uint8Array.of(1, 2), extra: 2, missing: 0, sendOnFailure: false });
    expect(w).toEqual({ status: SEC_I_CONTINUE_NEEDED, tokenWritten: true, tokenLost: false });
    expect(a.input.pBuffers[1]).toMatchObject({ BufferType: EXTRA, cbBuffer: 2 });
    expect(a.output.pBuffers[0]!.cbBuffer).toBe(2);
    // Check 34: no alert produced: the ALERT buffer comes back empty.
    expect(a.output.pBuffers[1]!.cbBuffer).toBe(0);
    const b = call(memory(), false);
    expect(b.plan.write({ status: SEC_E_OK, token: new Uint8Array(0), extra: 1, missing: 0, sendOnFailure: false }).status).toBe(SEC_E_INVALID_TOKEN);
  });

  it('checks 41–44: SEC_E_INCOMPLETE_MESSAGE leaves the output alone and makes the spare MISSING', () => {
    const a = call(memory());
    const w = a.plan.write({ status: SEC_E_INCOMPLETE_MESSAGE, token: new Uint8Array(0), extra: 0, missing: 7, sendOnFailure: false });
    expect(w.status).toBe(SEC_E_INCOMPLETE_MESSAGE);
    expect(a.input.pBuffers[1]).toMatchObject({ BufferType: MISSING, cbBuffer: 7 });
    expect(a.output.pBuffers.map((b) => b.cbBuffer)).toEqual([50, 8]);
  });

  it('checks 38–40: a failure leaves a 0-byte token unless EXTENDED_ERROR sends its alert', () => {
    const a = call(memory());
    expect(a.plan.write({ status: SEC_E_INVALID_TOKEN, token: Uint8Array.of(21, 3, 3, 0, 2, 2, 40), extra: 0, missing: 0, sendOnFailure: false }).tokenWritten).toBe(false);
    expect(a.output.pBuffers[0]!.cbBuffer).toBe(0);
    const m = memory();
    const b = call(m);
    expect(b.plan.write({ status: SEC_E_INVALID_TOKEN, token: Uint8Array.of(21, 3, 3, 0, 2, 2, 40), extra: 0, missing: 0, sendOnFailure: true })).toEqual({
      status: SEC_E_INVALID_TOKEN,
      tokenWritten: true,
      tokenLost: false,
    });
    expect(m.written).toHaveLength(1);
  });

  it('a token that cannot be placed is lost, and its status is the call\'s', () => {
    const a = call(memory({ tokenStatus: SEC_E_INSUFFICIENT_MEMORY }));
    expect(a.plan.write({ status: SEC_I_CONTINUE_NEEDED, token: Uint8Array.of(1), extra: 0, missing: 0, sendOnFailure: false })).toEqual({
      status: SEC_E_INSUFFICIENT_MEMORY,
      tokenWritten: false,
      tokenLost: true,
    });
  });
});

describe('StreamSealPlan: EncryptMessage (check 60)', () => {
  it('refuses without DATA (SEC_E_INTERNAL_ERROR) and without header or trailer (SEC_E_INVALID_TOKEN)', () => {
    const m = memory();
    expect(StreamSealPlan.parse(m.support, new SecBufferDesc([new SecBuffer(5, HEADER, m.put(new Uint8Array(5)))])).refusal).toBe(SEC_E_INTERNAL_ERROR);
    expect(StreamSealPlan.parse(m.support, new SecBufferDesc([new SecBuffer(5, HEADER, m.put(new Uint8Array(5))), new SecBuffer(1, DATA, m.put(new Uint8Array(1)))])).refusal).toBe(
      SEC_E_INVALID_TOKEN,
    );
  });

  it('splits a record into HEADER, DATA (in place) and TRAILER; Wine\'s TOKEN, DATA, TOKEN works too', () => {
    for (const [h, t] of [
      [HEADER, TRAILER],
      [TOKEN, TOKEN],
    ]) {
      const m = memory();
      const hdr = new SecBuffer(5, h!, m.put(new Uint8Array(5)));
      const data = new SecBuffer(3, DATA, m.put(Uint8Array.of(0x61, 0x62, 0x63)));
      const trl = new SecBuffer(32, t!, m.put(new Uint8Array(32)));
      const plan = StreamSealPlan.parse(m.support, new SecBufferDesc([hdr, data, trl]));
      expect(plan.refusal).toBe(0);
      expect([...plan.readData()]).toEqual([0x61, 0x62, 0x63]);
      const record = Uint8Array.of(23, 3, 3, 0, 7, 10, 11, 12, 20, 21, 22, 23);
      expect(plan.writeRecord(record, 5)).toBe(SEC_E_OK);
      expect([...m.at(hdr.pvBuffer, 5)]).toEqual([23, 3, 3, 0, 7]);
      expect([...m.at(data.pvBuffer, 3)]).toEqual([10, 11, 12]);
      expect([...m.at(trl.pvBuffer, 4)]).toEqual([20, 21, 22, 23]);
      expect([hdr.cbBuffer, data.cbBuffer, trl.cbBuffer]).toEqual([5, 3, 4]);
    }
  });

  it('a trailer too small for the record is SEC_E_BUFFER_TOO_SMALL', () => {
    const m = memory();
    const plan = StreamSealPlan.parse(
      m.support,
      new SecBufferDesc([new SecBuffer(5, HEADER, m.put(new Uint8Array(5))), new SecBuffer(1, DATA, m.put(new Uint8Array(1))), new SecBuffer(2, TRAILER, m.put(new Uint8Array(2)))]),
    );
    expect(plan.writeRecord(new Uint8Array(5 + 1 + 17), 5)).toBe(SEC_E_BUFFER_TOO_SMALL);
  });
});

describe('StreamOpenPlan: DecryptMessage (checks 61–66)', () => {
  const four = (m: ReturnType<typeof memory>, bytes: Uint8Array, types = [DATA, EMPTY, EMPTY, EMPTY]) =>
    new SecBufferDesc(types.map((t, i) => (i === 0 ? new SecBuffer(bytes.length, t, m.put(bytes)) : new SecBuffer(0, t, 0))));

  it('checks 61–64: four buffers, one DATA, three EMPTY', () => {
    const m = memory();
    const rec = Uint8Array.of(23, 3, 3, 0, 1, 0);
    expect(StreamOpenPlan.parse(m.support, four(m, rec)).refusal).toBe(0);
    expect(StreamOpenPlan.parse(m.support, new SecBufferDesc(four(m, rec).pBuffers.slice(0, 3))).refusal).toBe(SEC_E_INVALID_TOKEN);
    expect(StreamOpenPlan.parse(m.support, four(m, rec, [DATA, DATA, EMPTY, EMPTY])).refusal).toBe(SEC_E_INVALID_TOKEN);
    expect(StreamOpenPlan.parse(m.support, four(m, rec, [DATA, EMPTY, EMPTY, TOKEN])).refusal).toBe(SEC_E_INVALID_TOKEN);
  });

  it('check 65: DATA becomes MISSING with the bytes missing', () => {
    const m = memory();
    const d = four(m, Uint8Array.of(23, 3));
    expect(StreamOpenPlan.parse(m.support, d).incomplete(3)).toBe(SEC_E_INCOMPLETE_MESSAGE);
    expect(d.pBuffers[0]).toMatchObject({ BufferType: MISSING, cbBuffer: 3 });
  });

  it('check 66: HEADER, DATA (plaintext in place), TRAILER, then EXTRA for the next record\'s bytes', () => {
    const m = memory();
    const bytes = Uint8Array.of(23, 3, 3, 0, 4, 9, 9, 9, 9, 23, 3);
    const d = four(m, bytes);
    const base = d.pBuffers[0]!.pvBuffer;
    StreamOpenPlan.parse(m.support, d).opened({ headerLength: 5, plaintext: Uint8Array.of(0x68, 0x69), consumed: 9 });
    expect(d.pBuffers.map((b) => [b.BufferType, b.pvBuffer - base, b.cbBuffer])).toEqual([
      [HEADER, 0, 5],
      [DATA, 5, 2],
      [TRAILER, 7, 2],
      [EXTRA, 9, 2],
    ]);
    expect([...m.at(base + 5, 2)]).toEqual([0x68, 0x69]);
    const e = four(m, bytes.subarray(0, 9));
    StreamOpenPlan.parse(m.support, e).opened({ headerLength: 5, plaintext: Uint8Array.of(1), consumed: 9 });
    expect(e.pBuffers[3]).toMatchObject({ BufferType: EMPTY, cbBuffer: 0, pvBuffer: 0 });
  });
});

describe('controlTokenOf: ApplyControlToken (checks 69, 72)', () => {
  it('takes exactly one TOKEN buffer', () => {
    const m = memory();
    const t = new SecBuffer(4, TOKEN, m.put(Uint8Array.of(1, 0, 0, 0)));
    expect(controlTokenOf(m.support, new SecBufferDesc([t]))).toEqual({ token: Uint8Array.of(1, 0, 0, 0) });
    expect(controlTokenOf(m.support, new SecBufferDesc([t, t]))).toEqual({ status: SEC_E_INVALID_TOKEN });
    expect(controlTokenOf(m.support, new SecBufferDesc([new SecBuffer(4, DATA, t.pvBuffer)]))).toEqual({ status: SEC_E_INVALID_TOKEN });
  });
});
