/* hello.c: printf to the device's debug console, LocalAlloc/LocalFree from the device heap, an exit code. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

int main(int argc, char **argv) {
  char *greeting = (char *)LocalAlloc(LPTR, 64);
  if (!greeting) {
    printf("LocalAlloc failed: %lu\n", GetLastError());
    return 1;
  }
  snprintf(greeting, 64, "hello from %s on CE %d", argc > 0 ? argv[0] : "?", _WIN32_WCE);
  printf("%s (block at %p, %u usable bytes)\n", greeting, (void *)greeting, LocalSize(greeting));
  DWORD t0 = GetTickCount();
  Sleep(250);
  printf("slept %lu ms of virtual time\n", GetTickCount() - t0);
  char *copy = malloc(32);
  snprintf(copy, 32, "%d args", argc);
  puts(copy);
  free(copy);
  OutputDebugString(TEXT("bye\n"));
  LocalFree(greeting);
  return 7;
}
