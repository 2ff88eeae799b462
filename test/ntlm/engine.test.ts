/**
 * The NTLM exchange between cesim's own client and server engines (MS-NLMP §3.1, §3.2): each
 * LmCompatibilityLevel, the MIC, channel bindings, key exchange, wrong password, tampering.
 */
import { describe, it, expect } from 'vitest';
import { testCrypto } from './helpers.js';
import {
  CLIENT_TABLE,
  SERVER_TABLE,
  NtlmClient,
  NtlmServer,
  identityFromPassword,
  type ClientConfig,
  type ServerConfig,
} from '../../ntlm/core/engine.js';
import { NtlmError } from '../../ntlm/core/errors.js';
import { decodeAuthenticate, decodeChallenge } from '../../ntlm/core/codec.js';
import * as K from '../../ntlm/core/constants.js';
import { lmowfv1 } from '../../ntlm/core/compute.js';
import { utf16le } from '../../ntlm/core/bytes.js';

const rnd = Uint8Array.from({ length: 97 }, (_, i) => (i * 37 + 11) & 0xff);

function pair(level: number, opts: { password?: string; serverLevel?: number; cbtClient?: Uint8Array | null; cbtServer?: Uint8Array | null; req?: number } = {}) {
  const { c } = testCrypto(rnd);
  const client = new NtlmClient(c, {
    level,
    identity: identityFromPassword(c, 'alice', 'CESIM', opts.password ?? 'Secret1'),
    workstation: 'HANDHELD',
    targetName: 'HTTP/server.example',
    channelBindingsHash: opts.cbtClient ?? null,
    requestFlags: opts.req ?? K.NTLMSSP_NEGOTIATE_SIGN | K.NTLMSSP_NEGOTIATE_SEAL,
    version: null,
    now: () => 134000000000000000n,
  } satisfies ClientConfig);
  const server = new NtlmServer(c, {
    level: opts.serverLevel ?? 3,
    computerName: 'SERVER',
    domainName: 'CESIM',
    lookup: (u) => (u.toLowerCase() === 'alice' ? { user: 'alice', ntHash: c.md4(utf16le('Secret1')), lmHash: lmowfv1(c, 'Secret1') } : null),
    channelBindingsHash: opts.cbtServer ?? null,
    version: null,
    now: () => 134000000000000000n,
  } satisfies ServerConfig);
  return { c, client, server };
}

describe('NTLM engines, client against server', () => {
  it.each([
    [0, 'LM+NTLMv1'],
    [1, 'NTLMv1+ESS'],
    [2, 'NTLMv1+ESS'],
    [3, 'NTLMv2'],
    [5, 'NTLMv2'],
  ])('LmCompatibilityLevelClient %i authenticates with %s and both ends share keys', (level, kind) => {
    const { client, server } = pair(level);
    const auth = client.authenticate(server.challenge(client.negotiate()));
    const s = server.authenticate(auth);
    const cr = client.result!;
    expect(cr.response).toBe(kind);
    expect(s.response).toBe(kind);
    expect(s.sessionKey).toEqual(cr.sessionKey);
    expect(s.user).toBe('alice');
    expect(client.state).toBe('Established');
    expect(server.state).toBe('Established');
    // Sealing both ways.
    const m = cr.session.seal([{ data: utf16le('hello'), encrypt: true }]);
    expect(s.session.unseal([{ data: m.parts[0]!, encrypt: true }], m.signature)[0]).toEqual(utf16le('hello'));
    const sig = s.session.sign(utf16le('reply'));
    cr.session.verify(utf16le('reply'), sig);
    expect(() => cr.session.verify(utf16le('reply'), sig)).toThrow(NtlmError);
  });
  it('level 0 sends no extended session security and uses the LM session key (MS-NLMP §3.4.5.1)', () => {
    const { client, server } = pair(0);
    client.authenticate(server.challenge(client.negotiate()));
    expect(client.result!.flags & K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY).toBe(0);
    expect(client.result!.flags & K.NTLMSSP_NEGOTIATE_LM_KEY).not.toBe(0);
  });
  it('NTLMv2 carries MsvAvTargetName, MsvAvFlags with the MIC bit, and the MIC (MS-NLMP §3.1.5.1.2)', () => {
    const { client, server } = pair(3);
    const auth = client.authenticate(server.challenge(client.negotiate()));
    const au = decodeAuthenticate(auth).message;
    expect(au.mic).not.toBeNull();
    expect(au.lmChallengeResponse).toEqual(new Uint8Array(24)); // server sent MsvAvTimestamp
    expect(server.authenticate(auth).mic).toBe(true);
  });
  it('a changed MIC is SEC_E_MESSAGE_ALTERED material (altered), a wrong password is logon', () => {
    const a = pair(3);
    const auth = a.client.authenticate(a.server.challenge(a.client.negotiate()));
    auth[72] ^= 1;
    expect(() => a.server.authenticate(auth)).toThrow(expect.objectContaining({ kind: 'altered' }));
    for (const level of [1, 3]) {
      const b = pair(level, { password: 'wrong' });
      const au = b.client.authenticate(b.server.challenge(b.client.negotiate()));
      expect(() => b.server.authenticate(au)).toThrow(expect.objectContaining({ kind: 'logon' }));
      expect(b.server.state).toBe('Failed');
    }
  });
  it('LmCompatibilityLevelServer 5 refuses NTLMv1', () => {
    const { client, server } = pair(1, { serverLevel: 5 });
    const au = client.authenticate(server.challenge(client.negotiate()));
    expect(() => server.authenticate(au)).toThrow(expect.objectContaining({ kind: 'logon' }));
  });
  it('channel bindings: matching passes, a different hash is bindings', () => {
    const cb = new Uint8Array(16).fill(9);
    const ok = pair(3, { cbtClient: cb, cbtServer: cb });
    ok.server.authenticate(ok.client.authenticate(ok.server.challenge(ok.client.negotiate())));
    const bad = pair(3, { cbtClient: new Uint8Array(16).fill(1), cbtServer: cb });
    expect(() => bad.server.authenticate(bad.client.authenticate(bad.server.challenge(bad.client.negotiate())))).toThrow(expect.objectContaining({ kind: 'bindings' }));
  });
  it('a challenge without NTLMSSP_NEGOTIATE_NTLM cannot be answered below level 3 (incompatible)', () => {
    const { client, server } = pair(1);
    const ch = server.challenge(client.negotiate());
    ch[21] &= ~0x02; // clear NTLMSSP_NEGOTIATE_NTLM (0x200) in the flags at offset 20
    expect(decodeChallenge(ch).message.flags & K.NTLMSSP_NEGOTIATE_NTLM).toBe(0);
    expect(() => client.authenticate(ch)).toThrow(expect.objectContaining({ kind: 'incompatible' }));
    expect(client.state).toBe('Failed');
  });
  it('messages out of order are refused by the tables', () => {
    const { client, server } = pair(3);
    expect(() => client.authenticate(new Uint8Array(10))).toThrow(expect.objectContaining({ kind: 'misuse' }));
    expect(() => server.authenticate(new Uint8Array(10))).toThrow(expect.objectContaining({ kind: 'peer' }));
    expect(CLIENT_TABLE.analyse().deadEnds).toEqual([]);
    expect(SERVER_TABLE.analyse().unreachable).toEqual([]);
  });
  it('ISC_REQ flags map to SIGN/SEAL in NEGOTIATE; without them neither is set', () => {
    const plain = pair(1, { req: 0 }).client.negotiate();
    expect(plain[12]! & 0x30).toBe(0);
    const sealed = pair(1, { req: K.NTLMSSP_NEGOTIATE_SEAL }).client.negotiate();
    expect(sealed[12]! & 0x20).toBe(0x20);
  });
});
