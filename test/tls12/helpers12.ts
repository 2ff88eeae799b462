/**
 * Test helpers for TLS 1.2: an in-process pump between any two endpoints with the engines'
 * receive/open/seal shape (TLS 1.2 or 1.3), and a data transfer.
 */
import type { TlsError, TlsEvent } from '../../schannel/tls/index.js';

/** What the pump needs of an endpoint. */
export interface Endpoint {
  readonly handshakeComplete: boolean;
  readonly failed: boolean;
  receive(input: Uint8Array): { consumed: number; output: Uint8Array; events: TlsEvent[]; error?: TlsError };
  open(input: Uint8Array): { consumed: number; output: Uint8Array; plaintext: Uint8Array; events: TlsEvent[]; error?: TlsError };
  seal(data: Uint8Array): { record: Uint8Array; error?: TlsError };
  streamSizes(): { maximumMessage: number };
}

/** Outcome of {@link pump12}. */
export interface Pump12Result {
  clientEvents: TlsEvent[];
  serverEvents: TlsEvent[];
  clientError?: TlsError;
  serverError?: TlsError;
  /** Every byte each side sent, in order. */
  clientSent: Uint8Array[];
  serverSent: Uint8Array[];
}

const cat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
};

/** Runs a handshake: `first` is the client's first flight. */
export function pump12(client: Endpoint, server: Endpoint, first: Uint8Array): Pump12Result {
  const res: Pump12Result = { clientEvents: [], serverEvents: [], clientSent: [first], serverSent: [] };
  let toServer = first;
  let toClient: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 20 && !res.clientError && !res.serverError; i++) {
    if (toServer.length > 0) {
      const r = server.handshakeComplete ? server.open(toServer) : server.receive(toServer);
      res.serverEvents.push(...r.events);
      if (r.output.length) res.serverSent.push(r.output);
      toClient = cat(toClient, r.output);
      if (r.error) res.serverError = r.error;
      toServer = toServer.subarray(r.consumed);
      if (r.consumed === 0 && !r.error) toServer = new Uint8Array(0);
    }
    if (toClient.length > 0) {
      const r = client.handshakeComplete ? client.open(toClient) : client.receive(toClient);
      res.clientEvents.push(...r.events);
      if (r.output.length) res.clientSent.push(r.output);
      toServer = cat(toServer, r.output);
      if (r.error) res.clientError = r.error;
      toClient = toClient.subarray(r.consumed);
      if (r.consumed === 0 && !r.error) toClient = new Uint8Array(0);
    }
    if (client.handshakeComplete && server.handshakeComplete && toServer.length === 0 && toClient.length === 0) break;
    if (res.serverError && toClient.length > 0) {
      const r = client.handshakeComplete ? client.open(toClient) : client.receive(toClient);
      if (r.error) res.clientError = r.error;
    }
  }
  return res;
}

/** Sends data from one endpoint to the other, record by record; returns what arrived. */
export function transfer12(from: Endpoint, to: Endpoint, data: Uint8Array): Uint8Array {
  const max = from.streamSizes().maximumMessage;
  let out: Uint8Array = new Uint8Array(0);
  for (let off = 0; off < data.length || (off === 0 && data.length === 0); off += max) {
    const s = from.seal(data.subarray(off, off + max));
    if (s.error) throw s.error;
    const r = to.open(s.record);
    if (r.error) throw r.error;
    out = cat(out, r.plaintext);
    if (data.length === 0) break;
  }
  return out;
}
