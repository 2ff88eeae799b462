/**
 * Shared helpers for the certificate tests: fixture loading (test/fixtures/pki, made by
 * make.sh) and a recording CostSink.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCertificates, parsePrivateKey, type ParsedCertificate } from '../../schannel/cert/index.js';
import type { CostSink, PrivateKey } from '../../schannel/crypto/types.js';

/** The fixture directory. */
export const PKI_DIR = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));

/** The device clock the fixtures are designed for: 2026-01-01T00:00:00Z. */
export const NOW = Date.UTC(2026, 0, 1);

/** Reads a fixture file as text. */
export function fixtureText(name: string): string {
  return readFileSync(PKI_DIR + name, 'utf8');
}

/** Reads a fixture file as bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(PKI_DIR + name));
}

/** Every certificate in a PEM fixture; throws (test setup) if it does not parse. */
export function certs(name: string): ParsedCertificate[] {
  const r = parseCertificates(fixtureText(name));
  if (!r.ok) throw new Error(`${name}: ${r.error.kind}: ${r.error.detail}`);
  return r.value;
}

/** The first certificate of a PEM fixture. */
export function cert(name: string): ParsedCertificate {
  return certs(name)[0] as ParsedCertificate;
}

/** A private key fixture; throws (test setup) if it does not parse. */
export function key(name: string): PrivateKey {
  const r = parsePrivateKey(fixtureText(name));
  if (!r.ok) throw new Error(`${name}: ${r.error.kind}: ${r.error.detail}`);
  return r.value;
}

/** A CostSink that records every charge. */
export class RecordingCost implements CostSink {
  readonly charges: { primitive: string; bytes?: number }[] = [];
  charge(primitive: string, bytes?: number): void {
    this.charges.push(bytes === undefined ? { primitive } : { primitive, bytes });
  }
  /** The primitives charged, in order. */
  names(): string[] {
    return this.charges.map((c) => c.primitive);
  }
}

/** A CostSink that ignores charges. */
export const NO_COST: CostSink = { charge: () => undefined };
