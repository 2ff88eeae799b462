/**
 * The TLS 1.2 handshakes as two transition tables on `common/fsm.ts` (RFC 5246 §7.3 message
 * flow, RFC 5077 §3.1 tickets, RFC 5246 §7.3 abbreviated handshake). Events are handshake
 * message types, `ccs` (a ChangeCipherSpec record, RFC 5246 §7.1) and `api` (a call such as
 * start() or provideClientCertificate()). The machines dispatch through {@link step}, so an
 * unexpected message comes from one place.
 */
import { StateTable } from '../../../common/index.js';
import { HandshakeType } from '../codec/constants.js';
import { TlsError } from '../errors.js';

/** A TLS 1.2 machine event. */
export type Event12 = HandshakeType | 'ccs' | 'api';

/** Client states. */
export type Client12State =
  | 'Start'
  | 'ExpectServerHello'
  | 'ExpectCertificate'
  | 'ExpectServerKeyExchange'
  | 'ExpectCertificateRequestOrDone'
  | 'ExpectServerHelloDone'
  | 'AwaitClientCertificate'
  | 'ExpectTicketOrCcs'
  | 'ExpectCcs'
  | 'ExpectFinished'
  | 'ExpectResumedTicketOrCcs'
  | 'ExpectResumedCcs'
  | 'ExpectResumedFinished'
  | 'Traffic';

/** Server states. */
export type Server12State =
  | 'ExpectClientHello'
  | 'ExpectCertificate'
  | 'ExpectClientKeyExchange'
  | 'ExpectCertificateVerify'
  | 'ExpectCcs'
  | 'ExpectFinished'
  | 'ExpectResumedCcs'
  | 'ExpectResumedFinished'
  | 'Traffic';

const label = (on: Event12): string => (typeof on === 'number' ? (HandshakeType[on] ?? String(on)) : on);

/** The client's table (RFC 5246 §7.3, Figure 1 and Figure 2). */
export const CLIENT12_TABLE = new StateTable<Client12State, Event12>('TLS 1.2 client', 'Start', [
  { from: 'Start', on: 'api', to: 'ExpectServerHello', note: 'start(): ClientHello' },
  { from: 'ExpectServerHello', on: HandshakeType.server_hello, to: ['ExpectCertificate', 'ExpectResumedTicketOrCcs'] },
  { from: 'ExpectCertificate', on: HandshakeType.certificate, to: ['ExpectServerKeyExchange', 'ExpectCertificateRequestOrDone'] },
  { from: 'ExpectServerKeyExchange', on: HandshakeType.server_key_exchange, to: 'ExpectCertificateRequestOrDone' },
  { from: 'ExpectCertificateRequestOrDone', on: HandshakeType.certificate_request, to: 'ExpectServerHelloDone' },
  { from: 'ExpectCertificateRequestOrDone', on: HandshakeType.server_hello_done, to: 'ExpectTicketOrCcs', note: 'send CKE, CCS, Finished' },
  { from: 'ExpectServerHelloDone', on: HandshakeType.server_hello_done, to: ['ExpectTicketOrCcs', 'AwaitClientCertificate'] },
  { from: 'AwaitClientCertificate', on: 'api', to: 'ExpectTicketOrCcs', note: 'provideClientCertificate()' },
  { from: 'ExpectTicketOrCcs', on: HandshakeType.new_session_ticket, to: 'ExpectCcs' },
  { from: 'ExpectTicketOrCcs', on: 'ccs', to: 'ExpectFinished' },
  { from: 'ExpectCcs', on: 'ccs', to: 'ExpectFinished' },
  { from: 'ExpectFinished', on: HandshakeType.finished, to: 'Traffic' },
  { from: 'ExpectResumedTicketOrCcs', on: HandshakeType.new_session_ticket, to: 'ExpectResumedCcs' },
  { from: 'ExpectResumedTicketOrCcs', on: 'ccs', to: 'ExpectResumedFinished' },
  { from: 'ExpectResumedCcs', on: 'ccs', to: 'ExpectResumedFinished' },
  { from: 'ExpectResumedFinished', on: HandshakeType.finished, to: 'Traffic', note: 'send CCS, Finished' },
  { from: 'Traffic', on: HandshakeType.hello_request, to: 'Traffic', note: 'renegotiation request' },
], { final: ['Traffic'], label });

/** The server's table (RFC 5246 §7.3). */
export const SERVER12_TABLE = new StateTable<Server12State, Event12>('TLS 1.2 server', 'ExpectClientHello', [
  { from: 'ExpectClientHello', on: HandshakeType.client_hello, to: ['ExpectCertificate', 'ExpectClientKeyExchange', 'ExpectResumedCcs'] },
  { from: 'ExpectCertificate', on: HandshakeType.certificate, to: 'ExpectClientKeyExchange' },
  { from: 'ExpectClientKeyExchange', on: HandshakeType.client_key_exchange, to: ['ExpectCertificateVerify', 'ExpectCcs'] },
  { from: 'ExpectCertificateVerify', on: HandshakeType.certificate_verify, to: 'ExpectCcs' },
  { from: 'ExpectCcs', on: 'ccs', to: 'ExpectFinished' },
  { from: 'ExpectFinished', on: HandshakeType.finished, to: 'Traffic', note: 'send [ticket], CCS, Finished' },
  { from: 'ExpectResumedCcs', on: 'ccs', to: 'ExpectResumedFinished' },
  { from: 'ExpectResumedFinished', on: HandshakeType.finished, to: 'Traffic' },
  { from: 'Traffic', on: HandshakeType.client_hello, to: 'Traffic', note: 'renegotiation: declined with no_renegotiation' },
], { final: ['Traffic'], label });

/**
 * Refuses an event the state does not take (RFC 5246 §7.3: messages MUST be sent in the order
 * shown; anything else is an unexpected_message).
 */
export function accept<S extends string>(table: StateTable<S, Event12>, from: S, on: Event12): void {
  if (!table.check(from, on)) throw new TlsError('peer.unexpected_message', `${label(on)} in ${from}`);
}

/** Moves along a row; a move the table lacks is an engine bug. */
export function step<S extends string>(table: StateTable<S, Event12>, from: S, on: Event12, to: S): S {
  const next = table.move(from, on, to);
  if (next === null) throw new TlsError('internal.error', `no transition ${from} --${label(on)}--> ${to}`);
  return next;
}
