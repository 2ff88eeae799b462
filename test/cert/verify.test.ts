/**
 * schannel/cert/verify.ts: chain validation against the fixture PKI at the device clock
 * 2026-01-01, each failure kind with its SECURITY_STATUS and TLS alert, the mapping table row by
 * row, and RFC 6125 name matching.
 */
import { describe, expect, it } from 'vitest';
import {
  CERT_FAILURE_MAP,
  CertOpenStore,
  CERT_ENCODING_TYPE,
  CERT_STORE_ADD_NEW,
  CertAddEncodedCertificateToStore,
  certFailureAlert,
  certFailureStatus,
  createChainContext,
  decodePem,
  matchHostname,
  parseCertificate,
  parseIp,
  verifyCertContext,
  verifyCertificateChain,
  type CertFailureKind,
  type ParsedCertificate,
  type VerifyOptions,
} from '../../schannel/cert/index.js';
import { NO_COST, NOW, RecordingCost, cert, certs, fixtureText } from './helpers.js';

const ROOTS = certs('roots.pem');
const opts = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  now: NOW,
  roots: ROOTS,
  usage: 'server',
  targetName: 'localhost',
  cost: NO_COST,
  ...extra,
});

describe('valid chains', () => {
  const chains = ['server-p256', 'server-p384', 'server-ed25519', 'server-rsa2048', 'server-rsapss2048', 'server-rsa3072', 'server-rsa4096'];
  for (const name of chains) {
    for (const target of ['localhost', 'device.test', 'node1.devices.test', '127.0.0.1', 'LOCALHOST.']) {
      it(`${name} for ${target}`, () => {
        expect(verifyCertificateChain(certs(`${name}.chain.pem`), opts({ targetName: target, tls13: true }))).toBeNull();
      });
    }
  }

  it('intermediates in any order, extra certificates and a copy of the root are tolerated', () => {
    const [leaf, int] = certs('server-p256.chain.pem') as [ParsedCertificate, ParsedCertificate];
    const chain = [leaf, cert('client-p256.pem'), cert('ec-root.pem'), int];
    expect(verifyCertificateChain(chain, opts())).toBeNull();
  });

  it('client certificate with clientAuth EKU, usage client, no name check', () => {
    expect(verifyCertificateChain(certs('client-p256.chain.pem'), opts({ usage: 'client', targetName: null }))).toBeNull();
  });

  it('RFC 6125 §6.4.4: CN fallback only when there is no SAN dNSName', () => {
    expect(verifyCertificateChain(certs('cn-only.chain.pem'), opts({ targetName: 'cn-only.test' }))).toBeNull();
    // bad-wrongname has SAN other.test: its CN is not consulted for anything else.
    expect(verifyCertificateChain(certs('bad-wrongname.chain.pem'), opts({ targetName: 'other.test' }))).toBeNull();
  });

  it('roots from a CertStore (the device ROOT store) and a context built from the peer chain', () => {
    const store = CertOpenStore('memory');
    for (const r of ROOTS) CertAddEncodedCertificateToStore(store, CERT_ENCODING_TYPE, r.der, CERT_STORE_ADD_NEW);
    const ctx = createChainContext(fixtureText('server-ed25519.chain.pem'));
    expect(ctx.ok).toBe(true);
    if (ctx.ok) expect(verifyCertContext(ctx.value, opts({ roots: store }))).toBeNull();
  });

  it('each signature in the path is charged to the CPU model', () => {
    const cost = new RecordingCost();
    verifyCertificateChain(certs('server-p256.chain.pem'), opts({ cost }));
    expect(cost.names().filter((n) => n === 'p256.verify').length).toBe(2);
    const rsa = new RecordingCost();
    verifyCertificateChain(certs('server-rsa4096.chain.pem'), opts({ cost: rsa }));
    expect(rsa.names()).toContain('rsa2048.public'); // rsa-root's 2048-bit key verifies the leaf
  });
});

/** [case, chain, options, kind, SECURITY_STATUS, alert] */
const FAILURES: readonly [string, () => ParsedCertificate[], Partial<VerifyOptions>, CertFailureKind, number, number][] = [
  ['RFC 5280 §6.1.3(a)(2): expired leaf (2020–2021)', () => certs('bad-expired.chain.pem'), {}, 'expired', 0x80090328, 45],
  ['RFC 5280 §6.1.3(a)(2): not yet valid leaf (from 2030)', () => certs('bad-notyet.chain.pem'), {}, 'not-yet-valid', 0x80090328, 45],
  ['device clock before the whole PKI (2024) → not yet valid', () => certs('server-p256.chain.pem'), { now: Date.UTC(2024, 0, 1) }, 'not-yet-valid', 0x80090328, 45],
  ['device clock after the whole PKI (2046) → expired', () => certs('server-p256.chain.pem'), { now: Date.UTC(2046, 0, 1) }, 'expired', 0x80090328, 45],
  ['RFC 6125 §6.4: wrong name', () => certs('bad-wrongname.chain.pem'), {}, 'wrong-principal', 0x80090322, 42],
  ['RFC 6125 §6.4.3: wildcard does not cover two labels', () => certs('server-p256.chain.pem'), { targetName: 'a.b.devices.test' }, 'wrong-principal', 0x80090322, 42],
  ['IP not in SAN', () => certs('server-p256.chain.pem'), { targetName: '127.0.0.2' }, 'wrong-principal', 0x80090322, 42],
  ['untrusted root (rogue root sent by the peer)', () => certs('bad-untrusted.chain.pem'), {}, 'untrusted-root', 0x80090325, 48],
  ['leaf without its intermediate', () => [cert('server-p256.pem')], {}, 'untrusted-root', 0x80090325, 48],
  ['empty root store', () => certs('server-p256.chain.pem'), { roots: [] }, 'untrusted-root', 0x80090325, 48],
  ['RFC 5280 §6.1.3(a)(1): corrupted signature', () => certs('bad-badsig.chain.pem'), {}, 'bad-signature', 0x80090327, 42],
  ['RFC 5280 §4.2.1.12: EKU without serverAuth', () => certs('bad-noserverauth.chain.pem'), {}, 'wrong-usage', 0x80090349, 43],
  ['RFC 5280 §4.2.1.12: client certificate used as a server certificate', () => certs('client-p256.chain.pem'), { targetName: null }, 'wrong-usage', 0x80090349, 43],
  ['RFC 5280 §4.2.1.12: server certificate used as a client certificate', () => certs('server-p256.chain.pem'), { usage: 'client', targetName: null }, 'wrong-usage', 0x80090349, 43],
  ['RFC 8446 §4.4.2.4: a CA certificate (keyCertSign only) as a TLS 1.3 leaf', () => [cert('ec-int.pem')], { tls13: true, targetName: null }, 'wrong-usage', 0x80090349, 43],
  ['RFC 5280 §6.1.4(k): issuer is not a CA', () => certs('bad-nonca.chain.pem'), {}, 'bad-chain', 0x80090327, 46],
  ['RFC 5280 §6.1.4(m): path longer than pathLenConstraint', () => certs('bad-pathlen.chain.pem'), {}, 'bad-chain', 0x80090327, 46],
  ['path longer than maxPathLength', () => certs('server-p256.chain.pem'), { maxPathLength: 2 }, 'bad-chain', 0x80090327, 46],
  ['empty chain', () => [], {}, 'malformed', 0x80090327, 42],
  ['unknown signature algorithm', () => [withSignatureOid(cert('server-p256.pem'), 0x7f), cert('ec-int.pem')], {}, 'unsupported-algorithm', 0x80090327, 43],
];

/** Re-parses `c` with the last byte of both ecdsa-with-SHA256 OIDs replaced (an unknown OID). */
function withSignatureOid(c: ParsedCertificate, lastByte: number): ParsedCertificate {
  const d = new Uint8Array(c.der);
  const oid = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
  for (let i = 0; i + oid.length <= d.length; i++) if (oid.every((b, j) => d[i + j] === b)) d[i + 7] = lastByte;
  const r = parseCertificate(d);
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}

describe('each failure kind with its status and alert', () => {
  for (const [name, chain, extra, kind, status, alert] of FAILURES) {
    it(`${name} → ${kind} (0x${status.toString(16)}, alert ${alert})`, () => {
      const f = verifyCertificateChain(chain(), opts(extra));
      expect(f?.kind).toBe(kind);
      expect(f?.detail.length).toBeGreaterThan(0);
      expect(certFailureStatus(f ?? kind)).toBe(status);
      expect(certFailureAlert(f ?? kind)).toBe(alert);
    });
  }

  it('the failing certificate\'s depth is reported', () => {
    expect(verifyCertificateChain(certs('bad-nonca.chain.pem'), opts())?.depth).toBe(1);
    expect(verifyCertificateChain(certs('bad-pathlen.chain.pem'), opts())?.depth).toBe(2);
    expect(verifyCertificateChain(certs('bad-expired.chain.pem'), opts())?.depth).toBe(0);
  });

  it('without a target name (SCH_CRED_NO_SERVERNAME_CHECK) the wrong name passes', () => {
    expect(verifyCertificateChain(certs('bad-wrongname.chain.pem'), opts({ targetName: undefined }))).toBeNull();
    expect(verifyCertificateChain(certs('bad-wrongname.chain.pem'), opts({ targetName: '' }))).toBeNull();
  });
});

describe('CERT_FAILURE_MAP (sspi-behaviour.md §3.1, §3.7)', () => {
  const table: readonly [CertFailureKind, number, string, number, string][] = [
    ['untrusted-root', 0x80090325, 'SEC_E_UNTRUSTED_ROOT', 48, 'unknown_ca'],
    ['expired', 0x80090328, 'SEC_E_CERT_EXPIRED', 45, 'certificate_expired'],
    ['not-yet-valid', 0x80090328, 'SEC_E_CERT_EXPIRED', 45, 'certificate_expired'],
    ['wrong-principal', 0x80090322, 'SEC_E_WRONG_PRINCIPAL', 42, 'bad_certificate'],
    ['wrong-usage', 0x80090349, 'SEC_E_CERT_WRONG_USAGE', 43, 'unsupported_certificate'],
    ['bad-signature', 0x80090327, 'SEC_E_CERT_UNKNOWN', 42, 'bad_certificate'],
    ['bad-chain', 0x80090327, 'SEC_E_CERT_UNKNOWN', 46, 'certificate_unknown'],
    ['malformed', 0x80090327, 'SEC_E_CERT_UNKNOWN', 42, 'bad_certificate'],
    ['unsupported-algorithm', 0x80090327, 'SEC_E_CERT_UNKNOWN', 43, 'unsupported_certificate'],
  ];
  it('covers every kind exactly once', () => {
    expect(Object.keys(CERT_FAILURE_MAP).sort()).toEqual(table.map(([k]) => k).sort());
  });
  for (const [kind, status, statusName, alert, alertName] of table) {
    it(`${kind} → ${statusName} / ${alertName}(${alert})`, () => {
      expect(CERT_FAILURE_MAP[kind]).toEqual({ status, statusName, alert, alertName });
    });
  }
});

describe('RFC 6125 name matching', () => {
  /** [presented identifier, reference identifier, match?, rule] */
  const cases: readonly [string, string, boolean, string][] = [
    ['device.test', 'device.test', true, '§6.4.1 exact match'],
    ['Device.TEST', 'device.test', true, '§6.4.1 case-insensitive'],
    ['device.test', 'device.test.', true, 'trailing dot on the reference identifier'],
    ['device.test.', 'device.test', true, 'trailing dot on the presented identifier'],
    ['device.test', 'other.test', false, '§6.4.1 different name'],
    ['device.test', 'a.device.test', false, '§6.4.1 no implicit subdomains'],
    ['*.devices.test', 'node.devices.test', true, '§6.4.3 wildcard matches one leftmost label'],
    ['*.devices.test', 'NODE.Devices.Test', true, '§6.4.3 wildcard, case-insensitive'],
    ['*.devices.test', 'devices.test', false, '§6.4.3 wildcard does not match the empty label'],
    ['*.devices.test', 'a.b.devices.test', false, '§6.4.3 rule 2: wildcard does not match across dots'],
    ['*.devices.test', '.devices.test', false, 'empty leftmost label'],
    ['a.*.test', 'a.b.test', false, '§6.4.3 rule 1: wildcard only in the leftmost label'],
    ['*.*.test', 'a.b.test', false, '§6.4.3 rule 1: one wildcard only'],
    ['f*.devices.test', 'foo.devices.test', false, '§6.4.3 rule 3 not supported: partial-label wildcard (CA/B BR)'],
    ['*o.devices.test', 'foo.devices.test', false, '§6.4.3 rule 3 not supported: suffix wildcard'],
    ['xn--*.devices.test', 'xn--bcher-kva.devices.test', false, '§6.4.3: no wildcard inside an A-label'],
    ['*.com', 'example.com', false, '§7.2: no wildcard over a single-label (public-suffix-like) base'],
    ['*.test', 'device.test', false, '§7.2: no wildcard over a single-label base'],
    ['*', 'localhost', false, 'a lone wildcard matches nothing'],
    ['localhost', 'localhost', true, 'single-label exact name'],
    ['', 'localhost', false, 'empty presented identifier'],
    ['device.test', '', false, 'empty reference identifier'],
    ['dev ice.test', 'dev ice.test', false, 'not a DNS name'],
  ];
  for (const [pattern, host, expected, rule] of cases) {
    it(`${rule}: "${pattern}" vs "${host}" → ${expected}`, () => {
      expect(matchHostname(pattern, host)).toBe(expected);
    });
  }

  it('IP literals compare with iPAddress SANs only, never dNSName or CN (RFC 2818 §3.1)', () => {
    expect(parseIp('127.0.0.1')).toEqual(new Uint8Array([127, 0, 0, 1]));
    expect(parseIp('127.000.0.1')).toBeNull();
    expect(parseIp('256.0.0.1')).toBeNull();
    expect(parseIp('::1')?.[15]).toBe(1);
    expect(parseIp('[2001:db8::1]')?.slice(0, 2)).toEqual(new Uint8Array([0x20, 0x01]));
    expect(parseIp('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseIp('::ffff:127.0.0.1')?.slice(12)).toEqual(new Uint8Array([127, 0, 0, 1]));
    expect(parseIp('localhost')).toBeNull();
  });
});

describe('never throws', () => {
  it('a chain of unrelated certificates gives a typed failure', () => {
    const pem = decodePem(fixtureText('roots.pem'));
    expect(pem.ok).toBe(true);
    const f = verifyCertificateChain([cert('rogue-root.pem'), cert('bad-untrusted.pem')], opts());
    expect(f?.kind).toBe('untrusted-root');
  });
});
