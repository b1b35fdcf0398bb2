/*
** philox.h: the Philox4x32-10 counter-based generator (Salmon et al., "Parallel random
** numbers: as easy as 1, 2, 3", SC'11), as one scalar block and as 16 blocks at once.
*/
#ifndef HM_PHILOX_H
#define HM_PHILOX_H

#include <stdint.h>

#define PHILOX_M0 0xD2511F53u     /* round multipliers */
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u     /* key schedule (Weyl) increments */
#define PHILOX_W1 0xBB67AE85u
#define PHILOX_ROUNDS 10
#define PHILOX_LANES 64           /* blocks per group; part of the stream layout, see random.c */

/*
** One block: c is the 128-bit counter (4 words, replaced by the output), k0 and k1 the key.
** This is the reference the known-answer tests check.
*/
static inline void philox4x32_10 (uint32_t c[4], uint32_t k0, uint32_t k1) {
  int r;
  for (r = 0; r < PHILOX_ROUNDS; r++) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0;
    uint32_t n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
    c[0] = n0; c[1] = (uint32_t)p1; c[2] = n2; c[3] = (uint32_t)p0;
    k0 += PHILOX_W0; k1 += PHILOX_W1;
  }
}

/*
** PHILOX_LANES consecutive blocks: block j has counter (blk + j, stream) (low 64 bits the
** block number, high 64 bits the stream) and key (low, high word of key). out[w][j] is word w
** of block j. Written as plain loops over the lanes, with 32x32->64 products as uint64, so
** GCC turns every round into a few vector multiplies, shuffles and xors.
*/
__attribute__((always_inline)) static inline void philox4x32_10_lanes (uint32_t out[4][PHILOX_LANES], uint64_t blk,
                                        uint64_t stream, uint64_t key) {
  uint32_t c0[PHILOX_LANES], c1[PHILOX_LANES], c2[PHILOX_LANES], c3[PHILOX_LANES];
  uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
  int j, r;
  for (j = 0; j < PHILOX_LANES; j++) {
    uint64_t b = blk + (uint64_t)j;
    c0[j] = (uint32_t)b; c1[j] = (uint32_t)(b >> 32);
    c2[j] = (uint32_t)stream; c3[j] = (uint32_t)(stream >> 32);
  }
  for (r = 0; r < PHILOX_ROUNDS; r++) {
    for (j = 0; j < PHILOX_LANES; j++) {
      uint64_t p0 = (uint64_t)PHILOX_M0 * c0[j];
      uint64_t p1 = (uint64_t)PHILOX_M1 * c2[j];
      uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[j] ^ k0;
      uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3[j] ^ k1;
      c0[j] = n0; c1[j] = (uint32_t)p1; c2[j] = n2; c3[j] = (uint32_t)p0;
    }
    k0 += PHILOX_W0; k1 += PHILOX_W1;
  }
  for (j = 0; j < PHILOX_LANES; j++) {
    out[0][j] = c0[j]; out[1][j] = c1[j]; out[2][j] = c2[j]; out[3][j] = c3[j];
  }
}

#endif
