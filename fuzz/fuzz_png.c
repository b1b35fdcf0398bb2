/*
** fuzz_png.c: libFuzzer target for the PNG kernels of image.c. Each input is decoded from
** memory (header, size limit, pixels) as hm.image.decode does. A decoded image is then
** converted to a byte and a float tensor; for 8-bit images the float tensor must convert
** back to the same bytes, and re-encoding the bytes and decoding them again must give the
** same pixels.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_MAX_SAMPLES ((uint64_t)1 << 22)   /* keep each run's allocation small */

/* A contiguous tensor header over a malloc'd block (channels x height x width, or 2D). */
static int mktensor (Tensor *t, Storage *s, int type, const PngReader *r) {
  size_t n = (size_t)r->width * r->height * (size_t)r->channels;
  memset(t, 0, sizeof *t);
  s->nbytes = n * hm_elsize(type);
  s->data = (char *)malloc(s->nbytes ? s->nbytes : 1);
  if (s->data == NULL) return 0;
  t->storage = s;
  t->type = type;
  if (r->channels > 1) t->size[t->ndim++] = r->channels;
  t->size[t->ndim++] = r->height;
  t->size[t->ndim++] = r->width;
  t->stride[t->ndim - 1] = 1;
  t->stride[t->ndim - 2] = r->width;
  if (t->ndim == 3) t->stride[0] = (int64_t)r->width * r->height;
  return 1;
}

/* Decode buf into malloc'd rows; returns the rows (one block) or NULL. */
static unsigned char **decode (PngReader *r, const uint8_t *buf, size_t len) {
  unsigned char **rows;
  size_t i;
  memset(r, 0, sizeof *r);
  r->data = buf;
  r->size = len;
  if (PngReader_header(r, FUZZ_MAX_SAMPLES) != HM_PNG_OK) return NULL;
  rows = (unsigned char **)malloc(r->height * (sizeof *rows + r->rowbytes) + 1);
  if (rows == NULL) return NULL;
  for (i = 0; i < r->height; i++)
    rows[i] = (unsigned char *)(rows + r->height) + i * r->rowbytes;
  if (PngReader_pixels(r, rows) != HM_PNG_OK) {
    free(rows);
    return NULL;
  }
  return rows;
}

static void check_roundtrip (const PngReader *r, unsigned char **rows) {
  Tensor tb, tf;
  Storage sb, sf;
  size_t n = (size_t)r->width * r->height * (size_t)r->channels, i;
  unsigned char *bytes;
  if (!mktensor(&tb, &sb, HM_BYTE, r)) return;
  if (!mktensor(&tf, &sf, HM_FLOAT, r)) { free(sb.data); return; }
  Image_fromrows(&tb, rows, r);
  Image_fromrows(&tf, rows, r);
  bytes = (unsigned char *)malloc(n ? n : 1);
  if (bytes != NULL) {
    /* floats back to bytes: the byte tensor's values, interleaved */
    unsigned char *inter = (unsigned char *)malloc(n ? n : 1);
    Image_tobytes(&tf, bytes);
    if (inter != NULL) {
      Image_tobytes(&tb, inter);
      if (memcmp(inter, bytes, n) != 0) abort();
      if (r->depth == 8) {
        /* interleaved bytes are exactly the decoded rows */
        for (i = 0; i < r->height; i++)
          if (memcmp(rows[i], inter + i * r->rowbytes, r->rowbytes) != 0) abort();
        {
          PngWriter w;
          memset(&w, 0, sizeof w);
          if (PngWriter_write(&w, inter, r->width, r->height, r->channels) == HM_PNG_OK) {
            PngReader r2;
            unsigned char **rows2 = decode(&r2, w.buf, w.len);
            if (rows2 == NULL || r2.width != r->width || r2.height != r->height ||
                r2.channels != r->channels || r2.depth != 8) abort();
            for (i = 0; i < r->height; i++)
              if (memcmp(rows2[i], rows[i], r->rowbytes) != 0) abort();
            free(rows2);
            PngReader_close(&r2);
          }
          PngWriter_close(&w);
        }
      }
      free(inter);
    }
    free(bytes);
  }
  free(sb.data);
  free(sf.data);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  PngReader r;
  unsigned char **rows = decode(&r, data, size);
  if (rows != NULL) {
    check_roundtrip(&r, rows);
    free(rows);
  }
  PngReader_close(&r);
  return 0;
}
