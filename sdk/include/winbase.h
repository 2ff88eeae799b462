/* winbase.h for cesim: everything is in windows.h (as CE's own headers include each other). */
#include "windows.h"
