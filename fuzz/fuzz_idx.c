/*
** fuzz_idx.c: libFuzzer target for the IDX reader kernels of io.c. Each input is parsed
** three ways: the header parser over the raw bytes; the full read (header, size checks as
** the binding makes them, data, decode) over a memory reader, which inflates the input when
** it starts with the gzip magic; and the same full read over the input wrapped in a gzip
** stream, so inflated contents are arbitrary too. A successful integer read is re-encoded
** and must give back the input's data bytes.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "io.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_MAX_DATA ((uint64_t)1 << 24)   /* keep each run's allocation small */

/* Read an IDX image from buf[0..len) as io_idxread does; srclen is the source's length. */
static void read_idx (const uint8_t *buf, size_t len) {
  hm_Reader *r = (hm_Reader *)malloc(sizeof *r);
  hm_IdxHeader h;
  uint64_t got;
  if (r == NULL) return;
  if (hm_reader_open_mem(r, buf, len) == HM_IO_OK && hm_idx_read_header(r, &h) == HM_IO_OK) {
    /* the binding's checks before allocating: exact length raw, deflate's ratio for gzip */
    int plausible = r->gz ? h.datalen / 1032 <= (uint64_t)len + 64
                          : h.datalen == (uint64_t)len - h.headerlen;
    if (plausible && h.datalen <= FUZZ_MAX_DATA) {
      size_t dstlen = (size_t)h.nelem * hm_idx_dstelsize(h.code);
      unsigned char *dst = (unsigned char *)malloc(dstlen ? dstlen : 1);
      unsigned char *copy = (unsigned char *)malloc(h.datalen ? (size_t)h.datalen : 1);
      if (dst != NULL && copy != NULL && hm_idx_read_data(r, &h, dst, &got) == HM_IO_OK) {
        memcpy(copy, dst, (size_t)h.datalen);
        hm_idx_decode(h.code, dst, h.nelem);
        if (h.code != HM_IDX_F32 && h.code != HM_IDX_F64) {
          /* integers: encoding the decoded values must give the file's bytes back */
          unsigned char *enc = (unsigned char *)malloc(h.datalen ? (size_t)h.datalen : 1);
          uint64_t bad;
          if (enc != NULL) {
            int srcsize = h.code == HM_IDX_U8 ? 1 : 8;
            if (hm_idx_encode(h.code, dst, srcsize, 1, h.nelem, enc, &bad) != HM_IO_OK ||
                memcmp(enc, copy, (size_t)h.datalen) != 0)
              abort();
            free(enc);
          }
        }
        if (h.code == HM_IDX_U8) {
          /* the in-place widening to floats */
          float *f = (float *)malloc(h.nelem ? (size_t)h.nelem * sizeof(float) : 1);
          if (f != NULL) {
            uint64_t i;
            memcpy(f, copy, (size_t)h.datalen);
            hm_idx_u8_to_float(f, h.nelem, 1.0f);
            for (i = 0; i < h.nelem; i++)
              if (f[i] != (float)copy[i]) abort();
            free(f);
          }
        }
      }
      free(dst);
      free(copy);
    }
  }
  hm_reader_close(r);
  free(r);
}

/* data wrapped in one gzip member (NULL when zlib fails); *outlen gets its length */
static unsigned char *gzip_wrap (const uint8_t *data, size_t size, size_t *outlen) {
  z_stream zs;
  unsigned char *out;
  uLong bound;
  memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
  bound = deflateBound(&zs, (uLong)size) + 32;
  out = (unsigned char *)malloc(bound);
  if (out == NULL) { deflateEnd(&zs); return NULL; }
  zs.next_in = (Bytef *)data;
  zs.avail_in = (uInt)size;
  zs.next_out = out;
  zs.avail_out = (uInt)bound;
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) { deflateEnd(&zs); free(out); return NULL; }
  *outlen = (size_t)zs.total_out;
  deflateEnd(&zs);
  return out;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  hm_IdxHeader h;
  size_t zlen;
  unsigned char *z;
  hm_idx_parse_header(data, size, &h);
  read_idx(data, size);
  z = gzip_wrap(data, size, &zlen);
  if (z != NULL) {
    read_idx(z, zlen);
    free(z);
  }
  return 0;
}
