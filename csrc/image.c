/*
** image.c: PNG load and save through libpng, PNG to and from strings, and image scaling
** (nearest and bilinear/area) for hm.image (lua/harmonium/image.lua has the rest).
**
** Strategy (errors). libpng reports an error by longjmp to the last setjmp on its jmp_buf.
** Every libpng call here sits inside a small kernel (PngReader_header, PngReader_pixels,
** PngWriter_write) that arms that setjmp itself, so a longjmp crosses only libpng's own
** frames and our I/O callbacks (which hold nothing) and lands in the kernel, which returns
** a code. Lua errors are raised by bindings only, never while a libpng call is active.
** The bindings keep the libpng structs, the FILE * and the temporary file of a save in a
** userdata box (PngBox) whose __gc and __close free them, and put every buffer in Lua
** userdata (the decoded rows, the result tensor), so an error anywhere in a binding, an
** out-of-memory one included, leaks nothing and leaves no temporary file behind; torch/image
** leaked its FILE * on that path. Header sizes are checked before anything is allocated:
** at most 65535 pixels a side and 2^28 samples (1 GiB as floats).
*/
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tensor.h"
#include "image.h"

/* ===================================================================== PNG kernels */

/* libpng error and warning handlers: keep the message, print nothing (STYLE.md 3). */
static void on_error (png_structp png, png_const_charp msg) {
  char *buf = (char *)png_get_error_ptr(png);
  snprintf(buf, HM_PNG_MSGSIZE, "%s", msg);
  png_longjmp(png, 1);
}

static void on_warning (png_structp png, png_const_charp msg) {
  (void)png; (void)msg;
}

/* Read callback: from the FILE * or the memory block; a short read is an error. */
static void read_data (png_structp png, png_bytep out, size_t n) {
  PngReader *r = (PngReader *)png_get_io_ptr(png);
  if (r->f != NULL) {
    if (fread(out, 1, n, r->f) != n) {
      if (ferror(r->f)) {
        r->ioerr = errno != 0 ? errno : EIO;
        png_error(png, "read error");
      }
      png_error(png, "unexpected end of file");
    }
  } else {
    if (n > r->size - r->pos) png_error(png, "unexpected end of data");
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
  }
}

/* The transformations that turn every PNG into 1-4 channels of 8 or 16 bits. */
static void set_transforms (png_structp png, png_infop info) {
  int bitdepth = png_get_bit_depth(png, info);
  int colortype = png_get_color_type(png, info);
  if (colortype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (colortype == PNG_COLOR_TYPE_GRAY && bitdepth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  (void)png_set_interlace_handling(png);
  png_read_update_info(png, info);
}

/*
** PngReader_header: create the libpng structs, read the signature and the chunks up to the
** image data, set the expansions and fill width, height, channels, depth and rowbytes.
** Returns HM_PNG_ETOOBIG (with a message) when width x height x channels > maxsamples.
*/
int PngReader_header (PngReader *r, uint64_t maxsamples) {
  uint64_t samples;
  r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r->msg, on_error, on_warning);
  if (r->png == NULL) return HM_PNG_ENOMEM;
  r->info = png_create_info_struct(r->png);
  if (r->info == NULL) return HM_PNG_ENOMEM;
  if (setjmp(png_jmpbuf(r->png)))
    return r->ioerr != 0 ? HM_PNG_EIO : HM_PNG_EBAD;
  png_set_read_fn(r->png, r, read_data);
  png_set_user_limits(r->png, HM_PNG_MAXDIM, HM_PNG_MAXDIM);
  png_read_info(r->png, r->info);
  set_transforms(r->png, r->info);
  r->width = png_get_image_width(r->png, r->info);
  r->height = png_get_image_height(r->png, r->info);
  r->channels = png_get_channels(r->png, r->info);
  r->depth = png_get_bit_depth(r->png, r->info);
  r->rowbytes = png_get_rowbytes(r->png, r->info);
  if (r->channels < 1 || r->channels > 4 || (r->depth != 8 && r->depth != 16) ||
      r->rowbytes != (size_t)r->width * (size_t)r->channels * (size_t)(r->depth / 8)) {
    snprintf(r->msg, sizeof r->msg, "unsupported format (%d channels of %d bits)",
             r->channels, r->depth);
    return HM_PNG_EBAD;
  }
  samples = (uint64_t)r->width * r->height * (uint64_t)r->channels;
  if (samples > maxsamples) {
    snprintf(r->msg, sizeof r->msg, "%lu x %lu pixels x %d channels; at most %llu values",
             (unsigned long)r->width, (unsigned long)r->height, r->channels,
             (unsigned long long)maxsamples);
    return HM_PNG_ETOOBIG;
  }
  return HM_PNG_OK;
}

/* PngReader_pixels: decode the image into rows (height rows of rowbytes bytes; interlaced
** images too) and read the chunks after it, so a file cut short anywhere is an error. */
int PngReader_pixels (PngReader *r, unsigned char **rows) {
  if (setjmp(png_jmpbuf(r->png)))
    return r->ioerr != 0 ? HM_PNG_EIO : HM_PNG_EBAD;
  png_read_image(r->png, rows);
  png_read_end(r->png, NULL);
  return HM_PNG_OK;
}

/* PngReader_close: free the libpng structs and close the file; safe to call twice. */
void PngReader_close (PngReader *r) {
  if (r->png != NULL) png_destroy_read_struct(&r->png, r->info ? &r->info : NULL, NULL);
  r->png = NULL;
  r->info = NULL;
  if (r->f != NULL) fclose(r->f);
  r->f = NULL;
}

/* Write callback: to the FILE *, or append to the malloc'd buffer (doubling it). */
static void write_data (png_structp png, png_bytep in, size_t n) {
  PngWriter *w = (PngWriter *)png_get_io_ptr(png);
  if (w->f != NULL) {
    if (fwrite(in, 1, n, w->f) != n) {
      w->ioerr = errno != 0 ? errno : EIO;
      png_error(png, "write error");
    }
    return;
  }
  if (n > w->cap - w->len) {
    size_t cap = w->cap ? w->cap : 4096;
    unsigned char *p;
    while (n > cap - w->len) {
      if (cap > ((size_t)-1) / 2) png_error(png, "out of memory");
      cap *= 2;
    }
    p = (unsigned char *)realloc(w->buf, cap);
    if (p == NULL) png_error(png, "out of memory");
    w->buf = p;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, in, n);
  w->len += n;
}

static void flush_data (png_structp png) {
  PngWriter *w = (PngWriter *)png_get_io_ptr(png);
  if (w->f != NULL) fflush(w->f);     /* errors show up again at fclose */
}

/* The rows, in a function of their own so no local of PngWriter_write changes after its
** setjmp (C99 7.13.2.1: such locals are indeterminate after the longjmp). */
static void write_rows (png_structp png, const unsigned char *pixels, uint32_t width,
                        uint32_t height, int channels) {
  uint32_t y;
  size_t rowbytes = (size_t)width * (size_t)channels;
  for (y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * rowbytes);
}

/* PngWriter_write: encode an 8-bit gray, gray+alpha, RGB or RGBA image (channels 1..4). */
int PngWriter_write (PngWriter *w, const unsigned char *pixels, uint32_t width,
                     uint32_t height, int channels) {
  static const int colortypes[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                     PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
  if (channels < 1 || channels > 4) {
    snprintf(w->msg, sizeof w->msg, "%d channels (1 to 4 expected)", channels);
    return HM_PNG_EBAD;
  }
  w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w->msg, on_error, on_warning);
  if (w->png == NULL) return HM_PNG_ENOMEM;
  w->info = png_create_info_struct(w->png);
  if (w->info == NULL) return HM_PNG_ENOMEM;
  if (setjmp(png_jmpbuf(w->png)))
    return w->ioerr != 0 ? HM_PNG_EIO : HM_PNG_EBAD;
  png_set_write_fn(w->png, w, write_data, flush_data);
  png_set_IHDR(w->png, w->info, width, height, 8, colortypes[channels], PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(w->png, w->info);
  write_rows(w->png, pixels, width, height, channels);
  png_write_end(w->png, NULL);
  return HM_PNG_OK;
}

/* PngWriter_close: free the libpng structs and the memory buffer; the FILE * stays open. */
void PngWriter_close (PngWriter *w) {
  if (w->png != NULL) png_destroy_write_struct(&w->png, w->info ? &w->info : NULL);
  w->png = NULL;
  w->info = NULL;
  free(w->buf);
  w->buf = NULL;
  w->len = w->cap = 0;
}

/* ===================================================================== pixel kernels */

/*
** Image_fromrows: interleaved rows (8 or 16-bit samples) to planes: element (c, y, x) of
** dst, which is contiguous with channels x height x width elements (height x width when
** there is one channel), gets sample c of pixel (x, y), scaled to [0, 1] for float and
** double, rounded to 0..255 for byte.
*/
void Image_fromrows (Tensor *dst, unsigned char *const *rows, const PngReader *r) {
  const size_t w = r->width, h = r->height, nc = (size_t)r->channels;
  const size_t plane = w * h;
  size_t x, y, c;
  for (y = 0; y < h; y++) {
    const unsigned char *row = rows[y];
    for (c = 0; c < nc; c++) {
      size_t o = c * plane + y * w;
      if (r->depth == 8) {
        const unsigned char *s = row + c;
        switch (dst->type) {
          case HM_BYTE: {
            uint8_t *d = (uint8_t *)Tensor_data(dst) + o;
            for (x = 0; x < w; x++) d[x] = s[x * nc];
            break;
          }
          case HM_FLOAT: {
            float *d = (float *)Tensor_data(dst) + o;
            for (x = 0; x < w; x++) d[x] = (float)(s[x * nc] / 255.0);
            break;
          }
          default: {
            double *d = (double *)Tensor_data(dst) + o;
            for (x = 0; x < w; x++) d[x] = s[x * nc] / 255.0;
            break;
          }
        }
      } else {
        const unsigned char *s = row + 2 * c;
        for (x = 0; x < w; x++) {
          unsigned v = (unsigned)s[2 * x * nc] << 8 | s[2 * x * nc + 1];
          switch (dst->type) {
            case HM_BYTE: ((uint8_t *)Tensor_data(dst))[o + x] = (uint8_t)((v * 255u + 32767u) / 65535u); break;
            case HM_FLOAT: ((float *)Tensor_data(dst))[o + x] = (float)(v / 65535.0); break;
            default: ((double *)Tensor_data(dst))[o + x] = v / 65535.0; break;
          }
        }
      }
    }
  }
}

static unsigned char to_byte (double v) {
  v = v * 255.0;
  if (!(v > 0)) return 0;          /* negative and NaN */
  if (v >= 255) return 255;
  return (unsigned char)(v + 0.5);
}

/* Image_tobytes: see image.h. src is contiguous, 2D (one channel) or C x H x W. */
void Image_tobytes (const Tensor *src, unsigned char *dst) {
  const int64_t nc = src->ndim == 3 ? src->size[0] : 1;
  const int64_t plane = Tensor_nelement(src) / (nc > 0 ? nc : 1);
  int64_t c, i;
  for (c = 0; c < nc; c++) {
    unsigned char *d = dst + c;
    switch (src->type) {
      case HM_BYTE: {
        const uint8_t *s = (const uint8_t *)Tensor_data(src) + c * plane;
        for (i = 0; i < plane; i++) d[i * nc] = s[i];
        break;
      }
      case HM_FLOAT: {
        const float *s = (const float *)Tensor_data(src) + c * plane;
        for (i = 0; i < plane; i++) d[i * nc] = to_byte(s[i]);
        break;
      }
      default: {
        const double *s = (const double *)Tensor_data(src) + c * plane;
        for (i = 0; i < plane; i++) d[i * nc] = to_byte(s[i]);
        break;
      }
    }
  }
}

/* Element i of a contiguous byte, float or double block, as a double. */
static double load (const void *p, int type, int64_t i) {
  switch (type) {
    case HM_BYTE: return ((const uint8_t *)p)[i];
    case HM_FLOAT: return ((const float *)p)[i];
    case HM_DOUBLE: return ((const double *)p)[i];
    default: return ((const int64_t *)p)[i];
  }
}

static void store (void *p, int type, int64_t i, double v) {
  switch (type) {
    case HM_BYTE:
      ((uint8_t *)p)[i] = (uint8_t)(v <= 0 || v != v ? 0 : v >= 255 ? 255 : floor(v + 0.5));
      break;
    case HM_FLOAT: ((float *)p)[i] = (float)v; break;
    case HM_DOUBLE: ((double *)p)[i] = v; break;
    default: ((int64_t *)p)[i] = (int64_t)floor(v + 0.5); break;
  }
}

/*
** resample: one line of slen samples (stride ss) to dlen samples (stride ds). Growing
** interpolates linearly with the end samples aligned (torch/image's scaleBilinear);
** shrinking averages the source over each destination pixel's footprint (a box filter),
** which does not alias the way point sampling does.
*/
static void resample (const double *s, int64_t ss, int64_t slen, double *d, int64_t ds,
                      int64_t dlen) {
  int64_t i, k;
  if (dlen == slen) {
    for (i = 0; i < dlen; i++) d[i * ds] = s[i * ss];
  } else if (dlen > slen) {
    double scale = slen > 1 ? (double)(slen - 1) / (double)(dlen - 1) : 0;
    for (i = 0; i < dlen; i++) {
      double p = (double)i * scale;
      int64_t k0 = (int64_t)p;
      double f;
      if (k0 >= slen - 1) { d[i * ds] = s[(slen - 1) * ss]; continue; }
      f = p - (double)k0;
      d[i * ds] = (1 - f) * s[k0 * ss] + f * s[(k0 + 1) * ss];
    }
  } else {
    double scale = (double)slen / (double)dlen;
    for (i = 0; i < dlen; i++) {
      double a = (double)i * scale, b = (double)(i + 1) * scale, acc = 0;
      int64_t k0 = (int64_t)a, k1 = (int64_t)ceil(b);
      if (k1 > slen) k1 = slen;
      for (k = k0; k < k1; k++) {
        double lo = (double)k > a ? (double)k : a;
        double hi = (double)(k + 1) < b ? (double)(k + 1) : b;
        if (hi > lo) acc += (hi - lo) * s[k * ss];
      }
      d[i * ds] = acc / (b - a);
    }
  }
}

#define SCALE_BILINEAR 0
#define SCALE_SIMPLE 1

/*
** Image_scale: dst (C x oh x ow, or oh x ow) from src (C x ih x iw, or ih x iw), both
** contiguous and of one type. SCALE_SIMPLE takes the nearest pixel as torch/image's
** scaleSimple does (source index floor(i * in / out)); SCALE_BILINEAR resamples rows then
** columns (see resample) through scratch, which holds max(ih * iw, oh) + ih * ow doubles.
*/
static void Image_scale (Tensor *dst, const Tensor *src, int mode, double *scratch) {
  const int nd = src->ndim;
  const int64_t nc = nd == 3 ? src->size[0] : 1;
  const int64_t ih = src->size[nd - 2], iw = src->size[nd - 1];
  const int64_t oh = dst->size[nd - 2], ow = dst->size[nd - 1];
  const void *sp = Tensor_data(src);
  void *dp = Tensor_data(dst);
  int64_t c, x, y;
  if (mode == SCALE_SIMPLE) {
    for (c = 0; c < nc; c++)
      for (y = 0; y < oh; y++) {
        int64_t sy = (int64_t)((double)y * (double)ih / (double)oh);
        if (sy > ih - 1) sy = ih - 1;
        for (x = 0; x < ow; x++) {
          int64_t sx = (int64_t)((double)x * (double)iw / (double)ow);
          if (sx > iw - 1) sx = iw - 1;
          store(dp, dst->type, (c * oh + y) * ow + x, load(sp, src->type, (c * ih + sy) * iw + sx));
        }
      }
    return;
  }
  for (c = 0; c < nc; c++) {
    /* in holds the source plane, then (reused) one output column; mid the row pass */
    double *in = scratch, *mid = scratch + (ih * iw > oh ? ih * iw : oh);
    for (y = 0; y < ih * iw; y++) in[y] = load(sp, src->type, c * ih * iw + y);
    for (y = 0; y < ih; y++) resample(in + y * iw, 1, iw, mid + y * ow, 1, ow);
    for (x = 0; x < ow; x++) {
      resample(mid + x, ow, ih, in, 1, oh);
      for (y = 0; y < oh; y++) store(dp, dst->type, (c * oh + y) * ow + x, in[y]);
    }
  }
}

/* ===================================================================== bindings */

#define HM_PNGBOX_MT "harmonium.PngBox"

/*
** The box a binding keeps everything that needs freeing in: the reader (libpng structs and
** the input FILE *), the writer (libpng structs, memory buffer), the output FILE * and
** the temporary file name of a save, removed unless the save was committed.
*/
typedef struct PngBox {
  PngReader r;
  PngWriter w;
  FILE *out;
  int committed;
  char tmp[];
} PngBox;

static int box_close (lua_State *L) {
  PngBox *b = (PngBox *)luaL_checkudata(L, 1, HM_PNGBOX_MT);
  PngReader_close(&b->r);
  PngWriter_close(&b->w);
  if (b->out != NULL) fclose(b->out);
  b->out = NULL;
  if (b->tmp[0] != '\0' && !b->committed) remove(b->tmp);
  b->tmp[0] = '\0';
  return 0;
}

/* Push a zeroed box with room for a temporary name of tmplen characters. */
static PngBox *newbox (lua_State *L, size_t tmplen) {
  PngBox *b = (PngBox *)lua_newuserdatauv(L, sizeof(PngBox) + tmplen + 1, 0);
  memset(b, 0, sizeof(PngBox) + tmplen + 1);
  luaL_setmetatable(L, HM_PNGBOX_MT);
  return b;
}

/* Close the box at idx now (rather than at collection) and return nil, msg. */
static int fail (lua_State *L, int boxidx, const char *msg) {
  lua_pushcfunction(L, box_close);
  lua_pushvalue(L, boxidx);
  lua_call(L, 1, 0);
  lua_pushnil(L);
  lua_pushstring(L, msg);
  return 2;
}

/* A path: a string, not a number (image.load(42) is a mistake, not file "42"). */
static const char *checkpath (lua_State *L, int arg) {
  if (lua_type(L, arg) != LUA_TSTRING) luaL_typeerror(L, arg, "string");
  return lua_tostring(L, arg);
}

static const char *const typeopts[] = { "byte", "float", "double", NULL };
static const int typecodes[] = { HM_BYTE, HM_FLOAT, HM_DOUBLE };

/*
** Decode through the reader in the box at boxidx (its source already set) into a new tensor
** of the given type and push it; or return nil, msg. what names the source in messages.
*/
static int decode (lua_State *L, int boxidx, int type, const char *what) {
  PngBox *b = (PngBox *)lua_touserdata(L, boxidx);
  PngReader *r = &b->r;
  int rc = PngReader_header(r, HM_PNG_MAXSAMPLES);
  if (rc == HM_PNG_OK) {
    size_t h = r->height, i;
    unsigned char **rows, *p;
    int64_t size[3];
    int ndim = 0;
    Tensor *t;
    /* scratch: the row pointers, then the rows */
    rows = (unsigned char **)lua_newuserdatauv(L, h * sizeof(*rows) + h * r->rowbytes, 0);
    p = (unsigned char *)(rows + h);
    for (i = 0; i < h; i++) rows[i] = p + i * r->rowbytes;
    if (r->channels > 1) size[ndim++] = r->channels;
    size[ndim++] = r->height;
    size[ndim++] = r->width;
    t = hm_newtensor(L, type, ndim, size);
    rc = PngReader_pixels(r, rows);
    if (rc == HM_PNG_OK) {
      Image_fromrows(t, rows, r);
      PngReader_close(r);
      lua_pushinteger(L, r->depth);
      return 2;
    }
  }
  switch (rc) {
    case HM_PNG_EIO:
      return fail(L, boxidx, lua_pushfstring(L, "cannot read %s (%s)", what, strerror(r->ioerr)));
    case HM_PNG_ETOOBIG:
      return fail(L, boxidx, lua_pushfstring(L, "%s is too large (%s)", what, r->msg));
    case HM_PNG_ENOMEM:
      return fail(L, boxidx, lua_pushfstring(L, "not enough memory to read %s", what));
    default:
      return fail(L, boxidx, lua_pushfstring(L, "%s is not a valid PNG (%s)", what, r->msg));
  }
}

/*
** _image.load(path [, type]) -> tensor, bitdepth | nil, msg
** Reads a PNG file into a new tensor: height x width (gray), or channels x height x width
** (2 gray+alpha, 3 RGB, 4 RGBA); type 'float' (default) or 'double' in [0, 1], or 'byte'.
** A missing or unreadable file, a file that is not a valid PNG and an image over the size
** limits give nil and a message; bad arguments raise.
*/
static int image_load (lua_State *L) {
  const char *path = checkpath(L, 1);
  int type = typecodes[luaL_checkoption(L, 2, "float", typeopts)];
  PngBox *b;
  lua_settop(L, 2);
  b = newbox(L, 0);                      /* 3 */
  b->r.f = fopen(path, "rb");
  if (b->r.f == NULL)
    return fail(L, 3, lua_pushfstring(L, "cannot open '%s' (%s)", path, strerror(errno)));
  return decode(L, 3, type, lua_pushfstring(L, "'%s'", path));
}

/* _image.decode(s [, type]) -> tensor, bitdepth | nil, msg: image.load from the bytes of s. */
static int image_decode (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int type = typecodes[luaL_checkoption(L, 2, "float", typeopts)];
  PngBox *b;
  lua_settop(L, 2);
  b = newbox(L, 0);                      /* 3; s stays referenced at 1 */
  b->r.data = (const unsigned char *)s;
  b->r.size = len;
  return decode(L, 3, type, "data");
}

#define HM_PNG_MAXWRITE 1000000   /* libpng's default limit on the sides of a written image */

/*
** Check the image argument of save/encode: a byte, float or double tensor, H x W or
** C x H x W with C in 1..4 and non-empty sides. Returns the channel count.
*/
static int checkimage (lua_State *L, int arg, const Tensor *t) {
  char shape[HM_SHAPEBUF];
  int nc;
  if (t->type != HM_BYTE && t->type != HM_FLOAT && t->type != HM_DOUBLE)
    luaL_argerror(L, arg, lua_pushfstring(L,
        "hm.ByteTensor, hm.FloatTensor or hm.DoubleTensor expected, got %s", hm_typename(t->type)));
  Tensor_shapestr(t, shape, sizeof shape);
  if (!(t->ndim == 2 || (t->ndim == 3 && t->size[0] >= 1 && t->size[0] <= 4)))
    luaL_argerror(L, arg, lua_pushfstring(L,
        "H x W or C x H x W image with C = 1, 2, 3 or 4 expected, got %s", shape));
  nc = t->ndim == 3 ? (int)t->size[0] : 1;
  if (t->size[t->ndim - 1] < 1 || t->size[t->ndim - 2] < 1)
    luaL_argerror(L, arg, lua_pushfstring(L, "empty image %s", shape));
  if (t->size[t->ndim - 1] > HM_PNG_MAXWRITE || t->size[t->ndim - 2] > HM_PNG_MAXWRITE)
    luaL_argerror(L, arg, lua_pushfstring(L, "image too large %s (at most %d pixels a side)",
                                          shape, HM_PNG_MAXWRITE));
  return nc;
}

/* Push the interleaved 8-bit pixels of the image at arg (checked); return them. */
static unsigned char *pushpixels (lua_State *L, int arg, const Tensor *t) {
  const Tensor *c = hm_pushcontiguous(L, arg);
  unsigned char *pix = (unsigned char *)lua_newuserdatauv(L, (size_t)Tensor_nelement(t), 0);
  Image_tobytes(c, pix);
  return pix;
}

/*
** _image.save(path, img) -> true | nil, msg
** Writes img (see checkimage; floats in [0, 1] clamped and rounded to k/255, bytes as
** they are) as an 8-bit PNG. The file is written under a temporary name next to path and
** renamed over it when complete, so path never holds a partial image. Failures of the
** file system give nil and a message; bad arguments raise.
*/
static int image_save (lua_State *L) {
  static unsigned counter = 0;
  const char *path = checkpath(L, 1);
  Tensor *t = hm_checktensor(L, 2);
  int nc = checkimage(L, 2, t);
  uint32_t w = (uint32_t)t->size[t->ndim - 1], h = (uint32_t)t->size[t->ndim - 2];
  size_t tmplen = strlen(path) + 64;
  unsigned char *pix;
  PngBox *b;
  int rc, k, box;
  lua_settop(L, 2);
  pix = pushpixels(L, 2, t);             /* 3, 4 */
  b = newbox(L, tmplen);                 /* 5 */
  box = lua_gettop(L);
  for (k = 0; k < 100; k++) {            /* "wx": never clobber a file that is there */
    snprintf(b->tmp, tmplen + 1, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
    b->out = fopen(b->tmp, "wbx");
    if (b->out != NULL || errno != EEXIST) break;
  }
  if (b->out == NULL) {
    int en = errno;
    b->tmp[0] = '\0';
    return fail(L, box, lua_pushfstring(L, "cannot open '%s' (%s)", path, strerror(en)));
  }
  b->w.f = b->out;
  rc = PngWriter_write(&b->w, pix, w, h, nc);
  if (rc != HM_PNG_OK)
    return fail(L, box, lua_pushfstring(L, "cannot write '%s' (%s)", path,
                                        rc == HM_PNG_EIO ? strerror(b->w.ioerr) : b->w.msg));
  PngWriter_close(&b->w);
  {
    FILE *f = b->out;
    b->out = NULL;
    if (fclose(f) != 0)
      return fail(L, box, lua_pushfstring(L, "cannot write '%s' (%s)", path, strerror(errno)));
  }
  if (rename(b->tmp, path) != 0)
    return fail(L, box, lua_pushfstring(L, "cannot rename '%s' to '%s' (%s)", b->tmp, path,
                                        strerror(errno)));
  b->committed = 1;
  lua_pushboolean(L, 1);
  return 1;
}

/* _image.encode(img) -> string: the 8-bit PNG image.save would write, as a string. */
static int image_encode (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  int nc = checkimage(L, 1, t);
  uint32_t w = (uint32_t)t->size[t->ndim - 1], h = (uint32_t)t->size[t->ndim - 2];
  unsigned char *pix;
  PngBox *b;
  int rc, box;
  lua_settop(L, 1);
  pix = pushpixels(L, 1, t);             /* 2, 3 */
  b = newbox(L, 0);                      /* 4 */
  box = lua_gettop(L);
  rc = PngWriter_write(&b->w, pix, w, h, nc);
  if (rc != HM_PNG_OK)
    return luaL_error(L, "cannot encode PNG (%s)", rc == HM_PNG_ENOMEM ? "out of memory" : b->w.msg);
  lua_pushlstring(L, (const char *)b->w.buf, b->w.len);
  lua_pushcfunction(L, box_close);
  lua_pushvalue(L, box);
  lua_call(L, 1, 0);
  return 1;
}

static const char *const scalemodes[] = { "bilinear", "simple", NULL };

/*
** _image.scale(src, width, height [, mode]) -> new tensor of the same type
** src is H x W or C x H x W (byte, float or double); mode 'bilinear' (default: linear
** when growing, area average when shrinking) or 'simple' (nearest pixel).
*/
static int image_scale (lua_State *L) {
  Tensor *src = hm_checktensor(L, 1);
  lua_Integer w = luaL_checkinteger(L, 2), h = luaL_checkinteger(L, 3);
  int mode = luaL_checkoption(L, 4, "bilinear", scalemodes);
  int64_t size[3];
  const Tensor *c;
  Tensor *dst;
  double *scratch = NULL;
  int nd = src->ndim, d;
  if (src->type != HM_BYTE && src->type != HM_FLOAT && src->type != HM_DOUBLE)
    luaL_argerror(L, 1, lua_pushfstring(L,
        "hm.ByteTensor, hm.FloatTensor or hm.DoubleTensor expected, got %s", hm_typename(src->type)));
  if (nd != 2 && nd != 3) {
    char shape[HM_SHAPEBUF];
    Tensor_shapestr(src, shape, sizeof shape);
    luaL_argerror(L, 1, lua_pushfstring(L, "H x W or C x H x W image expected, got %s", shape));
  }
  if (src->size[nd - 1] < 1 || src->size[nd - 2] < 1) {
    char shape[HM_SHAPEBUF];
    Tensor_shapestr(src, shape, sizeof shape);
    luaL_argerror(L, 1, lua_pushfstring(L, "empty image %s", shape));
  }
  luaL_argcheck(L, w >= 1 && w <= (1 << 24), 2, "width must be in 1..16777216");
  luaL_argcheck(L, h >= 1 && h <= (1 << 24), 3, "height must be in 1..16777216");
  lua_settop(L, 4);
  c = hm_pushcontiguous(L, 1);                             /* 5 */
  for (d = 0; d < nd; d++) size[d] = src->size[d];
  size[nd - 1] = w;
  size[nd - 2] = h;
  if (mode == SCALE_BILINEAR) {
    int64_t ih = src->size[nd - 2], iw = src->size[nd - 1];
    double need = (double)(ih * iw > h ? ih * iw : h) + (double)ih * (double)w;
    if (need * sizeof(double) > 1e12)
      luaL_error(L, "image too large to scale (%f values of scratch)", need);
    scratch = (double *)lua_newuserdatauv(L, (size_t)need * sizeof(double), 0);   /* 6 */
  }
  dst = hm_newtensor(L, src->type, nd, size);
  Image_scale(dst, c, mode, scratch);
  return 1;
}

static const hm_Reg image_funcs[] = {
  {"load", image_load, HM_FUNCTION},
  {"save", image_save, HM_FUNCTION},
  {"decode", image_decode, HM_FUNCTION},
  {"encode", image_encode, HM_FUNCTION},
  {"scale", image_scale, HM_FUNCTION},
  {NULL, NULL, 0}
};

/* The image functions go into hm._image (lua/harmonium/image.lua builds hm.image on them). */
void hm_open_image (lua_State *L, int F, int M) {
  F = lua_absindex(L, F);
  M = lua_absindex(L, M);
  if (luaL_newmetatable(L, HM_PNGBOX_MT)) {
    lua_pushcfunction(L, box_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, box_close);
    lua_setfield(L, -2, "__close");
  }
  lua_pop(L, 1);
  lua_newtable(L);
  hm_register(L, lua_gettop(L), M, image_funcs);
  lua_setfield(L, F, "_image");
}
