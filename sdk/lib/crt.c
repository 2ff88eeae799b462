/*
 * cesim's small C runtime, linked into every module `cesim cc` builds (with wasi-libc for the
 * rest of the C library):
 * - malloc/free/calloc/realloc on the process heap, so the firmware's own allocations are
 *   device heap blocks (LocalAlloc's heap) charged to the process with the owner tag `c.malloc`;
 * - gethostbyname and inet_ntoa over the device's resolver, with Winsock's static result buffers;
 * - InitSecurityInterfaceW's function table, filled with Security.dll's functions.
 * printf and the rest of stdio go to the device's debug console through the runtime's WASI
 * fd_write. Written for cesim.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#define SECURITY_WIN32
#include "windows.h"
#include "winsock.h"
#include "security.h"

/* ---- the heap ---- */
CESIM_IMPORT(__cesim_malloc) void *__cesim_malloc(size_t size, unsigned zero);
CESIM_IMPORT(__cesim_free) void __cesim_free(void *p);
CESIM_IMPORT(__cesim_realloc) void *__cesim_realloc(void *p, size_t size);
CESIM_IMPORT(__cesim_usable_size) size_t __cesim_usable_size(void *p);

void *malloc(size_t size) {
  void *p = __cesim_malloc(size, 0);
  if (!p) errno = ENOMEM;
  return p;
}

void free(void *p) { __cesim_free(p); }

void *calloc(size_t n, size_t size) {
  if (size != 0 && n > (size_t)-1 / size) {
    errno = ENOMEM;
    return NULL;
  }
  void *p = __cesim_malloc(n * size, 1);
  if (!p) errno = ENOMEM;
  return p;
}

void *realloc(void *p, size_t size) {
  void *q = __cesim_realloc(p, size);
  if (!q && size) errno = ENOMEM;
  return q;
}

/* The heap gives 8-byte-aligned blocks (CE's heap granularity); larger alignments are refused. */
void *aligned_alloc(size_t alignment, size_t size) {
  if (alignment > 8 || (alignment & (alignment - 1)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  return malloc(size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (alignment > 8 || (alignment & (alignment - 1)) != 0 || alignment % sizeof(void *) != 0) return EINVAL;
  void *p = malloc(size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

void *memalign(size_t alignment, size_t size) { return aligned_alloc(alignment, size); }

size_t malloc_usable_size(void *p) { return p ? __cesim_usable_size(p) : 0; }

/* ---- Winsock's static results ---- */
CESIM_IMPORT(__cesim_gethostaddr) unsigned long __cesim_gethostaddr(const char *name, char *canon, int canonLen);

static char host_name[256];
static unsigned long host_addr;
static char *host_addr_list[2];
static char *host_aliases[1];
static struct hostent host_ent;

struct hostent *WINAPI gethostbyname(const char *name) {
  if (!name) {
    WSASetLastError(WSAEFAULT);
    return NULL;
  }
  unsigned long a = __cesim_gethostaddr(name, host_name, (int)sizeof host_name);
  if (a == INADDR_NONE) return NULL; /* WSAGetLastError() says why (WSAHOST_NOT_FOUND) */
  host_addr = a;
  host_addr_list[0] = (char *)&host_addr;
  host_addr_list[1] = NULL;
  host_aliases[0] = NULL;
  host_ent.h_name = host_name;
  host_ent.h_aliases = host_aliases;
  host_ent.h_addrtype = AF_INET;
  host_ent.h_length = 4;
  host_ent.h_addr_list = host_addr_list;
  return &host_ent;
}

static char ntoa_buf[16];

char *WINAPI inet_ntoa(struct in_addr in) {
  unsigned char *b = (unsigned char *)&in.S_un.S_addr;
  char *o = ntoa_buf;
  for (int i = 0; i < 4; i++) {
    unsigned v = b[i];
    if (v >= 100) *o++ = (char)('0' + v / 100);
    if (v >= 10) *o++ = (char)('0' + (v / 10) % 10);
    *o++ = (char)('0' + v % 10);
    if (i < 3) *o++ = '.';
  }
  *o = 0;
  return ntoa_buf;
}

/* ---- Security.dll's function table ---- */
static SecurityFunctionTableW security_table = {
    SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
    EnumerateSecurityPackagesW,
    QueryCredentialsAttributesW,
    AcquireCredentialsHandleW,
    FreeCredentialsHandle,
    NULL,
    InitializeSecurityContextW,
    AcceptSecurityContext,
    CompleteAuthToken,
    DeleteSecurityContext,
    ApplyControlToken,
    QueryContextAttributesW,
    ImpersonateSecurityContext,
    RevertSecurityContext,
    MakeSignature,
    VerifySignature,
    FreeContextBuffer,
    QuerySecurityPackageInfoW,
    NULL,
    NULL,
    ExportSecurityContext,
    ImportSecurityContextW,
    AddCredentialsW,
    NULL,
    QuerySecurityContextToken,
    EncryptMessage,
    DecryptMessage,
    SetContextAttributesW,
};

PSecurityFunctionTableW SEC_ENTRY InitSecurityInterfaceW(void) { return &security_table; }

/* ---- CE's 16-bit string functions (WCHAR; wasi-libc's wcs* work on its 32-bit wchar_t) ---- */
int WINAPI lstrlenW(LPCWSTR s) {
  int n = 0;
  if (!s) return 0;
  while (s[n]) n++;
  return n;
}
LPWSTR WINAPI lstrcpyW(LPWSTR d, LPCWSTR s) {
  LPWSTR r = d;
  while ((*d++ = *s++) != 0) {
  }
  return r;
}
LPWSTR WINAPI lstrcatW(LPWSTR d, LPCWSTR s) {
  lstrcpyW(d + lstrlenW(d), s);
  return d;
}
int WINAPI lstrcmpW(LPCWSTR a, LPCWSTR b) {
  while (*a && *a == *b) a++, b++;
  return (int)*a - (int)*b;
}
