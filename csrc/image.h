/*
** image.h: the Lua-free PNG kernels of image.c, shared with the fuzz target
** (fuzz/fuzz_png.c). Bindings and the Lua API are in image.c and lua/harmonium/image.lua.
*/
#ifndef HM_IMAGE_H
#define HM_IMAGE_H

#include <stdio.h>
#include <stdint.h>
#include <png.h>

#include "tensor.h"

#define HM_PNG_MAXDIM 65535u          /* widest and tallest PNG we read (png_set_user_limits) */
#define HM_PNG_MAXSAMPLES (1u << 28)  /* most samples (pixels x channels) a loaded image may
                                      ** have: 1 GiB as a FloatTensor */
#define HM_PNG_MSGSIZE 160

/* Return codes of the kernels. */
#define HM_PNG_OK 0
#define HM_PNG_EBAD 1      /* not a valid PNG (message in msg) */
#define HM_PNG_ETOOBIG 2   /* valid header, but over the caller's sample limit */
#define HM_PNG_EIO 3       /* the FILE * failed (errno in ioerr) */
#define HM_PNG_ENOMEM 4    /* libpng could not allocate */

/*
** A PNG decoder over a FILE * (f != NULL) or a memory block (data, size). Zero it, set the
** source, call PngReader_header, allocate height rows of rowbytes bytes, call
** PngReader_pixels, then PngReader_close (always; it also closes f). The decoded image is
** interleaved, 8 or 16 bits per sample (16-bit samples big-endian, as in the file), with
** palettes, low bit depths and tRNS expanded: channels is 1 (gray), 2 (gray+alpha),
** 3 (RGB) or 4 (RGBA). Every libpng call runs under a setjmp inside these functions, so
** libpng's longjmp never leaves them; they return a code and never raise or print.
*/
typedef struct PngReader {
  png_structp png;
  png_infop info;
  FILE *f;
  const unsigned char *data;
  size_t size, pos;
  uint32_t width, height;
  int channels;                /* 1..4 */
  int depth;                   /* 8 or 16 bits per sample */
  size_t rowbytes;             /* width * channels * depth / 8 */
  int ioerr;                   /* errno of a failed fread */
  char msg[HM_PNG_MSGSIZE];
} PngReader;

int PngReader_header (PngReader *r, uint64_t maxsamples);
int PngReader_pixels (PngReader *r, unsigned char **rows);
void PngReader_close (PngReader *r);

/*
** A PNG encoder writing 8-bit images to a FILE * (f != NULL) or to a growing malloc'd
** buffer (buf, len; freed by PngWriter_close, so take a copy first). Zero it, set f or
** leave it NULL, call PngWriter_write, then PngWriter_close (always; it does not close f).
*/
typedef struct PngWriter {
  png_structp png;
  png_infop info;
  FILE *f;
  unsigned char *buf;
  size_t len, cap;
  int ioerr;
  char msg[HM_PNG_MSGSIZE];
} PngWriter;

/* pixels: height rows of width * channels bytes, interleaved; channels 1..4. */
int PngWriter_write (PngWriter *w, const unsigned char *pixels, uint32_t width,
                     uint32_t height, int channels);
void PngWriter_close (PngWriter *w);

/* Decoded rows (as PngReader leaves them) to a contiguous tensor of channels x height x
** width (or height x width) elements: byte (0..255; 16-bit rounded), float or double
** (divided by 255 or 65535). */
void Image_fromrows (Tensor *dst, unsigned char *const *rows, const PngReader *r);

/* A contiguous tensor of C x H x W (or H x W) byte, float or double elements to interleaved
** 8-bit pixels: floats are clamped to [0, 1] and rounded to the nearest of k/255 (NaN -> 0). */
void Image_tobytes (const Tensor *src, unsigned char *dst);

#endif
