/**
 * cesim's Negotiate against an independent SPNEGO: MIT krb5's SPNEGO mechanism over gss-ntlmssp,
 * driven by python3-gssapi (Debian packages installed by .ci/run). cesim's client against the
 * gssapi acceptor and the gssapi initiator against cesim's server, at NTLM level 1 (no
 * mechListMIC) and 3 (NTLMv2: the mechListMIC both ways and the RC4 state put back after it,
 * MS-SPNG §3.3.5.1); after each exchange a sealed message and a signature go both ways. A wrong
 * password and a tampered mechListMIC give their status. Under CI a missing tool fails.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LPTR } from '../../../device/index.js';
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SecBufferDesc,
} from '../../../sspi/index.js';
import { NegState, decodeNegotiationToken, encodeNegotiationToken } from '../../../negotiate/index.js';
import { CesimSide } from '../../ntlm/interop/sides.js';
import { HAVE_GSS_NTLMSSP, LinePeer, PYTHON, legacyOpenSslEnv } from '../../ntlm/interop/peer.js';
import { aliceId, negoDevice } from '../helpers.js';

const PEER = join(import.meta.dirname, 'spnego-peer.py');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const userFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'cesim-spnego-'));
  const f = join(dir, 'users');
  writeFileSync(f, 'CESIM:alice:Secret1\n');
  return f;
};
/** The device boots at the host's time: gss-ntlmssp checks NTLMv2 timestamps against its clock. */
const now = (): string => new Date().toISOString();

/** MakeSignature over [TOKEN 16, DATA]: signature ‖ message. */
function sign(side: CesimSide, msg: Uint8Array): { status: number; signed: Uint8Array } {
  const p = side.p;
  const t = p.LocalAlloc(LPTR, 16);
  const m = p.LocalAlloc(LPTR, Math.max(1, msg.length));
  p.write(m, msg);
  const status = side.T.MakeSignature(side.ctx, 0, new SecBufferDesc([new SecBuffer(16, SECBUFFER_TOKEN, t), new SecBuffer(msg.length, SECBUFFER_DATA, m)]), 0);
  const signed = new Uint8Array(16 + msg.length);
  signed.set(p.read(t, 16));
  signed.set(msg, 16);
  p.LocalFree(t);
  p.LocalFree(m);
  return { status, signed };
}

/** VerifySignature of signature ‖ message. */
function verify(side: CesimSide, signed: Uint8Array): number {
  const p = side.p;
  const n = signed.length - 16;
  const t = p.LocalAlloc(LPTR, 16);
  const m = p.LocalAlloc(LPTR, Math.max(1, n));
  p.write(t, signed.subarray(0, 16));
  p.write(m, signed.subarray(16));
  const status = side.T.VerifySignature(side.ctx, new SecBufferDesc([new SecBuffer(16, SECBUFFER_TOKEN, t), new SecBuffer(n, SECBUFFER_DATA, m)]), 0, null);
  p.LocalFree(t);
  p.LocalFree(m);
  return status;
}

describe.runIf(HAVE_GSS_NTLMSSP)('MIT SPNEGO over gss-ntlmssp (python3-gssapi) against cesim Negotiate', () => {

  it.each([1, 3])('cesim Negotiate client (LmCompatibilityLevelClient %i) → gssapi SPNEGO acceptor: both complete; sealed and signed both ways', async (level) => {
    const d = negoDevice(21, level, now());
    const cli = new CesimSide(d, false, aliceId(), ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY, 'Negotiate');
    expect(cli.acquire).toBe(SEC_E_OK);
    const gss = new LinePeer(PYTHON, [PEER, 'accept'], { NTLM_USER_FILE: userFile(), LM_COMPAT_LEVEL: String(level), ...legacyOpenSslEnv() });
    try {
      const r1 = cli.step(null);
      expect(r1.status).toBe(SEC_I_CONTINUE_NEEDED);
      gss.send('TOKEN', r1.out);
      const [k1, chal, raw1] = await gss.message();
      expect(k1, raw1 + gss.stderr).toBe('TOKEN');
      const r2 = cli.step(chal);
      expect(r2.status).toBe(SEC_I_CONTINUE_NEEDED);
      const mine = decodeNegotiationToken(r2.out);
      expect(mine.mechListMIC !== undefined).toBe(level === 3);
      gss.send('TOKEN', r2.out);
      const [k2, last, raw2] = await gss.message();
      expect(k2, raw2 + gss.stderr).toBe('TOKEN');
      const [k3, , who] = await gss.message();
      expect(k3, who + gss.stderr).toBe('OK');
      expect(who).toMatch(/alice/);
      const theirs = decodeNegotiationToken(last);
      expect(theirs.mechListMIC !== undefined).toBe(level === 3);
      expect(cli.step(last).status).toBe(SEC_E_OK);
      gss.send('WRAP', cli.seal(enc('hello gss')).wrapped);
      const [k4, wrapped, raw4] = await gss.message();
      expect(k4, raw4 + gss.stderr).toBe('WRAP');
      const u = cli.unseal(wrapped);
      expect(u.status).toBe(SEC_E_OK);
      expect(dec(u.plain)).toBe('reply to hello gss');
      const s = sign(cli, enc('signed by cesim'));
      expect(s.status).toBe(SEC_E_OK);
      gss.send('MIC', s.signed);
      const [k5, signed, raw5] = await gss.message();
      expect(k5, raw5 + gss.stderr).toBe('MIC');
      expect(dec(signed.subarray(16))).toBe('signed by gss acceptor');
      expect(verify(cli, signed)).toBe(SEC_E_OK);
    } finally {
      gss.close();
      cli.close();
    }
  });

  it('a wrong password: the gssapi acceptor answers negState reject, which the cesim client reports as SEC_E_LOGON_DENIED', async () => {
    const d = negoDevice(22, 3, now());
    const cli = new CesimSide(d, false, aliceId('wrong'), 0, 'Negotiate');
    const gss = new LinePeer(PYTHON, [PEER, 'accept'], { NTLM_USER_FILE: userFile(), ...legacyOpenSslEnv() });
    try {
      gss.send('TOKEN', cli.step(null).out);
      const [, chal] = await gss.message();
      gss.send('TOKEN', cli.step(chal).out);
      const [k, tok, raw] = await gss.message();
      expect(k, raw + gss.stderr).toBe('TOKEN');
      expect(decodeNegotiationToken(tok)).toMatchObject({ kind: 'resp', negState: NegState.Reject });
      expect(cli.step(tok).status).toBe(SEC_E_LOGON_DENIED);
    } finally {
      gss.close();
      cli.close();
    }
  });

  it("RFC 4178 §5: a tampered mechListMIC from the gssapi acceptor is SEC_E_MESSAGE_ALTERED in the cesim client", async () => {
    const d = negoDevice(23, 3, now());
    const cli = new CesimSide(d, false, aliceId(), 0, 'Negotiate');
    const gss = new LinePeer(PYTHON, [PEER, 'accept'], { NTLM_USER_FILE: userFile(), ...legacyOpenSslEnv() });
    try {
      gss.send('TOKEN', cli.step(null).out);
      const [, chal] = await gss.message();
      gss.send('TOKEN', cli.step(chal).out);
      const [k, last, raw] = await gss.message();
      expect(k, raw + gss.stderr).toBe('TOKEN');
      const t = decodeNegotiationToken(last);
      if (t.kind !== 'resp' || !t.mechListMIC) throw new Error('the acceptor sent no mechListMIC');
      t.mechListMIC[5] ^= 0x01;
      expect(cli.step(encodeNegotiationToken(t)).status).toBe(SEC_E_MESSAGE_ALTERED);
    } finally {
      gss.close();
      cli.close();
    }
  });

  it.each([
    ['Secret1', SEC_E_OK, 'SEC_E_OK, then sealed and signed both ways'],
    ['wrong', SEC_E_LOGON_DENIED, 'SEC_E_LOGON_DENIED'],
  ])('gssapi SPNEGO initiator (password %s) → cesim Negotiate server: %i (%s)', async (pw, want) => {
    const d = negoDevice(24, 3, now());
    const srv = new CesimSide(d, true, null, 0x10 | 0x20000, 'Negotiate');
    expect(srv.acquire).toBe(SEC_E_OK);
    const gss = new LinePeer(PYTHON, [PEER, 'init', 'alice', 'CESIM', pw], legacyOpenSslEnv());
    try {
      let status = SEC_I_CONTINUE_NEEDED;
      for (;;) {
        const [k, tok, raw] = await gss.message();
        if (k === 'OK') break;
        expect(k, raw + gss.stderr).toBe('TOKEN');
        if (tok.length === 0) continue;
        const r = srv.step(tok);
        status = r.status;
        if (status !== SEC_E_OK && status !== SEC_I_CONTINUE_NEEDED) break;
        gss.send('TOKEN', r.out);
      }
      expect(status).toBe(want);
      if (want !== SEC_E_OK) return;
      const [k1, wrapped, raw1] = await gss.message();
      expect(k1, raw1 + gss.stderr).toBe('WRAP');
      const u = srv.unseal(wrapped);
      expect(u.status).toBe(SEC_E_OK);
      expect(dec(u.plain)).toBe('hello from gss spnego');
      gss.send('WRAP', srv.seal(enc('hello from cesim')).wrapped);
      const [k2, plain, raw2] = await gss.message();
      expect(k2, raw2 + gss.stderr).toBe('OK');
      expect(dec(plain)).toBe('hello from cesim');
      const [k3, signed, raw3] = await gss.message();
      expect(k3, raw3 + gss.stderr).toBe('MIC');
      expect(verify(srv, signed)).toBe(SEC_E_OK);
      gss.send('MIC', sign(srv, enc('signed by cesim')).signed);
      const [k4, , raw4] = await gss.message();
      expect(k4, raw4 + gss.stderr).toBe('OK');
    } finally {
      gss.close();
      srv.close();
    }
  });
});
