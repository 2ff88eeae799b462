/**
 * `SECURITY_STATUS` helpers: names and messages for traces, and the SUCCEEDED/FAILED tests.
 */

import { STATUS_TABLE } from './constants.js';

/** `SECURITY_STATUS`: an unsigned 32-bit number. */
export type SECURITY_STATUS = number;

/** The winerror.h name of a status (`SEC_E_INVALID_TOKEN`), or `0x…` for an unknown one. */
export function statusName(status: number): string {
  const s = toStatus(status);
  return STATUS_TABLE.get(s)?.name ?? hex32(s);
}

/** Name, value and winerror.h message: `SEC_E_INVALID_TOKEN (0x80090308): The token supplied …`. */
export function statusText(status: number): string {
  const s = toStatus(status);
  const info = STATUS_TABLE.get(s);
  return info ? `${info.name} (${hex32(s)}): ${info.text}` : `${hex32(s)}: Unknown status.`;
}

/** `SEC_SUCCESS(status)`: the severity bit is clear (SEC_E_OK and every SEC_I_*). */
export function SEC_SUCCESS(status: number): boolean {
  return (toStatus(status) & 0x80000000) === 0;
}

/**
 * A status as an unsigned 32-bit number (negative signed values are converted); anything that
 * is not an integer (a package returning garbage) is `SEC_E_INTERNAL_ERROR`.
 */
export function toStatus(status: unknown): number {
  return typeof status === 'number' && Number.isInteger(status) ? status >>> 0 : 0x80090304;
}

/** `0x80090308`-style spelling of a 32-bit value. */
export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
