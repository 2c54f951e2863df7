#ifndef N2N_CZSTD_SHIM_H
#define N2N_CZSTD_SHIM_H
#include <zstd.h>
#endif
