/*
 * windows.h for cesim: the Windows CE 2.10 base types and the subset of coredll that cesim
 * models (the heap, last error, time, debug output). Written for cesim from the published
 * Win32 API: names, values and 32-bit layouts as on a CE device (ILP32, WCHAR 16-bit).
 */
#ifndef _WINDOWS_
#define _WINDOWS_

#include <stddef.h>
#include <string.h>
#include "cesim_import.h"

#ifndef UNICODE
#define UNICODE 1
#endif
#ifndef _UNICODE
#define _UNICODE 1
#endif
#ifndef _WIN32_WCE
#define _WIN32_WCE 210
#endif
#ifndef UNDER_CE
#define UNDER_CE _WIN32_WCE
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- base types (windef.h / winnt.h) ---- */
#define WINAPI
#define APIENTRY
#define CALLBACK
#define WINBASEAPI
#define CONST const
#define VOID void
#define IN
#define OUT
#define OPTIONAL

typedef unsigned char BYTE, *PBYTE, *LPBYTE;
typedef unsigned short WORD, *PWORD, *LPWORD;
typedef unsigned long DWORD, *PDWORD, *LPDWORD;
typedef int BOOL, *PBOOL, *LPBOOL;
typedef unsigned char BOOLEAN, *PBOOLEAN;
typedef char CHAR, *PCHAR, *LPSTR, *PSTR;
typedef const char *LPCSTR, *PCSTR;
typedef unsigned char UCHAR, *PUCHAR;
typedef short SHORT;
typedef unsigned short USHORT, *PUSHORT;
typedef int INT, *PINT, *LPINT;
typedef unsigned int UINT, *PUINT;
typedef long LONG, *PLONG, *LPLONG;
typedef unsigned long ULONG, *PULONG;
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG, DWORDLONG;
typedef void *PVOID, *LPVOID;
typedef const void *LPCVOID;
typedef int INT_PTR;
typedef unsigned int UINT_PTR;
typedef long LONG_PTR;
typedef unsigned long ULONG_PTR, DWORD_PTR, SIZE_T, *PSIZE_T;
/*
 * WCHAR is 16-bit UTF-16, as on CE. clang 14's wasm32 target ignores -fshort-wchar (wchar_t
 * stays 32-bit), so WCHAR is C11's char16_t type and TEXT("…") makes u"…" literals; write
 * TEXT("…") or u"…" for wide strings, not L"…".
 */
typedef unsigned short WCHAR, *PWCHAR, *LPWSTR, *PWSTR;
typedef const unsigned short *LPCWSTR, *PCWSTR;
typedef void *HANDLE, **PHANDLE, **LPHANDLE;
typedef HANDLE HLOCAL, HGLOBAL, HINSTANCE, HMODULE, HWND;
typedef long HRESULT;

#ifdef UNICODE
typedef WCHAR TCHAR, *PTCHAR, *LPTSTR;
typedef const WCHAR *LPCTSTR;
#define __TEXT(quote) u##quote
#else
typedef char TCHAR, *PTCHAR, *LPTSTR;
typedef const char *LPCTSTR;
#define __TEXT(quote) quote
#endif
#define TEXT(quote) __TEXT(quote)
#define _T(x) __TEXT(x)

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#define INFINITE 0xFFFFFFFF
#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#define MAKEWORD(a, b) ((WORD)(((BYTE)(a)) | ((WORD)((BYTE)(b))) << 8))
#define LOBYTE(w) ((BYTE)((w) & 0xff))
#define HIBYTE(w) ((BYTE)(((WORD)(w) >> 8) & 0xff))
#define LOWORD(l) ((WORD)((DWORD)(l) & 0xffff))
#define HIWORD(l) ((WORD)(((DWORD)(l) >> 16) & 0xffff))
#define ZeroMemory(d, n) memset((d), 0, (n))
#define CopyMemory(d, s, n) memcpy((d), (s), (n))
#define MoveMemory(d, s, n) memmove((d), (s), (n))
#define FillMemory(d, n, v) memset((d), (v), (n))

typedef union _LARGE_INTEGER {
  struct { DWORD LowPart; LONG HighPart; } u;
  LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
  struct { DWORD LowPart; DWORD HighPart; } u;
  ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

/* FILETIME: 100 ns units since 1601-01-01 (8 bytes, 4-byte aligned on CE). */
typedef struct _FILETIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

typedef struct _SYSTEMTIME {
  WORD wYear;
  WORD wMonth;
  WORD wDayOfWeek;
  WORD wDay;
  WORD wHour;
  WORD wMinute;
  WORD wSecond;
  WORD wMilliseconds;
} SYSTEMTIME, *PSYSTEMTIME, *LPSYSTEMTIME;

/* ---- winerror.h (the codes cesim's coredll sets) ---- */
#define ERROR_SUCCESS 0L
#define NO_ERROR 0L
#define ERROR_INVALID_HANDLE 6L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_OUTOFMEMORY 14L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_CALL_NOT_IMPLEMENTED 120L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#define IS_ERROR(status) ((unsigned long)(status) >> 31 == 1)

/* ---- the heap (winbase.h): CE has fixed memory only ---- */
#define LMEM_FIXED 0x0000
#define LMEM_MOVEABLE 0x0002
#define LMEM_ZEROINIT 0x0040
#define LPTR (LMEM_FIXED | LMEM_ZEROINIT)
#define LHND (LMEM_MOVEABLE | LMEM_ZEROINIT)
#define HEAP_ZERO_MEMORY 0x00000008
#define HEAP_NO_SERIALIZE 0x00000001

CESIM_IMPORT(LocalAlloc) HLOCAL WINAPI LocalAlloc(UINT uFlags, UINT uBytes);
CESIM_IMPORT(LocalFree) HLOCAL WINAPI LocalFree(HLOCAL hMem);
CESIM_IMPORT(LocalSize) UINT WINAPI LocalSize(HLOCAL hMem);
CESIM_IMPORT(LocalReAlloc) HLOCAL WINAPI LocalReAlloc(HLOCAL hMem, UINT uBytes, UINT uFlags);
CESIM_IMPORT(GetProcessHeap) HANDLE WINAPI GetProcessHeap(void);
CESIM_IMPORT(HeapAlloc) LPVOID WINAPI HeapAlloc(HANDLE hHeap, DWORD dwFlags, DWORD dwBytes);
CESIM_IMPORT(HeapFree) BOOL WINAPI HeapFree(HANDLE hHeap, DWORD dwFlags, LPVOID lpMem);
CESIM_IMPORT(HeapSize) DWORD WINAPI HeapSize(HANDLE hHeap, DWORD dwFlags, LPCVOID lpMem);

/* ---- errors ---- */
CESIM_IMPORT(GetLastError) DWORD WINAPI GetLastError(void);
CESIM_IMPORT(SetLastError) void WINAPI SetLastError(DWORD dwErrCode);

/* ---- time: the device clock in virtual time ---- */
CESIM_IMPORT(Sleep) void WINAPI Sleep(DWORD dwMilliseconds);
CESIM_IMPORT(GetTickCount) DWORD WINAPI GetTickCount(void);
CESIM_IMPORT(GetSystemTime) void WINAPI GetSystemTime(LPSYSTEMTIME lpSystemTime);
CESIM_IMPORT(GetLocalTime) void WINAPI GetLocalTime(LPSYSTEMTIME lpSystemTime);
CESIM_IMPORT(GetSystemTimeAsFileTime) void WINAPI GetSystemTimeAsFileTime(LPFILETIME lpSystemTimeAsFileTime);
CESIM_IMPORT(FileTimeToSystemTime) BOOL WINAPI FileTimeToSystemTime(const FILETIME *lpFileTime, LPSYSTEMTIME lpSystemTime);
CESIM_IMPORT(SystemTimeToFileTime) BOOL WINAPI SystemTimeToFileTime(const SYSTEMTIME *lpSystemTime, LPFILETIME lpFileTime);

/* ---- debug output: a line of the device's debug console (and the run's trace) ---- */
CESIM_IMPORT(OutputDebugStringW) void WINAPI OutputDebugStringW(LPCWSTR lpOutputString);
#define OutputDebugString OutputDebugStringW

/* ---- 16-bit strings (wasi-libc's wcs* functions work on its 32-bit wchar_t, not on WCHAR) ---- */
int WINAPI lstrlenW(LPCWSTR lpString);
LPWSTR WINAPI lstrcpyW(LPWSTR lpString1, LPCWSTR lpString2);
LPWSTR WINAPI lstrcatW(LPWSTR lpString1, LPCWSTR lpString2);
int WINAPI lstrcmpW(LPCWSTR lpString1, LPCWSTR lpString2);
#define lstrlen lstrlenW
#define lstrcpy lstrcpyW
#define lstrcat lstrcatW
#define lstrcmp lstrcmpW

/* ---- the process ---- */
CESIM_IMPORT(ExitProcess) __attribute__((noreturn)) void WINAPI ExitProcess(UINT uExitCode);
CESIM_IMPORT(GetCurrentProcessId) DWORD WINAPI GetCurrentProcessId(void);
CESIM_IMPORT(DebugBreak) void WINAPI DebugBreak(void);

#ifdef __cplusplus
}
#endif

#endif /* _WINDOWS_ */
