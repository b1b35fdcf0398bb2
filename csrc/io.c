/*
** io.c: dataset file readers: IDX (MNIST's format: read and write, raw or gzip) and the
** CIFAR-10/100 binary batches, plus the one-pass byte -> float conversion hm.data uses.
**
** Strategy: a corrupt file must never crash us nor make us allocate more than it can hold.
**  - Every header is parsed by a Lua-free kernel (io.h) that checks the magic, the type, the
**    number of dimensions and that the product of the dimensions does not overflow; the
**    fuzz targets in fuzz/ drive the same kernels over arbitrary bytes.
**  - Before a tensor is allocated, the size the header claims is compared with the file:
**    a raw file must hold exactly the header plus the data; a gzip file cannot inflate to
**    more than about 1032 times its length (deflate's limit), so a larger claim is refused.
**    The data are then inflated straight into the tensor and their length checked exactly.
**  - The data land in the tensor's memory in one read and are decoded in place (big-endian
**    to native, int8/16/32 widened to int64 walking backwards so nothing is overwritten
**    before it is read). MNIST pixels can be widened to floats in the same memory.
**  - Bindings keep the FILE * and zlib's state in a userdata with __gc (a "box", as liolib
**    does for files), so an error raised anywhere closes the file; the normal and error
**    paths close it explicitly first.
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tensor.h"
#include "io.h"

/* ===================================================================== kernels */

const char *hm_io_strerror (int code) {
  switch (code) {
    case HM_IO_OK: return "no error";
    case HM_IO_ETRUNC: return "truncated header";
    case HM_IO_EMAGIC: return "wrong magic number";
    case HM_IO_ETYPE: return "unsupported type code";
    case HM_IO_ENDIM: return "unsupported number of dimensions";
    case HM_IO_EOVERFLOW: return "dimensions overflow";
    case HM_IO_ESHORT: return "less data than the header says";
    case HM_IO_ELONG: return "more data than the header says";
    case HM_IO_EGZIP: return "corrupt gzip stream";
    case HM_IO_EREAD: return "read error";
    case HM_IO_ERECORD: return "length is not a whole number of records";
    case HM_IO_ELABEL: return "label out of range";
    case HM_IO_ERANGE: return "value out of range for the file type";
    default: return "unknown error";
  }
}

/* ---------------------------------------------------------------- byte reader */

static int reader_startgz (hm_Reader *r, const unsigned char *in, size_t avail) {
  memset(&r->zs, 0, sizeof r->zs);
  r->zs.next_in = (Bytef *)in;
  r->zs.avail_in = (uInt)avail;
  r->gz = 1;
  if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {   /* 15 + 16: gzip wrapper only */
    r->zmsg = "out of memory";
    return HM_IO_EGZIP;
  }
  r->zinit = 1;
  return HM_IO_OK;
}

static void reader_reset (hm_Reader *r) {
  r->f = NULL;
  r->mem = NULL;
  r->memlen = r->mempos = 0;
  r->gz = r->zinit = r->zend = 0;
  r->zmsg = NULL;
  r->peeklen = r->peekpos = 0;
}

int hm_reader_open_file (hm_Reader *r, FILE *f) {
  size_t n;
  reader_reset(r);
  r->f = f;
  n = fread(r->buf, 1, 2, f);
  if (n < 2 && ferror(f)) return HM_IO_EREAD;
  if (n == 2 && r->buf[0] == 0x1f && r->buf[1] == 0x8b) return reader_startgz(r, r->buf, 2);
  r->peeklen = n;
  return HM_IO_OK;
}

int hm_reader_open_mem (hm_Reader *r, const unsigned char *buf, size_t len) {
  reader_reset(r);
  r->mem = buf;
  r->memlen = len;
  if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
    size_t take = len < (size_t)UINT_MAX ? len : (size_t)UINT_MAX;
    r->mempos = take;
    return reader_startgz(r, buf, take);
  }
  return HM_IO_OK;
}

void hm_reader_close (hm_Reader *r) {
  if (r->zinit) inflateEnd(&r->zs);
  r->zinit = 0;
}

/* Make at least `want` input bytes available to inflate when the source still has them. */
static int reader_ensure (hm_Reader *r, size_t want) {
  if (r->zs.avail_in >= want) return HM_IO_OK;
  if (r->f != NULL) {
    size_t have = r->zs.avail_in, n;
    if (have > 0) memmove(r->buf, r->zs.next_in, have);
    n = fread(r->buf + have, 1, sizeof r->buf - have, r->f);
    if (n == 0 && ferror(r->f)) return HM_IO_EREAD;
    r->zs.next_in = r->buf;
    r->zs.avail_in = (uInt)(have + n);
  } else {
    /* memory: the window is always mem[mempos - avail_in, mempos); grow it */
    size_t left = r->memlen - r->mempos, room = (size_t)UINT_MAX - r->zs.avail_in;
    size_t take = left < room ? left : room;
    r->zs.avail_in += (uInt)take;
    r->mempos += take;
  }
  return HM_IO_OK;
}

static int reader_read_raw (hm_Reader *r, unsigned char *dst, size_t n, size_t *got) {
  size_t done = 0;
  if (r->f == NULL) {
    size_t left = r->memlen - r->mempos;
    done = n < left ? n : left;
    if (done) memcpy(dst, r->mem + r->mempos, done);
    r->mempos += done;
    *got = done;
    return HM_IO_OK;
  }
  if (r->peekpos < r->peeklen) {
    size_t k = r->peeklen - r->peekpos;
    if (k > n) k = n;
    memcpy(dst, r->buf + r->peekpos, k);
    r->peekpos += k;
    done = k;
  }
  if (done < n) done += fread(dst + done, 1, n - done, r->f);
  *got = done;
  return done < n && ferror(r->f) ? HM_IO_EREAD : HM_IO_OK;
}

int hm_reader_read (hm_Reader *r, void *dst, size_t n, size_t *got) {
  unsigned char *out = (unsigned char *)dst;
  size_t done = 0;
  int rc;
  if (!r->gz) return reader_read_raw(r, out, n, got);
  *got = 0;
  while (done < n && !r->zend) {
    size_t chunk = n - done < (size_t)UINT_MAX ? n - done : (size_t)UINT_MAX;
    uInt before_in;
    int ret;
    if (r->zs.avail_in == 0) {
      if ((rc = reader_ensure(r, 1)) != HM_IO_OK) return rc;
      if (r->zs.avail_in == 0) { r->zmsg = "unexpected end of file"; return HM_IO_EGZIP; }
    }
    before_in = r->zs.avail_in;
    r->zs.next_out = out + done;
    r->zs.avail_out = (uInt)chunk;
    ret = inflate(&r->zs, Z_NO_FLUSH);
    done += chunk - r->zs.avail_out;
    *got = done;
    if (ret == Z_STREAM_END) {
      /* another gzip member may follow (gzip -c a b > c); anything else is an error */
      if ((rc = reader_ensure(r, 2)) != HM_IO_OK) return rc;
      if (r->zs.avail_in == 0) r->zend = 1;
      else if (r->zs.avail_in >= 2 && r->zs.next_in[0] == 0x1f && r->zs.next_in[1] == 0x8b)
        inflateReset(&r->zs);
      else { r->zmsg = "trailing bytes after the gzip stream"; return HM_IO_EGZIP; }
    } else if (ret == Z_BUF_ERROR) {
      /* no progress: only acceptable when the input ran out (refilled above) */
      if (r->zs.avail_in == before_in && r->zs.avail_in != 0) {
        r->zmsg = "no progress";
        return HM_IO_EGZIP;
      }
    } else if (ret != Z_OK) {
      r->zmsg = r->zs.msg != NULL ? r->zs.msg : "corrupt data";
      return HM_IO_EGZIP;
    }
  }
  return HM_IO_OK;
}

/* ---------------------------------------------------------------- IDX */

size_t hm_idx_elsize (int code) {
  switch (code) {
    case HM_IDX_U8: case HM_IDX_I8: return 1;
    case HM_IDX_I16: return 2;
    case HM_IDX_I32: case HM_IDX_F32: return 4;
    case HM_IDX_F64: return 8;
    default: return 0;
  }
}

size_t hm_idx_dstelsize (int code) {
  switch (code) {
    case HM_IDX_U8: return 1;
    case HM_IDX_F32: return 4;
    case HM_IDX_I8: case HM_IDX_I16: case HM_IDX_I32: case HM_IDX_F64: return 8;
    default: return 0;
  }
}

static uint32_t get_be32 (const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_be32 (unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

int hm_idx_parse_header (const unsigned char *buf, size_t len, hm_IdxHeader *h) {
  uint64_t n = 1;
  int d, zero = 0;
  memset(h, 0, sizeof *h);
  h->headerlen = 4;
  if (len < 4) return HM_IO_ETRUNC;
  if (buf[0] != 0 || buf[1] != 0) return HM_IO_EMAGIC;
  h->code = buf[2];
  h->ndim = buf[3];
  h->elsize = hm_idx_elsize(h->code);
  if (h->elsize == 0) return HM_IO_ETYPE;
  if (h->ndim < 1 || h->ndim > HM_IDX_MAXDIM) return HM_IO_ENDIM;
  h->headerlen = 4 + 4 * (size_t)h->ndim;
  if (len < h->headerlen) return HM_IO_ETRUNC;
  for (d = 0; d < h->ndim; d++) {
    h->dims[d] = (int64_t)get_be32(buf + 4 + 4 * d);
    if (h->dims[d] == 0) zero = 1;
  }
  /* the decoded data (8 bytes an element at most) must fit in an int64 byte count */
  if (!zero) {
    for (d = 0; d < h->ndim; d++) {
      if (n > (uint64_t)(INT64_MAX / 8) / (uint64_t)h->dims[d]) return HM_IO_EOVERFLOW;
      n *= (uint64_t)h->dims[d];
    }
  } else {
    n = 0;
  }
  h->nelem = n;
  h->datalen = n * h->elsize;
  return HM_IO_OK;
}

int hm_idx_read_header (hm_Reader *r, hm_IdxHeader *h) {
  unsigned char hb[4 + 4 * HM_IDX_MAXDIM];
  size_t got;
  int rc = hm_reader_read(r, hb, 4, &got);
  if (rc != HM_IO_OK) return rc;
  rc = hm_idx_parse_header(hb, got, h);
  if (rc != HM_IO_ETRUNC || got < 4) return rc;
  rc = hm_reader_read(r, hb + 4, h->headerlen - 4, &got);
  if (rc != HM_IO_OK) return rc;
  return hm_idx_parse_header(hb, 4 + got, h);
}

int hm_idx_read_data (hm_Reader *r, const hm_IdxHeader *h, void *dst, uint64_t *got) {
  size_t n = 0;
  unsigned char extra;
  int rc = h->datalen ? hm_reader_read(r, dst, (size_t)h->datalen, &n) : HM_IO_OK;
  *got = n;
  if (rc != HM_IO_OK) return rc;
  if (n < h->datalen) return HM_IO_ESHORT;
  rc = hm_reader_read(r, &extra, 1, &n);
  if (rc != HM_IO_OK) return rc;
  return n ? HM_IO_ELONG : HM_IO_OK;
}

static int host_is_little (void) {
  const uint16_t one = 1;
  return *(const unsigned char *)&one == 1;
}

void hm_idx_decode (int code, void *p, uint64_t n) {
  unsigned char *b = (unsigned char *)p;
  int64_t *d = (int64_t *)p;
  uint64_t i;
  /* integers widen in place from the end: element i is written at 8i, after every element
  ** j >= i was read and never over an element j < i still to be read (2j + 2 <= 8i) */
  switch (code) {
    case HM_IDX_I8:
      for (i = n; i-- > 0;) d[i] = b[i] >= 0x80 ? (int64_t)b[i] - 0x100 : (int64_t)b[i];
      break;
    case HM_IDX_I16:
      for (i = n; i-- > 0;) {
        int64_t v = (int64_t)b[2 * i] << 8 | b[2 * i + 1];
        d[i] = v >= 0x8000 ? v - 0x10000 : v;
      }
      break;
    case HM_IDX_I32:
      for (i = n; i-- > 0;) {
        int64_t v = (int64_t)get_be32(b + 4 * i);
        d[i] = v >= 0x80000000LL ? v - 0x100000000LL : v;
      }
      break;
    case HM_IDX_F32:
      if (host_is_little())
        for (i = 0; i < n; i++) {
          uint32_t v = get_be32(b + 4 * i);
          memcpy(b + 4 * i, &v, 4);
        }
      break;
    case HM_IDX_F64:
      if (host_is_little())
        for (i = 0; i < n; i++) {
          uint64_t v = (uint64_t)get_be32(b + 8 * i) << 32 | get_be32(b + 8 * i + 4);
          memcpy(b + 8 * i, &v, 8);
        }
      break;
    default:
      break;
  }
}

/*
** Widen u8 -> float in place, a block at a time from the end. A block's bytes are copied
** aside first, so its floats may overwrite them; lower blocks lie below the block's floats.
*/
void hm_idx_u8_to_float (void *p, uint64_t n, float scale) {
  enum { BLOCK = 4096 };
  unsigned char tmp[BLOCK];
  const unsigned char *b = (const unsigned char *)p;
  float *f = (float *)p;
  uint64_t end = n;
  while (end > 0) {
    uint64_t start = end > BLOCK ? end - BLOCK : 0, i, k = end - start;
    memcpy(tmp, b + start, (size_t)k);
    for (i = 0; i < k; i++) f[start + i] = (float)tmp[i] * scale;
    end = start;
  }
}

int hm_idx_encode (int code, const void *src, int srcsize, int srcint, uint64_t n,
                   unsigned char *out, uint64_t *bad) {
  uint64_t i;
  int isint = code != HM_IDX_F32 && code != HM_IDX_F64;
  int64_t lo = 0, hi = 0;
  if (isint && !(srcsize == 1 || (srcsize == 8 && srcint))) { *bad = 0; return HM_IO_ERANGE; }
  switch (code) {
    case HM_IDX_U8: lo = 0; hi = 255; break;
    case HM_IDX_I8: lo = -128; hi = 127; break;
    case HM_IDX_I16: lo = -32768; hi = 32767; break;
    case HM_IDX_I32: lo = INT32_MIN; hi = INT32_MAX; break;
    default: break;
  }
  for (i = 0; i < n; i++) {
    if (isint) {
      int64_t v = srcsize == 1 ? (int64_t)((const uint8_t *)src)[i] : ((const int64_t *)src)[i];
      uint32_t u;
      if (v < lo || v > hi) { *bad = i; return HM_IO_ERANGE; }
      u = (uint32_t)(v & 0xffffffffLL);
      switch (code) {
        case HM_IDX_U8: case HM_IDX_I8: *out++ = (unsigned char)u; break;
        case HM_IDX_I16: *out++ = (unsigned char)(u >> 8); *out++ = (unsigned char)u; break;
        default: put_be32(out, u); out += 4; break;
      }
    } else {
      double v;
      switch (srcsize) {
        case 1: v = ((const uint8_t *)src)[i]; break;
        case 4: v = ((const float *)src)[i]; break;
        default: v = srcint ? (double)((const int64_t *)src)[i] : ((const double *)src)[i]; break;
      }
      if (code == HM_IDX_F32) {
        float x = (float)v;
        uint32_t u;
        memcpy(&u, &x, 4);
        put_be32(out, u);
        out += 4;
      } else {
        uint64_t u;
        memcpy(&u, &v, 8);
        put_be32(out, (uint32_t)(u >> 32));
        put_be32(out + 4, (uint32_t)u);
        out += 8;
      }
    }
  }
  return HM_IO_OK;
}

/* ---------------------------------------------------------------- CIFAR */

int hm_cifar_count (uint64_t len, int nlabels, int64_t *n) {
  uint64_t rec = (uint64_t)nlabels + HM_CIFAR_PIXELS;
  *n = 0;
  if (nlabels < 1 || len % rec != 0) return HM_IO_ERECORD;
  *n = (int64_t)(len / rec);
  return HM_IO_OK;
}

int hm_cifar_split (const unsigned char *rec, int64_t n, int nlabels, const int *nclasses,
                    unsigned char *data8, float *dataf, float scale, int64_t *labels,
                    int64_t *badrec, int *badlabel, int *badidx) {
  size_t recsize = (size_t)nlabels + HM_CIFAR_PIXELS;
  int64_t r;
  int j, k;
  for (r = 0; r < n; r++, rec += recsize) {
    for (j = 0; j < nlabels; j++) {
      if (rec[j] >= nclasses[j]) {
        *badrec = r;
        *badlabel = rec[j];
        *badidx = j;
        return HM_IO_ELABEL;
      }
      labels[r * nlabels + j] = rec[j];
    }
    if (data8 != NULL) {
      memcpy(data8 + (size_t)r * HM_CIFAR_PIXELS, rec + nlabels, HM_CIFAR_PIXELS);
    } else {
      float *o = dataf + (size_t)r * HM_CIFAR_PIXELS;
      const unsigned char *p = rec + nlabels;
      for (k = 0; k < HM_CIFAR_PIXELS; k++) o[k] = (float)p[k] * scale;
    }
  }
  return HM_IO_OK;
}

/* ===================================================================== bindings */

#define HM_IOBOX_MT "harmonium.IoBox"
#define GZIP_MAX_RATIO 1032       /* deflate cannot expand input by more than this */

/* A file and its reader, closed by __gc/__close if an error unwinds past them. */
typedef struct IoBox {
  FILE *f;
  hm_Reader r;
} IoBox;

static void iobox_close (IoBox *b) {
  hm_reader_close(&b->r);
  if (b->f != NULL) fclose(b->f);
  b->f = NULL;
}

static int iobox_gc (lua_State *L) {
  iobox_close((IoBox *)luaL_checkudata(L, 1, HM_IOBOX_MT));
  return 0;
}

/* Push a box holding `path` opened for reading; raises "cannot open 'path' (reason)".
** *len gets the file's length in bytes. */
static IoBox *iobox_open (lua_State *L, const char *path, uint64_t *len) {
  IoBox *b = (IoBox *)lua_newuserdatauv(L, sizeof(IoBox), 0);
  struct stat st;
  b->f = NULL;
  b->r.zinit = 0;
  if (luaL_newmetatable(L, HM_IOBOX_MT)) {
    lua_pushcfunction(L, iobox_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, iobox_gc);
    lua_setfield(L, -2, "__close");
  }
  lua_setmetatable(L, -2);
  b->f = fopen(path, "rb");
  if (b->f == NULL) luaL_error(L, "cannot open '%s' (%s)", path, strerror(errno));
  if (fstat(fileno(b->f), &st) != 0) {
    int e = errno;
    iobox_close(b);
    luaL_error(L, "cannot read '%s' (%s)", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    iobox_close(b);
    luaL_error(L, "cannot read '%s' (not a regular file)", path);
  }
  *len = (uint64_t)st.st_size;
  return b;
}

/*
** Ask for transparent huge pages over the page-aligned 2 MB blocks of a fresh, untouched
** block (a no-op where THP is off or the block is small). Why: on these VMs the first touch
** of each 4 KB page costs about 10 us, so faulting in a 188 MB MNIST float tensor took
** 0.5 s, 2 MB pages about 0.02-0.3 s. It only sets a flag on the mapping; harmless on
** memory malloc owns.
*/
static void advise_huge (void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + n) & ~(huge - 1);
  if (n >= 4 * huge && e > a) (void)madvise((void *)a, (size_t)(e - a), MADV_HUGEPAGE);
#else
  (void)p; (void)n;
#endif
}

/* "[60000 x 28 x 28]" for an IDX header */
static const char *pushdims (lua_State *L, const hm_IdxHeader *h) {
  luaL_Buffer B;
  int d;
  luaL_buffinit(L, &B);
  luaL_addchar(&B, '[');
  for (d = 0; d < h->ndim; d++) {
    if (d) luaL_addstring(&B, " x ");
    lua_pushinteger(L, (lua_Integer)h->dims[d]);
    luaL_addvalue(&B);
  }
  luaL_addchar(&B, ']');
  luaL_pushresult(&B);
  return lua_tostring(L, -1);
}

/* Close the box and raise the error of a failed IDX read of `path`. */
static int idxerror (lua_State *L, IoBox *b, const char *path, int rc, const hm_IdxHeader *h,
                     uint64_t filelen, uint64_t got) {
  const char *zmsg = b->r.zmsg, *what = b->r.gz ? "gzip stream" : "file";
  iobox_close(b);
  switch (rc) {
    case HM_IO_ETRUNC:
      return luaL_error(L, "'%s': truncated file (the IDX header needs %I bytes)", path,
                        (lua_Integer)h->headerlen);
    case HM_IO_EMAGIC:
      return luaL_error(L, "'%s': wrong magic number (not an IDX file: it must start with "
                        "bytes 0x00 0x00, a type code and the number of dimensions)", path);
    case HM_IO_ETYPE: {
      char hex[8];
      snprintf(hex, sizeof hex, "0x%02x", (unsigned)h->code & 0xffu);
      return luaL_error(L, "'%s': unsupported IDX type code %s (0x08 u8, 0x09 i8, 0x0B i16, "
                        "0x0C i32, 0x0D f32, 0x0E f64)", path, hex);
    }
    case HM_IO_ENDIM:
      return luaL_error(L, "'%s': unsupported number of dimensions %d (1 to %d)", path,
                        h->ndim, HM_IDX_MAXDIM);
    case HM_IO_EOVERFLOW:
      return luaL_error(L, "'%s': dimensions %s overflow", path, pushdims(L, h));
    case HM_IO_ESHORT:
      return luaL_error(L, "'%s': size mismatch (the header says %s, %I bytes of data, but the "
                        "%s ends after %I)", path, pushdims(L, h), (lua_Integer)h->datalen,
                        what, (lua_Integer)got);
    case HM_IO_ELONG:
      return luaL_error(L, "'%s': size mismatch (the header says %s, %I bytes of data, but the "
                        "%s holds more)", path, pushdims(L, h), (lua_Integer)h->datalen, what);
    case HM_IO_EGZIP:
      return luaL_error(L, "'%s': corrupt gzip stream (%s)", path, zmsg ? zmsg : "unknown");
    case HM_IO_EREAD:
      return luaL_error(L, "'%s': read error (%s)", path, strerror(errno));
    default:
      (void)filelen;
      return luaL_error(L, "'%s': %s", path, hm_io_strerror(rc));
  }
}

static int idx_tensortype (int code) {
  switch (code) {
    case HM_IDX_U8: return HM_BYTE;
    case HM_IDX_F32: return HM_FLOAT;
    case HM_IDX_F64: return HM_DOUBLE;
    default: return HM_LONG;
  }
}

/*
** hm._idxread(path [, mode [, scale [, limit]]]) -> tensor
** Reads an IDX file, raw or gzip (detected by its first bytes), as a tensor of the file's
** shape: u8 -> hm.ByteTensor, i8/i16/i32 -> hm.LongTensor, f32 -> hm.FloatTensor,
** f64 -> hm.DoubleTensor. mode 'float' (u8 files only) gives a hm.FloatTensor of the bytes
** times scale (default 1) in the same pass. limit keeps only the first `limit` items along
** dimension 1 (the rest is not read, so for gzip its length is not checked).
** ERRORS: every problem raises "'path': what" (cannot open, truncated, wrong magic number,
** unsupported type, size mismatch, corrupt gzip stream), before anything large is allocated.
*/
static int io_idxread (lua_State *L) {
  static const char *const modes[] = { "native", "float", NULL };
  const char *path = luaL_checkstring(L, 1);
  int mode = luaL_checkoption(L, 2, "native", modes);
  float scale = (float)luaL_optnumber(L, 3, 1.0);
  lua_Integer limit = luaL_optinteger(L, 4, -1);
  uint64_t filelen, got = 0, full;
  hm_IdxHeader h;
  int64_t size[HM_IDX_MAXDIM];
  IoBox *b;
  Tensor *t;
  int rc, d;
  luaL_argcheck(L, limit >= -1, 4, "limit must be non-negative");
  b = iobox_open(L, path, &filelen);
  rc = hm_reader_open_file(&b->r, b->f);
  if (rc == HM_IO_OK) rc = hm_idx_read_header(&b->r, &h);
  if (rc != HM_IO_OK) return idxerror(L, b, path, rc, &h, filelen, 0);
  /* the size the header claims, checked against the file before anything is allocated */
  full = h.datalen;
  if (!b->r.gz) {
    uint64_t avail = filelen > h.headerlen ? filelen - h.headerlen : 0;
    if (h.datalen > avail) return idxerror(L, b, path, HM_IO_ESHORT, &h, filelen, avail);
    if (h.datalen < avail) return idxerror(L, b, path, HM_IO_ELONG, &h, filelen, avail);
  } else if (h.datalen / GZIP_MAX_RATIO > filelen + 64) {
    iobox_close(b);
    return luaL_error(L, "'%s': size mismatch (the header says %s, %I bytes of data, more than "
                      "a gzip file of %I bytes can hold)", path, pushdims(L, &h),
                      (lua_Integer)h.datalen, (lua_Integer)filelen);
  }
  if (mode == 1 && h.code != HM_IDX_U8) {
    iobox_close(b);
    return luaL_error(L, "'%s': mode 'float' needs an unsigned byte (0x08) IDX file", path);
  }
  if (limit >= 0 && limit < h.dims[0]) {
    h.dims[0] = limit;
    for (d = 0, h.nelem = 1; d < h.ndim; d++) h.nelem *= (uint64_t)h.dims[d];
    h.datalen = h.nelem * h.elsize;
  }
  for (d = 0; d < h.ndim; d++) size[d] = h.dims[d];
  t = hm_newtensor(L, mode == 1 ? HM_FLOAT : idx_tensortype(h.code), h.ndim, size);
  advise_huge(Tensor_data(t), t->storage->nbytes);
  if (h.datalen < full) {
    /* a prefix: read just that much */
    size_t n = 0;
    rc = h.datalen ? hm_reader_read(&b->r, Tensor_data(t), (size_t)h.datalen, &n) : HM_IO_OK;
    got = n;
    if (rc == HM_IO_OK && got < h.datalen) rc = HM_IO_ESHORT;
    h.datalen = full;   /* for the message */
  } else {
    rc = hm_idx_read_data(&b->r, &h, Tensor_data(t), &got);
  }
  if (rc != HM_IO_OK) return idxerror(L, b, path, rc, &h, filelen, got);
  iobox_close(b);
  if (mode == 1) hm_idx_u8_to_float(Tensor_data(t), h.nelem, scale);
  else hm_idx_decode(h.code, Tensor_data(t), h.nelem);
  return 1;
}

static const char *const idxtypenames[] = { "u8", "i8", "i16", "i32", "f32", "f64", NULL };
static const int idxtypecodes[] = { HM_IDX_U8, HM_IDX_I8, HM_IDX_I16, HM_IDX_I32, HM_IDX_F32,
                                    HM_IDX_F64 };

static const char *idxtypename (int code) {
  int k;
  for (k = 0; idxtypenames[k] != NULL; k++)
    if (idxtypecodes[k] == code) return idxtypenames[k];
  return "?";
}

/*
** hm._idxwrite(path, t [, type]) -> true
** Writes t as an IDX file, gzip-compressed when path ends in ".gz". type is the file's
** element type: 'u8', 'i8', 'i16', 'i32', 'f32' or 'f64' (default: u8 for byte tensors, i32
** for long, f32 for float, f64 for double); integer types need a byte or long tensor whose
** values fit. The file is written under a temporary name and renamed, so a failed write
** leaves any old file in place.
** ERRORS: "cannot write 'path' (reason)"; a value out of range for the type.
*/
static int io_idxwrite (lua_State *L) {
  static const int defaults[HM_NTYPES] = { HM_IDX_U8, HM_IDX_I32, HM_IDX_F32, HM_IDX_F64 };
  enum { CHUNK = 8192 };
  const char *path = luaL_checkstring(L, 1);
  Tensor *t = hm_checktensor(L, 2), *src;
  int code = lua_isnoneornil(L, 3) ? defaults[t->type]
                                    : idxtypecodes[luaL_checkoption(L, 3, NULL, idxtypenames)];
  int isint = code != HM_IDX_F32 && code != HM_IDX_F64, d, rc = HM_IO_OK, ok = 1, gz;
  size_t plen = strlen(path), elsize = hm_idx_elsize(code), srcsize;
  unsigned char header[4 + 4 * HM_IDX_MAXDIM], *scratch;
  const char *tmp, *data;
  int64_t n, i;
  uint64_t bad = 0;
  FILE *f = NULL;
  gzFile g = NULL;
  if (isint && (t->type == HM_FLOAT || t->type == HM_DOUBLE))
    return luaL_argerror(L, 3, lua_pushfstring(L, "integer type '%s' needs a hm.ByteTensor or "
                         "hm.LongTensor, got %s", idxtypename(code), hm_typename(t->type)));
  if (t->ndim < 1 || t->ndim > HM_IDX_MAXDIM)
    return luaL_argerror(L, 2, "tensor with 1 to 16 dimensions expected");
  for (d = 0; d < t->ndim; d++)
    if (t->size[d] > (int64_t)UINT32_MAX)
      return luaL_argerror(L, 2, lua_pushfstring(L, "size %I of dimension %d is too large for "
                           "IDX", (lua_Integer)t->size[d], d + 1));
  gz = plen > 3 && strcmp(path + plen - 3, ".gz") == 0;
  src = hm_pushcontiguous(L, 2);
  srcsize = hm_elsize(src->type);
  data = (const char *)Tensor_data(src);
  n = Tensor_nelement(src);
  scratch = (unsigned char *)lua_newuserdatauv(L, CHUNK * 8, 0);
  tmp = lua_pushfstring(L, "%s.tmp%d", path, (int)getpid());
  header[0] = header[1] = 0;
  header[2] = (unsigned char)code;
  header[3] = (unsigned char)t->ndim;
  for (d = 0; d < t->ndim; d++) put_be32(header + 4 + 4 * d, (uint32_t)t->size[d]);
  /* no Lua call (that could raise) from here until the file is closed */
  if (gz) g = gzopen(tmp, "wb6");
  else f = fopen(tmp, "wb");
  if (f == NULL && g == NULL)
    return luaL_error(L, "cannot write '%s' (%s)", path, strerror(errno ? errno : ENOMEM));
  {
    size_t hl = 4 + 4 * (size_t)t->ndim;
    ok = gz ? gzwrite(g, header, (unsigned)hl) == (int)hl : fwrite(header, 1, hl, f) == hl;
  }
  for (i = 0; ok && i < n; i += CHUNK) {
    int64_t k = n - i < CHUNK ? n - i : CHUNK;
    size_t nb = (size_t)k * elsize;
    rc = hm_idx_encode(code, data + (size_t)i * srcsize, (int)srcsize, src->type == HM_LONG,
                       (uint64_t)k, scratch, &bad);
    if (rc != HM_IO_OK) { bad += (uint64_t)i; ok = 0; break; }
    ok = gz ? gzwrite(g, scratch, (unsigned)nb) == (int)nb : fwrite(scratch, 1, nb, f) == nb;
  }
  {
    int e = errno, closed = gz ? gzclose(g) == Z_OK : fclose(f) == 0;
    if (ok && !closed) ok = 0;
    else errno = e;
  }
  if (ok && rename(tmp, path) != 0) ok = 0;
  if (!ok) {
    int e = errno;
    remove(tmp);
    if (rc == HM_IO_ERANGE) {
      double v = Tensor_get(src, (int64_t)bad);
      if (src->type == HM_LONG)
        lua_pushinteger(L, ((const int64_t *)Tensor_data(src))[bad]);
      else
        lua_pushnumber(L, (lua_Number)v);
      return luaL_error(L, "cannot write '%s' (element %I, %s, does not fit type '%s')", path,
                        (lua_Integer)bad + 1, lua_tostring(L, -1), idxtypename(code));
    }
    return luaL_error(L, "cannot write '%s' (%s)", path, e ? strerror(e) : "write failed");
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* ---------------------------------------------------------------- byte -> float */

typedef struct ToFloat {
  const uint8_t *src;
  float *dst;
  float scale;
} ToFloat;

static void tofloat_range (void *ctx, int64_t begin, int64_t end) {
  const ToFloat *c = (const ToFloat *)ctx;
  int64_t i;
  for (i = begin; i < end; i++) c->dst[i] = (float)c->src[i] * c->scale;
}

/*
** hm._bytetofloat(src [, scale [, res]]) -> res
** A hm.FloatTensor of src's shape holding src's bytes times scale (default 1), in one
** parallel pass; res (a float tensor) is resized and reused when given.
*/
static int io_bytetofloat (lua_State *L) {
  Tensor *s = hm_checktensortype(L, 1, HM_BYTE), *r, *out;
  float scale = (float)luaL_optnumber(L, 2, 1.0);
  ToFloat c;
  int hasres = !lua_isnoneornil(L, 3);
  if (hasres) hm_checktensortype(L, 3, HM_FLOAT);
  lua_settop(L, 3);
  s = hm_pushcontiguous(L, 1);                       /* 4 */
  if (hasres) {
    r = hm_resizeas(L, 3, s);
    out = Tensor_iscontiguous(r) ? r : hm_newtensorlike(L, s, HM_FLOAT);
  } else {
    r = out = hm_newtensorlike(L, s, HM_FLOAT);
    advise_huge(Tensor_data(out), out->storage->nbytes);
  }
  c.src = (const uint8_t *)Tensor_data(s);
  c.dst = (float *)Tensor_data(out);
  c.scale = scale;
  hm_parallel_for(Tensor_nelement(s), HM_PARALLEL_GRAIN, tofloat_range, &c);
  if (out != r) Tensor_copy(r, out);
  if (hasres) lua_pushvalue(L, 3);
  else lua_pushvalue(L, 5);
  return 1;
}

/* ---------------------------------------------------------------- CIFAR */

/* Open a CIFAR batch and count its records; raises on a bad length or a gzip file. */
static IoBox *cifar_open (lua_State *L, const char *path, int nlabels, int64_t *n) {
  uint64_t len;
  IoBox *b = iobox_open(L, path, &len);
  int rc = hm_reader_open_file(&b->r, b->f);
  if (rc == HM_IO_OK && b->r.gz) {
    iobox_close(b);
    luaL_error(L, "'%s': gzip-compressed CIFAR batch (extract the official tarball: "
               "tar -xzf cifar-10-binary.tar.gz)", path);
  }
  if (rc != HM_IO_OK) {
    iobox_close(b);
    luaL_error(L, "'%s': %s", path, hm_io_strerror(rc));
  }
  if (hm_cifar_count(len, nlabels, n) != HM_IO_OK) {
    iobox_close(b);
    luaL_error(L, "'%s': file length %I is not a multiple of the CIFAR record size %d (%d label "
               "byte%s + 3072 pixels)", path, (lua_Integer)len, nlabels + HM_CIFAR_PIXELS,
               nlabels, nlabels > 1 ? "s" : "");
  }
  return b;
}

/*
** hm._cifarcount(path, nlabels) -> number of records in a CIFAR batch file
** ERRORS: cannot open; length not a multiple of the record size (nlabels + 3072).
*/
static int io_cifarcount (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Integer nlabels = luaL_checkinteger(L, 2);
  int64_t n;
  IoBox *b;
  luaL_argcheck(L, nlabels == 1 || nlabels == 2, 2, "1 or 2 label bytes expected");
  b = cifar_open(L, path, (int)nlabels, &n);
  iobox_close(b);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/*
** hm._cifarread(path, nclasses, data, labels, row [, scale]) -> records read
** Reads every record of a CIFAR binary batch into rows row, row + 1, ... (1-based) of data
** (a contiguous byte or float tensor with 3072 elements a row: N x 3072 or N x 3 x 32 x 32)
** and labels (a contiguous long tensor, N x #nclasses, 0-based class numbers). nclasses is
** {10} for CIFAR-10, {20, 100} for CIFAR-100 (coarse, fine); a label out of range is an
** error. Float data are the bytes times scale (default 1/255).
*/
static int io_cifarread (lua_State *L) {
  enum { RECS = 256 };
  const char *path = luaL_checkstring(L, 1);
  Tensor *data, *labels;
  lua_Integer row = luaL_checkinteger(L, 5);
  float scale = (float)luaL_optnumber(L, 6, 1.0 / 255.0);
  int nclasses[2], nlabels, j, rc = HM_IO_OK, badlabel = 0, badidx = 0;
  int64_t n, done, rows, badrec = 0;
  size_t recsize;
  unsigned char *scratch;
  IoBox *b;
  luaL_checktype(L, 2, LUA_TTABLE);
  nlabels = (int)luaL_len(L, 2);
  luaL_argcheck(L, nlabels == 1 || nlabels == 2, 2, "1 or 2 class counts expected");
  for (j = 0; j < nlabels; j++) {
    lua_geti(L, 2, j + 1);
    nclasses[j] = (int)luaL_checkinteger(L, -1);
    luaL_argcheck(L, nclasses[j] >= 1 && nclasses[j] <= 256, 2, "class counts must be 1..256");
    lua_pop(L, 1);
  }
  data = hm_checktensor(L, 3);
  labels = hm_checktensortype(L, 4, HM_LONG);
  luaL_argcheck(L, data->type == HM_BYTE || data->type == HM_FLOAT, 3,
                "hm.ByteTensor or hm.FloatTensor expected");
  luaL_argcheck(L, Tensor_iscontiguous(data) && data->ndim >= 1, 3, "contiguous tensor expected");
  luaL_argcheck(L, Tensor_iscontiguous(labels), 4, "contiguous tensor expected");
  rows = data->size[0];
  luaL_argcheck(L, Tensor_nelement(data) == rows * HM_CIFAR_PIXELS, 3,
                "3072 elements a row expected");
  luaL_argcheck(L, Tensor_nelement(labels) == rows * nlabels, 4,
                "one row of labels per data row expected");
  recsize = (size_t)nlabels + HM_CIFAR_PIXELS;
  scratch = (unsigned char *)lua_newuserdatauv(L, RECS * recsize, 0);
  b = cifar_open(L, path, nlabels, &n);
  if (row < 1 || row - 1 > rows || n > rows - (row - 1)) {
    iobox_close(b);
    return luaL_error(L, "'%s': %I records do not fit from row %I of a %I-row tensor", path,
                      (lua_Integer)n, row, (lua_Integer)rows);
  }
  for (done = 0; done < n && rc == HM_IO_OK; done += RECS) {
    int64_t k = n - done < RECS ? n - done : RECS, r0 = row - 1 + done;
    size_t got;
    rc = hm_reader_read(&b->r, scratch, (size_t)k * recsize, &got);
    if (rc == HM_IO_OK && got < (size_t)k * recsize) rc = HM_IO_ESHORT;
    if (rc == HM_IO_OK) {
      rc = hm_cifar_split(scratch, k, nlabels, nclasses,
                          data->type == HM_BYTE ? (unsigned char *)Tensor_data(data) +
                          (size_t)r0 * HM_CIFAR_PIXELS : NULL,
                          data->type == HM_FLOAT ? (float *)Tensor_data(data) +
                          (size_t)r0 * HM_CIFAR_PIXELS : NULL,
                          scale, (int64_t *)Tensor_data(labels) + (size_t)r0 * nlabels,
                          &badrec, &badlabel, &badidx);
      if (rc == HM_IO_ELABEL) badrec += done;
    }
  }
  iobox_close(b);
  if (rc == HM_IO_ELABEL)
    return luaL_error(L, "'%s': record %I has %slabel %d, out of range 0..%d", path,
                      (lua_Integer)badrec + 1, nlabels == 1 ? "" : badidx == 0 ? "coarse " :
                      "fine ", badlabel, nclasses[badidx] - 1);
  if (rc != HM_IO_OK) return luaL_error(L, "'%s': %s", path, hm_io_strerror(rc));
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* ===================================================================== registration */

static const hm_Reg io_funcs[] = {
  {"_idxread", io_idxread, HM_FUNCTION},
  {"_idxwrite", io_idxwrite, HM_FUNCTION},
  {"_bytetofloat", io_bytetofloat, HM_FUNCTION},
  {"_cifarcount", io_cifarcount, HM_FUNCTION},
  {"_cifarread", io_cifarread, HM_FUNCTION},
  {NULL, NULL, 0}
};

void hm_open_io (lua_State *L, int F, int M) {
  hm_register(L, F, M, io_funcs);
}
