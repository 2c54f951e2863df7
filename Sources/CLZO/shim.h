#ifndef N2N_CLZO_SHIM_H
#define N2N_CLZO_SHIM_H
#include <lzo/lzo1x.h>

/* lzo_init() and the work-memory size are macros, which Swift cannot import. */
static inline int n2n_lzo_init(void) { return lzo_init(); }
static const unsigned long n2n_lzo1x_1_mem_compress = LZO1X_1_MEM_COMPRESS;
#endif
