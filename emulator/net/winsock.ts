/**
 * Winsock result codes and constants, with the values `winsock.h` gives them on Windows CE.
 *
 * cesim's stream sockets answer the way Winsock does: a byte count or `0` on success,
 * `SOCKET_ERROR` on failure, with the reason in the socket's `lastError` (what
 * `WSAGetLastError()` would return right after the call).
 */

/** The failure return of most Winsock calls. */
export const SOCKET_ERROR = -1;

/** A non-blocking operation could not complete at once. */
export const WSAEWOULDBLOCK = 10035;
/** The socket is not a valid socket handle (it was closed). */
export const WSAENOTSOCK = 10038;
/** An invalid argument was supplied (e.g. `accept` on a socket that is not listening). */
export const WSAEINVAL = 10022;
/** The address (port) is already in use. */
export const WSAEADDRINUSE = 10048;
/** The network is unreachable: no link leads to the destination. */
export const WSAENETUNREACH = 10051;
/** The connection was reset by the peer (an RST arrived). */
export const WSAECONNRESET = 10054;
/** The socket is already connected. */
export const WSAEISCONN = 10056;
/** The socket is not connected. */
export const WSAENOTCONN = 10057;
/** The socket has been shut down in this direction (`shutdown` or `closesocket`). */
export const WSAESHUTDOWN = 10058;
/** The operation timed out: no answer after the retransmission limit, or the receive timeout. */
export const WSAETIMEDOUT = 10060;
/** The connection was refused: nothing listens on that port (an RST answered the SYN). */
export const WSAECONNREFUSED = 10061;

/** `shutdown(how)`: stop receiving. */
export const SD_RECEIVE = 0;
/** `shutdown(how)`: stop sending (sends FIN). */
export const SD_SEND = 1;
/** `shutdown(how)`: stop both. */
export const SD_BOTH = 2;

/** The name of a Winsock error code, for traces and messages (`WSAETIMEDOUT`). */
export function wsaErrorName(code: number): string {
  return WSA_NAMES.get(code) ?? `WSA error ${code}`;
}

const WSA_NAMES = new Map<number, string>([
  [0, 'NO_ERROR'],
  [WSAEWOULDBLOCK, 'WSAEWOULDBLOCK'],
  [WSAENOTSOCK, 'WSAENOTSOCK'],
  [WSAEINVAL, 'WSAEINVAL'],
  [WSAEADDRINUSE, 'WSAEADDRINUSE'],
  [WSAENETUNREACH, 'WSAENETUNREACH'],
  [WSAECONNRESET, 'WSAECONNRESET'],
  [WSAEISCONN, 'WSAEISCONN'],
  [WSAENOTCONN, 'WSAENOTCONN'],
  [WSAESHUTDOWN, 'WSAESHUTDOWN'],
  [WSAETIMEDOUT, 'WSAETIMEDOUT'],
  [WSAECONNREFUSED, 'WSAECONNREFUSED'],
]);
