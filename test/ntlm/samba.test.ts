/**
 * cesim's NTLM against Samba's `ntlm_auth` (Debian package winbind, installed by .ci/run), the
 * helper Squid and FreeRADIUS drive, in its two line protocols (Samba's ntlm_auth(1) manual):
 *
 * - `--helper-protocol=squid-2.5-ntlmssp` (the server side): `YR <NEGOTIATE>` → `TT <CHALLENGE>`,
 *   `KK <AUTHENTICATE>` → `AF DOMAIN\user` (authenticated), `NA <NT status>` (refused) or `BH …`
 *   (broken helper: a request line it cannot use); a message it cannot parse is
 *   `NA NT_STATUS_INVALID_PARAMETER`. With `--username`/`--password` it checks the
 *   response against that one local password, with no winbindd and no domain.
 * - `--helper-protocol=ntlmssp-client-1` (the client side): `YR` → `YR <NEGOTIATE>`,
 *   `TT <CHALLENGE>` → `AF <AUTHENTICATE>` (or `KK`), then `AF *` / `NA …` when told the outcome.
 *
 * Samba runs with a minimal smb.conf of its own in a temporary directory (`--configfile`), so it
 * never reads or writes the host's Samba state.
 */
import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_NAMES,
  SecPkgContext_Names,
} from '../../sspi/index.js';
import { NtLmAuthenticate, NtLmChallenge, NtLmNegotiate } from '../../ntlm/index.js';
import { requireTool } from '../support/peers.js';
import { aliceId, ntlmDevice } from './sspi-helpers.js';
import { CesimSide } from './interop/sides.js';
import { LinePeer } from './interop/peer.js';

const HAVE = requireTool('ntlm_auth', ['--version']);

/** A scratch Samba configuration: every directory Samba might touch is under a temp dir. */
function sambaConf(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cesim-samba-'));
  const sub = ['lock', 'state', 'cache', 'private', 'ncalrpc'];
  for (const s of sub) mkdirSync(join(dir, s));
  const f = join(dir, 'smb.conf');
  writeFileSync(
    f,
    [
      '[global]',
      '  workgroup = SAMBA',
      '  security = user',
      `  lock directory = ${dir}/lock`,
      `  state directory = ${dir}/state`,
      `  cache directory = ${dir}/cache`,
      `  private dir = ${dir}/private`,
      `  ncalrpc dir = ${dir}/ncalrpc`,
      `  log file = ${dir}/log`,
      // Samba 4.17's default is ntlmv2-only; "yes" lets the CE 2.10 default (NTLMv1 with extended
      // session security, LmCompatibilityLevelClient 1) be checked too (smb.conf(5) "ntlm auth").
      '  ntlm auth = yes',
      '',
    ].join('\n'),
  );
  return f;
}

/** `ntlm_auth` in squid-2.5-ntlmssp mode, checking against alice's password. */
function sambaServer(password = 'Secret1'): LinePeer {
  return new LinePeer('ntlm_auth', [`--configfile=${sambaConf()}`, '--helper-protocol=squid-2.5-ntlmssp', '--username=alice', `--password=${password}`]);
}

/** `ntlm_auth` in ntlmssp-client-1 mode. */
function sambaClient(user: string, password: string, domain: string): LinePeer {
  return new LinePeer('ntlm_auth', [`--configfile=${sambaConf()}`, '--helper-protocol=ntlmssp-client-1', `--username=${user}`, `--password=${password}`, `--domain=${domain}`]);
}

/** The NTLMSSP MessageType of a message (MS-NLMP §2.2.1: offset 8, little-endian). */
const msgType = (b: Uint8Array): number => (b.length >= 12 ? b[8]! | (b[9]! << 8) : -1);
/** The signature "NTLMSSP\0" (MS-NLMP §2.2.1.1). */
const SIG = 'NTLMSSP\0';
/** SECPKG_ATTR_NAMES of a server context. */
function nameOf(srv: CesimSide): string {
  const n = new SecPkgContext_Names();
  expect(srv.T.QueryContextAttributes(srv.ctx, SECPKG_ATTR_NAMES, n)).toBe(SEC_E_OK);
  return n.sUserName;
}
const sigOf = (b: Uint8Array): string => new TextDecoder('latin1').decode(b.subarray(0, 8));

describe.runIf(HAVE)("cesim's NTLM client → Samba ntlm_auth squid-2.5-ntlmssp (local password check)", () => {
  /** Runs cesim's client against the helper; returns the helper's final answer line. */
  async function exchange(level: number, id = aliceId(), mutateAuth?: (b: Uint8Array) => Uint8Array, serverPassword = 'Secret1'): Promise<{ answer: string; rest: string; challenge: Uint8Array; cli: CesimSide }> {
    const d = ntlmDevice(31, level, new Date().toISOString());
    const cli = new CesimSide(d, false, id, ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY);
    const samba = sambaServer(serverPassword);
    try {
      const r1 = cli.step(null);
      expect(r1.status).toBe(SEC_I_CONTINUE_NEEDED);
      expect(msgType(r1.out)).toBe(NtLmNegotiate);
      samba.send('YR', r1.out);
      const [k1, chal] = await samba.message();
      expect(k1, samba.stderr).toBe('TT');
      expect(sigOf(chal)).toBe(SIG);
      expect(msgType(chal)).toBe(NtLmChallenge);
      const r2 = cli.step(chal);
      expect(r2.status).toBe(SEC_E_OK);
      expect(msgType(r2.out)).toBe(NtLmAuthenticate);
      samba.send('KK', mutateAuth ? mutateAuth(r2.out) : r2.out);
      const [answer, , rest] = await samba.message();
      return { answer, rest, challenge: chal, cli };
    } finally {
      samba.close();
    }
  }

  it('ntlm_auth is installed (required under CI)', () => expect(HAVE).toBe(true));

  it.each([
    [1, 'NTLMv1 with extended session security (the CE default)'],
    [2, 'NTLMv1'],
    [3, 'NTLMv2 with the MIC'],
  ])('LmCompatibilityLevelClient %i (%s): AF DOMAIN\\user', async (level) => {
    const { answer, rest, cli } = await exchange(level);
    cli.close();
    expect(answer).toBe('AF');
    // The helper names the user as DOMAIN\user, from the AUTHENTICATE's fields.
    expect(rest).toBe('CESIM\\alice');
  });

  it('wrong password: NA NT_STATUS_LOGON_FAILURE (levels 1 and 3)', async () => {
    for (const level of [1, 3]) {
      const { answer, rest, cli } = await exchange(level, aliceId('bad'));
      cli.close();
      expect(answer).toBe('NA');
      expect(rest).toBe('NT_STATUS_LOGON_FAILURE');
    }
  });

  it('wrong domain: the local check takes the domain the client sent (AF OTHER\\alice), as a standalone server does', async () => {
    // ntlm_auth's local check computes NTOWFv2(password, user, domain) with the client's domain
    // (MS-NLMP §3.3.2): a local account has no domain to compare against.
    const { answer, rest, cli } = await exchange(3, aliceId('Secret1', 'alice', 'OTHER'));
    cli.close();
    expect(answer).toBe('AF');
    expect(rest).toBe('OTHER\\alice');
  });

  it('a tampered AUTHENTICATE: NA NT_STATUS_LOGON_FAILURE for a changed NTProofStr, NA NT_STATUS_INVALID_PARAMETER for a broken field', async () => {
    // NtChallengeResponseFields (MS-NLMP §2.2.1.3) at offset 20: len, maxlen, offset.
    const flipProof = (b: Uint8Array): Uint8Array => {
      const c = b.slice();
      const off = c[24]! | (c[25]! << 8);
      c[off]! ^= 0x01;
      return c;
    };
    const r1 = await exchange(3, aliceId(), flipProof);
    r1.cli.close();
    expect([r1.answer, r1.rest]).toEqual(['NA', 'NT_STATUS_LOGON_FAILURE']);
    // A NtChallengeResponse offset beyond the message: ntlm_auth cannot parse it.
    const badOffset = (b: Uint8Array): Uint8Array => {
      const c = b.slice();
      c[24] = 0xff;
      c[25] = 0xff;
      return c;
    };
    const r2 = await exchange(3, aliceId(), badOffset);
    r2.cli.close();
    expect([r2.answer, r2.rest]).toEqual(['NA', 'NT_STATUS_INVALID_PARAMETER']);
  });

  it("a tampered CHALLENGE from Samba: cesim's ISC is SEC_E_INVALID_TOKEN", async () => {
    const d = ntlmDevice(32, 3, new Date().toISOString());
    const cli = new CesimSide(d, false, aliceId());
    const samba = sambaServer();
    try {
      samba.send('YR', cli.step(null).out);
      const [, chal] = await samba.message();
      const bad = chal.slice();
      bad[8] = 3; // MessageType 3 where a CHALLENGE (2) belongs (§2.2.1.2)
      expect(cli.step(bad).status).toBe(SEC_E_INVALID_TOKEN);
    } finally {
      samba.close();
      cli.close();
    }
  });
});

describe.runIf(HAVE)("Samba ntlm_auth ntlmssp-client-1 → cesim's AcceptSecurityContext", () => {
  /** Drives Samba's client against cesim's server; returns cesim's final status. */
  async function exchange(user: string, password: string, domain: string, mutate?: { leg: 'negotiate' | 'authenticate'; f: (b: Uint8Array) => Uint8Array }): Promise<{ status: number; srv: CesimSide; samba: LinePeer; legs: number[] }> {
    const d = ntlmDevice(41, undefined, new Date().toISOString());
    const srv = new CesimSide(d, true, null, 0x10 | 0x20000);
    const samba = sambaClient(user, password, domain);
    const legs: number[] = [];
    samba.sendLine('YR');
    const [k1, neg0] = await samba.message();
    expect(k1, samba.stderr).toBe('YR');
    expect(msgType(neg0)).toBe(NtLmNegotiate);
    const neg = mutate?.leg === 'negotiate' ? mutate.f(neg0) : neg0;
    const r1 = srv.step(neg);
    legs.push(r1.status);
    if (r1.status !== SEC_I_CONTINUE_NEEDED) return { status: r1.status, srv, samba, legs };
    expect(msgType(r1.out)).toBe(NtLmChallenge);
    samba.send('TT', r1.out);
    const [k2, auth0] = await samba.message();
    expect(['AF', 'KK'], samba.stderr).toContain(k2);
    expect(msgType(auth0)).toBe(NtLmAuthenticate);
    const auth = mutate?.leg === 'authenticate' ? mutate.f(auth0) : auth0;
    const r2 = srv.step(auth);
    legs.push(r2.status);
    return { status: r2.status, srv, samba, legs };
  }

  it('alice/Secret1: SEC_I_CONTINUE_NEEDED then SEC_E_OK; the context names CESIM\\alice', async () => {
    const { status, srv, samba, legs } = await exchange('alice', 'Secret1', 'CESIM');
    try {
      expect(legs).toEqual([SEC_I_CONTINUE_NEEDED, SEC_E_OK]);
      expect(status).toBe(SEC_E_OK);
      // The client's AUTHENTICATE named the domain it was given; the account is the device's alice.
      expect(nameOf(srv)).toBe('CESIM\\alice');
    } finally {
      samba.close();
      srv.close();
    }
  });

  it('wrong password: SEC_E_LOGON_DENIED', async () => {
    const { status, srv, samba } = await exchange('alice', 'bad', 'CESIM');
    samba.close();
    srv.close();
    expect(status).toBe(SEC_E_LOGON_DENIED);
  });

  it('unknown user: SEC_E_LOGON_DENIED', async () => {
    const { status, srv, samba } = await exchange('mallory', 'Secret1', 'CESIM');
    samba.close();
    srv.close();
    expect(status).toBe(SEC_E_LOGON_DENIED);
  });

  it('wrong domain: SEC_E_OK, the local account is found whatever the domain (MS-NLMP §3.2.5.1.2 with the sent domain)', async () => {
    const { status, srv, samba } = await exchange('alice', 'Secret1', 'OTHER');
    const name = status === SEC_E_OK ? nameOf(srv) : '';
    samba.close();
    srv.close();
    expect(status).toBe(SEC_E_OK);
    expect(name).toBe('OTHER\\alice');
  });

  it('a tampered NEGOTIATE (signature) is SEC_E_INVALID_TOKEN; a tampered NTProofStr is SEC_E_LOGON_DENIED', async () => {
    const a = await exchange('alice', 'Secret1', 'CESIM', { leg: 'negotiate', f: (b) => { const c = b.slice(); c[0] = 0x4f; return c; } });
    a.samba.close();
    a.srv.close();
    expect(a.status).toBe(SEC_E_INVALID_TOKEN);
    const flipProof = (b: Uint8Array): Uint8Array => {
      const c = b.slice();
      const off = c[24]! | (c[25]! << 8);
      c[off + 3]! ^= 0x80;
      return c;
    };
    const b = await exchange('alice', 'Secret1', 'CESIM', { leg: 'authenticate', f: flipProof });
    b.samba.close();
    b.srv.close();
    expect(b.status).toBe(SEC_E_LOGON_DENIED);
  });

  it("a tampered CHALLENGE from cesim: Samba's client answers NA NT_STATUS_…", async () => {
    const d = ntlmDevice(42, undefined, new Date().toISOString());
    const srv = new CesimSide(d, true, null);
    const samba = sambaClient('alice', 'Secret1', 'CESIM');
    try {
      samba.sendLine('YR');
      const [, neg] = await samba.message();
      const r1 = srv.step(neg);
      const bad = r1.out.slice();
      bad[0] = 0; // no "NTLMSSP\0" signature
      samba.send('TT', bad);
      const [k, , why] = await samba.message();
      expect(k).toBe('NA');
      expect(why).toBe('NT_STATUS_INVALID_PARAMETER');
    } finally {
      samba.close();
      srv.close();
    }
  });
});
