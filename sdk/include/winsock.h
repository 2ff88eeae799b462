/*
 * winsock.h for cesim: Winsock 1.1 as Windows CE 2.10 has it, over the emulated network.
 * Blocking calls (connect, accept, send, recv, select) block the C process in virtual time
 * while the loop runs the rest of the device and the network. Written for cesim from the
 * published API: names, values and 32-bit layouts.
 */
#ifndef _WINSOCKAPI_
#define _WINSOCKAPI_

#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;
typedef UINT_PTR SOCKET;

#define INVALID_SOCKET ((SOCKET)(~0))
#define SOCKET_ERROR (-1)

#define AF_UNSPEC 0
#define AF_INET 2
#define PF_INET AF_INET
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define INADDR_ANY ((u_long)0x00000000)
#define INADDR_LOOPBACK 0x7f000001
#define INADDR_NONE 0xffffffff

#define SOL_SOCKET 0xffff
#define SO_RCVTIMEO 0x1006
#define SO_SNDTIMEO 0x1005
#define SO_REUSEADDR 0x0004
#define SO_KEEPALIVE 0x0008
#define TCP_NODELAY 0x0001

#define SD_RECEIVE 0x00
#define SD_SEND 0x01
#define SD_BOTH 0x02

#define MSG_OOB 0x1
#define MSG_PEEK 0x2

#define FD_SETSIZE 64
typedef struct fd_set {
  u_int fd_count;
  SOCKET fd_array[FD_SETSIZE];
} fd_set;

#define FD_ZERO(set) (((fd_set *)(set))->fd_count = 0)
#define FD_SET(fd, set)                                                                     \
  do {                                                                                      \
    u_int __i;                                                                              \
    for (__i = 0; __i < ((fd_set *)(set))->fd_count; __i++)                                 \
      if (((fd_set *)(set))->fd_array[__i] == (fd)) break;                                  \
    if (__i == ((fd_set *)(set))->fd_count && ((fd_set *)(set))->fd_count < FD_SETSIZE)     \
      ((fd_set *)(set))->fd_array[((fd_set *)(set))->fd_count++] = (fd);                    \
  } while (0)
CESIM_IMPORT(__WSAFDIsSet) int WINAPI __WSAFDIsSet(SOCKET fd, fd_set *set) CESIM_SYMBOL(__WSAFDIsSet);
#define FD_ISSET(fd, set) __WSAFDIsSet((SOCKET)(fd), (fd_set *)(set))

/*
 * Winsock's timeval is two longs (8 bytes); wasi-libc's POSIX one has a 64-bit tv_sec. In a
 * translation unit that includes winsock.h, `struct timeval` is Winsock's: when the POSIX one
 * was seen first it keeps its own name and Winsock's is renamed under the macro; later POSIX
 * includes are kept from defining theirs.
 */
#if defined(__wasilibc___struct_timeval_h) || defined(__DEFINED_struct_timeval)
#define timeval __cesim_winsock_timeval
#endif
#ifndef __wasilibc___struct_timeval_h
#define __wasilibc___struct_timeval_h
#endif
#ifndef __DEFINED_struct_timeval
#define __DEFINED_struct_timeval
#endif
struct timeval {
  long tv_sec;
  long tv_usec;
};

struct in_addr {
  union {
    struct { u_char s_b1, s_b2, s_b3, s_b4; } S_un_b;
    struct { u_short s_w1, s_w2; } S_un_w;
    u_long S_addr;
  } S_un;
};
#define s_addr S_un.S_addr

struct sockaddr {
  u_short sa_family;
  char sa_data[14];
};

struct sockaddr_in {
  short sin_family;
  u_short sin_port;
  struct in_addr sin_addr;
  char sin_zero[8];
};

typedef struct sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;

struct hostent {
  char *h_name;
  char **h_aliases;
  short h_addrtype;
  short h_length;
  char **h_addr_list;
};
#define h_addr h_addr_list[0]
typedef struct hostent HOSTENT, *PHOSTENT, *LPHOSTENT;

#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128
typedef struct WSAData {
  WORD wVersion;
  WORD wHighVersion;
  char szDescription[WSADESCRIPTION_LEN + 1];
  char szSystemStatus[WSASYS_STATUS_LEN + 1];
  unsigned short iMaxSockets;
  unsigned short iMaxUdpDg;
  char *lpVendorInfo;
} WSADATA, *LPWSADATA;

/* ---- error codes (WSAGetLastError) ---- */
#define WSABASEERR 10000
#define WSAEINTR 10004
#define WSAEBADF 10009
#define WSAEACCES 10013
#define WSAEFAULT 10014
#define WSAEINVAL 10022
#define WSAEMFILE 10024
#define WSAEWOULDBLOCK 10035
#define WSAEINPROGRESS 10036
#define WSAEALREADY 10037
#define WSAENOTSOCK 10038
#define WSAEDESTADDRREQ 10039
#define WSAEMSGSIZE 10040
#define WSAEPROTOTYPE 10041
#define WSAENOPROTOOPT 10042
#define WSAEPROTONOSUPPORT 10043
#define WSAESOCKTNOSUPPORT 10044
#define WSAEOPNOTSUPP 10045
#define WSAEAFNOSUPPORT 10047
#define WSAEADDRINUSE 10048
#define WSAEADDRNOTAVAIL 10049
#define WSAENETDOWN 10050
#define WSAENETUNREACH 10051
#define WSAECONNABORTED 10053
#define WSAECONNRESET 10054
#define WSAENOBUFS 10055
#define WSAEISCONN 10056
#define WSAENOTCONN 10057
#define WSAESHUTDOWN 10058
#define WSAETIMEDOUT 10060
#define WSAECONNREFUSED 10061
#define WSAEHOSTUNREACH 10065
#define WSASYSNOTREADY 10091
#define WSAVERNOTSUPPORTED 10092
#define WSANOTINITIALISED 10093
#define WSAHOST_NOT_FOUND 11001
#define WSANO_DATA 11004

/* ---- byte order: the VR4121 runs little-endian, like wasm32 ---- */
static __inline u_short cesim_htons(u_short v) { return (u_short)((v << 8) | (v >> 8)); }
static __inline u_long cesim_htonl(u_long v) {
  return ((v & 0xffUL) << 24) | ((v & 0xff00UL) << 8) | ((v >> 8) & 0xff00UL) | (v >> 24);
}
#define htons cesim_htons
#define ntohs cesim_htons
#define htonl cesim_htonl
#define ntohl cesim_htonl

/* ---- functions ---- */
CESIM_IMPORT(WSAStartup) int WINAPI WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData) CESIM_SYMBOL(WSAStartup);
CESIM_IMPORT(WSACleanup) int WINAPI WSACleanup(void) CESIM_SYMBOL(WSACleanup);
CESIM_IMPORT(WSAGetLastError) int WINAPI WSAGetLastError(void) CESIM_SYMBOL(WSAGetLastError);
CESIM_IMPORT(WSASetLastError) void WINAPI WSASetLastError(int iError) CESIM_SYMBOL(WSASetLastError);
CESIM_IMPORT(socket) SOCKET WINAPI socket(int af, int type, int protocol) CESIM_SYMBOL(socket);
CESIM_IMPORT(bind) int WINAPI bind(SOCKET s, const struct sockaddr *name, int namelen) CESIM_SYMBOL(bind);
CESIM_IMPORT(listen) int WINAPI listen(SOCKET s, int backlog) CESIM_SYMBOL(listen);
CESIM_IMPORT(accept) SOCKET WINAPI accept(SOCKET s, struct sockaddr *addr, int *addrlen) CESIM_SYMBOL(accept);
CESIM_IMPORT(connect) int WINAPI connect(SOCKET s, const struct sockaddr *name, int namelen) CESIM_SYMBOL(connect);
CESIM_IMPORT(send) int WINAPI send(SOCKET s, const char *buf, int len, int flags) CESIM_SYMBOL(send);
CESIM_IMPORT(recv) int WINAPI recv(SOCKET s, char *buf, int len, int flags) CESIM_SYMBOL(recv);
CESIM_IMPORT(shutdown) int WINAPI shutdown(SOCKET s, int how) CESIM_SYMBOL(shutdown);
CESIM_IMPORT(closesocket) int WINAPI closesocket(SOCKET s) CESIM_SYMBOL(closesocket);
CESIM_IMPORT(select) int WINAPI select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, const struct timeval *timeout) CESIM_SYMBOL(select);
CESIM_IMPORT(setsockopt) int WINAPI setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen) CESIM_SYMBOL(setsockopt);
CESIM_IMPORT(getsockopt) int WINAPI getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen) CESIM_SYMBOL(getsockopt);
CESIM_IMPORT(inet_addr) unsigned long WINAPI inet_addr(const char *cp) CESIM_SYMBOL(inet_addr);
/* The result lives in a buffer of the SDK's runtime, overwritten by the next call (as in Winsock). */
struct hostent *WINAPI gethostbyname(const char *name);
char *WINAPI inet_ntoa(struct in_addr in);

#ifdef __cplusplus
}
#endif

#endif /* _WINSOCKAPI_ */
