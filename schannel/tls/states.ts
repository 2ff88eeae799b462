/**
 * The allowed handshake message sequences, as one table per role (s2n-tls style): which
 * messages each state accepts and which states each may lead to. The handshake code dispatches
 * through {@link checkAccepts} and {@link checkTransition}, so "unexpected message" comes from
 * one helper, and tests check the table's invariants. {@link mermaid} renders it for the docs.
 */
import { HandshakeType } from './codec/constants.js';
import { TlsError } from './errors.js';

/** Client states (rustls-style Expect… names). */
export type ClientState =
  | 'Start'
  | 'ExpectServerHello'
  | 'ExpectServerHelloAfterHrr'
  | 'ExpectEncryptedExtensions'
  | 'ExpectCertificateOrCertificateRequest'
  | 'ExpectCertificate'
  | 'ExpectCertificateVerify'
  | 'ExpectFinished'
  | 'AwaitClientCertificate'
  | 'ExpectTraffic';

/** Server states. */
export type ServerState =
  | 'ExpectClientHello'
  | 'ExpectClientHelloAfterHrr'
  | 'ExpectCertificate'
  | 'ExpectCertificateVerify'
  | 'ExpectFinished'
  | 'ExpectTraffic';

/** One row: in `from`, message `on` leads to one of `to` (`on: null` = an API call). */
export interface Transition<S extends string> {
  from: S;
  on: HandshakeType | null;
  to: readonly S[];
  note?: string;
}

/** The client's table (RFC 8446 §2, §4). */
export const CLIENT_TRANSITIONS: readonly Transition<ClientState>[] = [
  { from: 'Start', on: null, to: ['ExpectServerHello'], note: 'start(): send ClientHello' },
  { from: 'ExpectServerHello', on: HandshakeType.server_hello, to: ['ExpectEncryptedExtensions', 'ExpectServerHelloAfterHrr'] },
  { from: 'ExpectServerHelloAfterHrr', on: HandshakeType.server_hello, to: ['ExpectEncryptedExtensions'] },
  { from: 'ExpectEncryptedExtensions', on: HandshakeType.encrypted_extensions, to: ['ExpectCertificateOrCertificateRequest', 'ExpectFinished'] },
  { from: 'ExpectCertificateOrCertificateRequest', on: HandshakeType.certificate_request, to: ['ExpectCertificate'] },
  { from: 'ExpectCertificateOrCertificateRequest', on: HandshakeType.certificate, to: ['ExpectCertificateVerify'] },
  { from: 'ExpectCertificate', on: HandshakeType.certificate, to: ['ExpectCertificateVerify'] },
  { from: 'ExpectCertificateVerify', on: HandshakeType.certificate_verify, to: ['ExpectFinished'] },
  { from: 'ExpectFinished', on: HandshakeType.finished, to: ['ExpectTraffic', 'AwaitClientCertificate'] },
  { from: 'AwaitClientCertificate', on: null, to: ['ExpectTraffic'], note: 'provideClientCertificate()' },
  { from: 'ExpectTraffic', on: HandshakeType.new_session_ticket, to: ['ExpectTraffic'] },
  { from: 'ExpectTraffic', on: HandshakeType.key_update, to: ['ExpectTraffic'] },
];

/** The server's table (RFC 8446 §2, §4). */
export const SERVER_TRANSITIONS: readonly Transition<ServerState>[] = [
  { from: 'ExpectClientHello', on: HandshakeType.client_hello, to: ['ExpectFinished', 'ExpectCertificate', 'ExpectClientHelloAfterHrr'] },
  { from: 'ExpectClientHelloAfterHrr', on: HandshakeType.client_hello, to: ['ExpectFinished', 'ExpectCertificate'] },
  { from: 'ExpectCertificate', on: HandshakeType.certificate, to: ['ExpectCertificateVerify', 'ExpectFinished'] },
  { from: 'ExpectCertificateVerify', on: HandshakeType.certificate_verify, to: ['ExpectFinished'] },
  { from: 'ExpectFinished', on: HandshakeType.finished, to: ['ExpectTraffic'] },
  { from: 'ExpectTraffic', on: HandshakeType.key_update, to: ['ExpectTraffic'] },
];

/** The one "unexpected message" helper (RFC 8446 §6.2: unexpected_message). */
export function unexpectedMessage(state: string, msgType: number): TlsError {
  return new TlsError('peer.unexpected_message', `${HandshakeType[msgType] ?? `handshake type ${msgType}`} in state ${state}`);
}

/** Throws {@link unexpectedMessage} unless the table lets `state` accept `msgType`. */
export function checkAccepts<S extends string>(table: readonly Transition<S>[], state: S, msgType: number): void {
  if (!table.some((t) => t.from === state && t.on === msgType)) throw unexpectedMessage(state, msgType);
}

/** Throws an internal error if a handler moved somewhere the table does not allow. */
export function checkTransition<S extends string>(table: readonly Transition<S>[], from: S, on: number | null, to: S): void {
  if (!table.some((t) => t.from === from && t.on === on && t.to.includes(to))) {
    throw new TlsError('internal.error', `transition ${from} --${on}--> ${to} not in the table`);
  }
}

/** The table as a Mermaid state diagram. */
export function mermaid<S extends string>(table: readonly Transition<S>[], initial: S): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${initial}`];
  for (const t of table) {
    const label = t.on === null ? (t.note ?? 'api') : HandshakeType[t.on];
    for (const to of t.to) lines.push(`  ${t.from} --> ${to}: ${label}`);
  }
  return lines.join('\n');
}
