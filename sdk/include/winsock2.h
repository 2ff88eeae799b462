/* winsock2.h for cesim: the same Winsock subset as winsock.h (CE 2.10 ships Winsock 1.1). */
#include "winsock.h"
