/*
** io.h: Lua-free kernels of the dataset readers in io.c (IDX and CIFAR parsing, a byte
** reader over a FILE * or a memory block that inflates gzip streams on the fly). The
** bindings in io.c and the libFuzzer targets in fuzz/ both call these.
*/
#ifndef HM_IO_H
#define HM_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <zlib.h>

/* Result codes of the kernels (hm_io_strerror gives a short text for each). */
enum {
  HM_IO_OK = 0,
  HM_IO_ETRUNC,        /* the file ends inside the header */
  HM_IO_EMAGIC,        /* wrong magic number */
  HM_IO_ETYPE,         /* unknown or unsupported IDX type code */
  HM_IO_ENDIM,         /* 0 or more than HM_IDX_MAXDIM dimensions */
  HM_IO_EOVERFLOW,     /* the dimensions' product overflows */
  HM_IO_ESHORT,        /* less data than the header says */
  HM_IO_ELONG,         /* more data than the header says */
  HM_IO_EGZIP,         /* corrupt or truncated gzip stream */
  HM_IO_EREAD,         /* read error (errno is set) */
  HM_IO_ERECORD,       /* CIFAR: length not a multiple of the record size */
  HM_IO_ELABEL,        /* CIFAR: label byte out of range */
  HM_IO_ERANGE         /* IDX write: a value does not fit the file's type */
};
const char *hm_io_strerror (int code);

/* ---------------------------------------------------------------- byte reader */
#define HM_READER_BUF 65536

/*
** A sequential reader over a FILE * or a memory block. It looks at the first two bytes: a
** gzip stream (1f 8b) is inflated on the fly (concatenated members included), anything
** else is read as it is. The caller owns the FILE *; hm_reader_close frees zlib's state.
*/
typedef struct hm_Reader {
  FILE *f;                          /* source file, or NULL for memory */
  const unsigned char *mem;         /* memory source and its length and position */
  size_t memlen, mempos;
  int gz;                           /* 1 when the source is gzip */
  int zinit;                        /* inflateInit2 done (inflateEnd due) */
  int zend;                         /* the last member ended; no data after it */
  const char *zmsg;                 /* zlib's message for the last HM_IO_EGZIP */
  z_stream zs;
  size_t peeklen, peekpos;          /* raw file: bytes read ahead by the gzip check */
  unsigned char buf[HM_READER_BUF]; /* file input buffer */
} hm_Reader;

/* Start reading f (from its current position) or buf[0..len); returns HM_IO_OK or an error. */
int hm_reader_open_file (hm_Reader *r, FILE *f);
int hm_reader_open_mem (hm_Reader *r, const unsigned char *buf, size_t len);
/* Read up to n bytes into dst; *got says how many came (fewer only at the end of the data). */
int hm_reader_read (hm_Reader *r, void *dst, size_t n, size_t *got);
void hm_reader_close (hm_Reader *r);

/* ---------------------------------------------------------------- IDX */
#define HM_IDX_MAXDIM 16

/* IDX type codes (the third magic byte) */
#define HM_IDX_U8 0x08
#define HM_IDX_I8 0x09
#define HM_IDX_I16 0x0B
#define HM_IDX_I32 0x0C
#define HM_IDX_F32 0x0D
#define HM_IDX_F64 0x0E

typedef struct hm_IdxHeader {
  int code;                         /* type code, HM_IDX_U8 ... HM_IDX_F64 */
  int ndim;                         /* 1 .. HM_IDX_MAXDIM */
  int64_t dims[HM_IDX_MAXDIM];      /* each < 2^32 */
  size_t headerlen;                 /* 4 + 4 * ndim */
  size_t elsize;                    /* bytes per element in the file */
  uint64_t nelem;                   /* product of the dims */
  uint64_t datalen;                 /* nelem * elsize, checked not to overflow */
} hm_IdxHeader;

/* Bytes per element of an IDX type code, or 0 when the code is not one we read. */
size_t hm_idx_elsize (int code);
/*
** Parse the header at buf[0..len). Returns HM_IO_OK, HM_IO_ETRUNC when len is shorter than
** the header (h->headerlen then says how long it is, once the 4 magic bytes are there),
** HM_IO_EMAGIC, HM_IO_ETYPE, HM_IO_ENDIM or HM_IO_EOVERFLOW.
*/
int hm_idx_parse_header (const unsigned char *buf, size_t len, hm_IdxHeader *h);
/* Read and parse the header through a reader (a short read gives HM_IO_ETRUNC). */
int hm_idx_read_header (hm_Reader *r, hm_IdxHeader *h);
/*
** Read the h->datalen data bytes into dst, then check that the data end there (HM_IO_ESHORT,
** HM_IO_ELONG); *got gets the bytes read. dst must hold hm_idx_dstsize(h) bytes.
*/
int hm_idx_read_data (hm_Reader *r, const hm_IdxHeader *h, void *dst, uint64_t *got);
/* Bytes the decoded elements take: 1 (u8), 8 (i8/i16/i32 as int64), 4 (f32), 8 (f64) each. */
size_t hm_idx_dstelsize (int code);
/*
** Decode n big-endian file elements of type code, lying at the start of p, in place into
** native elements (u8 stays, integers widen to int64_t, f32/f64 byte-swap on little-endian).
*/
void hm_idx_decode (int code, void *p, uint64_t n);
/* u8 bytes at the start of p widened in place to n floats times scale (one pass). */
void hm_idx_u8_to_float (void *p, uint64_t n, float scale);
/*
** Encode n elements of src (native uint8_t, int64_t, float or double, as srcsize says: 1 =
** uint8, 8 with srcint = int64, 4 = float, 8 with !srcint = double) as big-endian elements of
** type code into out. Integer codes need integer sources; HM_IO_ERANGE when a value does not
** fit (*bad gets its index).
*/
int hm_idx_encode (int code, const void *src, int srcsize, int srcint, uint64_t n,
                   unsigned char *out, uint64_t *bad);

/* ---------------------------------------------------------------- CIFAR */
#define HM_CIFAR_PIXELS 3072        /* 3 planes (R, G, B) of 32 x 32 */

/* Records in a file of len bytes with nlabels label bytes per record, or HM_IO_ERECORD. */
int hm_cifar_count (uint64_t len, int nlabels, int64_t *n);
/*
** Split n records at rec into pixels and labels. Pixels go to data8 (uint8, n x 3072) or,
** when data8 is NULL, to dataf (float, times scale); labels (0-based, n x nlabels int64) to
** labels. Label j of a record must be < nclasses[j]: otherwise HM_IO_ELABEL, with the
** 0-based record in *badrec, the label value in *badlabel and j in *badidx.
*/
int hm_cifar_split (const unsigned char *rec, int64_t n, int nlabels, const int *nclasses,
                    unsigned char *data8, float *dataf, float scale, int64_t *labels,
                    int64_t *badrec, int *badlabel, int *badidx);

#endif
