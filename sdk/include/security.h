/*
 * security.h for cesim: as Windows code includes it. Define SECURITY_WIN32 (user mode) first,
 * as Win32 code does; cesim models the user-mode interface only.
 */
#ifndef __SECURITY_H__
#define __SECURITY_H__
#if !defined(SECURITY_WIN32) && !defined(SECURITY_KERNEL) && !defined(SECURITY_MAC)
#error "You must define one of SECURITY_WIN32, SECURITY_KERNEL, or SECURITY_MAC (cesim models SECURITY_WIN32)"
#endif
#include "sspi.h"
#endif
