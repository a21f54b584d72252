#include <zlib.h>

// inflateInit2/deflateInit2 are macros; Swift needs functions.
// windowBits 15+32 auto-detects gzip and zlib headers; -15 is raw deflate.
static inline int CZlib_inflateInit2(z_streamp s, int windowBits) { return inflateInit2(s, windowBits); }
static inline int CZlib_deflateInit2(z_streamp s, int level, int windowBits) {
    return deflateInit2(s, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
