/**
 * Alert messages (RFC 8446 §6).
 */
import { decodeError } from '../errors.js';
import { Reader, encodeWith } from './reader.js';
import { AlertDescription } from './alert-description.js';

export { AlertLevel, AlertDescription, alertName } from './alert-description.js';

/** An alert as on the wire. `level` and `description` keep unknown values as numbers. */
export interface Alert {
  level: number;
  description: number;
}

/** Alert codec: exactly two bytes. */
export const AlertCodec = {
  /** Decodes; anything but exactly two bytes is a decode error. */
  decode(b: Uint8Array): Alert {
    const r = new Reader(b);
    const level = r.u8('alert level');
    const description = r.u8('alert description');
    r.end('Alert');
    return { level, description };
  },
  /** Encodes. */
  encode(a: Alert): Uint8Array {
    return encodeWith((w) => w.u8(a.level).u8(a.description));
  },
};

/** Throws unless the description is known (used where the engine must act on it). */
export function assertKnownAlert(d: number): AlertDescription {
  if (AlertDescription[d] === undefined) throw decodeError(`unknown alert ${d}`);
  return d as AlertDescription;
}
