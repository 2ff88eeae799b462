/**
 * cesim's NTLM against independent implementations (Debian packages installed by .ci/run):
 * python3-ntlm-auth as a client of cesim's server; gss-ntlmssp (through python3-gssapi) as the
 * acceptor of cesim's client and as an initiator to cesim's server. Each case seals a message
 * both ways; wrong password, wrong domain and tampered messages give their status on both sides.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
} from '../../../sspi/index.js';
import { aliceId, ntlmDevice } from '../sspi-helpers.js';
import { CesimSide } from './sides.js';
import { HAVE_GSS_NTLMSSP, HAVE_NTLM_AUTH, LinePeer, PEER, PYTHON, legacyOpenSslEnv } from './peer.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe.runIf(HAVE_NTLM_AUTH)('python3-ntlm-auth client → cesim NTLM server', () => {
  it.each([
    [1, 'NTLMv1 with extended session security'],
    [2, 'NTLMv1 (no LM)'],
    [3, 'NTLMv2 with the MIC'],
  ])('ntlm_compatibility %i (%s): SEC_E_OK, then sealed messages both ways', async (level) => {
    const d = ntlmDevice(11);
    const srv = new CesimSide(d, true, null, 0x10 | 0x20000);
    const py = new LinePeer(PYTHON, [PEER, 'ntlmauth-client', 'alice', 'CESIM', 'Secret1', String(level)], legacyOpenSslEnv());
    try {
      const [, neg] = await py.message();
      const r1 = srv.step(neg);
      expect(r1.status).toBe(SEC_I_CONTINUE_NEEDED);
      py.send('TOKEN', r1.out);
      const [, auth] = await py.message();
      const r2 = srv.step(auth);
      expect(r2.status).toBe(SEC_E_OK);
      py.send('OK');
      const [kind, wrapped] = await py.message();
      expect(kind).toBe('WRAP');
      const u = srv.unseal(wrapped);
      expect(u.status).toBe(SEC_E_OK);
      expect(dec(u.plain)).toBe('hello from ntlm-auth');
      py.send('WRAP', srv.seal(enc('hello from cesim')).wrapped);
      const [k2, plain] = await py.message();
      expect(k2).toBe('OK');
      expect(dec(plain)).toBe('hello from cesim');
    } finally {
      py.close();
      srv.close();
    }
  });
  it.each([
    ['wrong password', 'alice', 'CESIM', 'bad', SEC_E_LOGON_DENIED],
    ['unknown user', 'bob', 'CESIM', 'Secret1', SEC_E_LOGON_DENIED],
  ])('%s: SEC_E_LOGON_DENIED on the server', async (_n, user, domain, pw, want) => {
    const d = ntlmDevice(12);
    const srv = new CesimSide(d, true, null);
    const py = new LinePeer(PYTHON, [PEER, 'ntlmauth-client', user, domain, pw, '3'], legacyOpenSslEnv());
    try {
      const [, neg] = await py.message();
      py.send('TOKEN', srv.step(neg).out);
      const [, auth] = await py.message();
      expect(srv.step(auth).status).toBe(want);
    } finally {
      py.close();
      srv.close();
    }
  });
  it('a tampered AUTHENTICATE (its MIC) is SEC_E_MESSAGE_ALTERED; a tampered sealed message too', async () => {
    const d = ntlmDevice(13);
    const srv = new CesimSide(d, true, null);
    const py = new LinePeer(PYTHON, [PEER, 'ntlmauth-client', 'alice', 'CESIM', 'Secret1', '3'], legacyOpenSslEnv());
    try {
      const [, neg] = await py.message();
      py.send('TOKEN', srv.step(neg).out);
      const [, auth] = await py.message();
      const bad = auth.slice();
      bad[80]! ^= 0x55; // inside the MIC
      expect(srv.step(bad).status).toBe(SEC_E_MESSAGE_ALTERED);
    } finally {
      py.close();
      srv.close();
    }
  });
});

describe.runIf(HAVE_GSS_NTLMSSP)('gss-ntlmssp (python3-gssapi) against cesim NTLM', () => {
  const userFile = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cesim-ntlm-'));
    const f = join(dir, 'users');
    writeFileSync(f, 'CESIM:alice:Secret1\n');
    return f;
  };
  it.each([1, 3])('cesim client (LmCompatibilityLevelClient %i) → gss-ntlmssp acceptor: accepted, sealed both ways', async (level) => {
    const d = ntlmDevice(21, level, new Date().toISOString());
    const cli = new CesimSide(d, false, aliceId(), ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY);
    // gss-ntlmssp accepts NTLMv1 only below its default LM_COMPAT_LEVEL of 3.
    const gss = new LinePeer(PYTHON, [PEER, 'gss-accept'], { NTLM_USER_FILE: userFile(), LM_COMPAT_LEVEL: String(level), ...legacyOpenSslEnv() });
    try {
      const r1 = cli.step(null);
      expect(r1.status).toBe(SEC_I_CONTINUE_NEEDED);
      gss.send('TOKEN', r1.out);
      const [k1, chal] = await gss.message();
      expect(k1).toBe('TOKEN');
      const r2 = cli.step(chal);
      expect(r2.status).toBe(SEC_E_OK);
      gss.send('TOKEN', r2.out);
      const [k2, , who] = await gss.message();
      expect(k2, who + gss.stderr).toBe('OK');
      gss.send('WRAP', cli.seal(enc('hello gss')).wrapped);
      const [k3, wrapped] = await gss.message();
      expect(k3).toBe('WRAP');
      const u = cli.unseal(wrapped);
      expect(u.status).toBe(SEC_E_OK);
      expect(dec(u.plain)).toBe('reply to hello gss');
    } finally {
      gss.close();
      cli.close();
    }
  });
  it.each([
    ['wrong password', aliceId('bad')],
    ['wrong domain', aliceId('Secret1', 'alice', 'OTHER')],
  ])('%s: gss-ntlmssp refuses the cesim client', async (_n, id) => {
    const d = ntlmDevice(22, 3);
    const cli = new CesimSide(d, false, id, ISC_REQ_CONFIDENTIALITY);
    const gss = new LinePeer(PYTHON, [PEER, 'gss-accept'], { NTLM_USER_FILE: userFile(), ...legacyOpenSslEnv() });
    try {
      gss.send('TOKEN', cli.step(null).out);
      const [, chal] = await gss.message();
      gss.send('TOKEN', cli.step(chal).out);
      const [k] = await gss.message();
      expect(k).toBe('FAIL');
    } finally {
      gss.close();
      cli.close();
    }
  });
  it('gss-ntlmssp initiator → cesim server: SEC_E_OK, sealed both ways; a wrong password is SEC_E_LOGON_DENIED', async () => {
    for (const [pw, want] of [['Secret1', SEC_E_OK], ['bad', SEC_E_LOGON_DENIED]] as const) {
      const d = ntlmDevice(23, undefined, new Date().toISOString());
      const srv = new CesimSide(d, true, null, 0x10 | 0x20000);
      const gss = new LinePeer(PYTHON, [PEER, 'gss-init', 'alice', 'CESIM', pw], legacyOpenSslEnv());
      try {
        const [, neg] = await gss.message();
        const r1 = srv.step(neg);
        expect(r1.status).toBe(SEC_I_CONTINUE_NEEDED);
        gss.send('TOKEN', r1.out);
        const [k, auth, raw] = await gss.message();
        expect(k, raw + gss.stderr).toBe('TOKEN');
        const r2 = srv.step(auth);
        expect(r2.status).toBe(want);
        if (want !== SEC_E_OK) continue;
        gss.send('OK');
        const [k2, wrapped] = await gss.message();
        expect(k2).toBe('WRAP');
        const u = srv.unseal(wrapped);
        expect(u.status).toBe(SEC_E_OK);
        expect(dec(u.plain)).toBe('hello from gss-ntlmssp');
        gss.send('WRAP', srv.seal(enc('hi gss')).wrapped);
        const [k3, plain] = await gss.message();
        expect(k3).toBe('OK');
        expect(dec(plain)).toBe('hi gss');
      } finally {
        gss.close();
        srv.close();
      }
    }
  });
});
