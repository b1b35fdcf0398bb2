/*
** fuzz_cifar.c: libFuzzer target for the CIFAR batch kernels of io.c. The input is read as
** a CIFAR-10 batch (1 label byte a record) and as a CIFAR-100 batch (2), the way
** io_cifarread does: count the records from the length, read them through a memory reader
** a chunk at a time, and split labels from pixels into byte and float outputs.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHUNK 4   /* records per read: small, so inputs span several reads */

static void read_cifar (const uint8_t *buf, size_t len, int nlabels, const int *nclasses) {
  size_t recsize = (size_t)nlabels + HM_CIFAR_PIXELS;
  int64_t n, done, badrec;
  int badlabel, badidx, rc = HM_IO_OK;
  hm_Reader *r;
  unsigned char *scratch, *data8;
  float *dataf;
  int64_t *labels;
  if (hm_cifar_count((uint64_t)len, nlabels, &n) != HM_IO_OK) return;
  r = (hm_Reader *)malloc(sizeof *r);
  scratch = (unsigned char *)malloc(CHUNK * recsize);
  data8 = (unsigned char *)malloc((size_t)n * HM_CIFAR_PIXELS + 1);
  dataf = (float *)malloc(((size_t)n * HM_CIFAR_PIXELS + 1) * sizeof(float));
  labels = (int64_t *)malloc(((size_t)n * (size_t)nlabels + 1) * sizeof(int64_t));
  if (r && scratch && data8 && dataf && labels && hm_reader_open_mem(r, buf, len) == HM_IO_OK) {
    for (done = 0; done < n && rc == HM_IO_OK; done += CHUNK) {
      int64_t k = n - done < CHUNK ? n - done : CHUNK;
      size_t got;
      rc = hm_reader_read(r, scratch, (size_t)k * recsize, &got);
      if (rc != HM_IO_OK || got < (size_t)k * recsize) break;
      rc = hm_cifar_split(scratch, k, nlabels, nclasses, data8 + done * HM_CIFAR_PIXELS, NULL,
                          1.0f, labels + done * nlabels, &badrec, &badlabel, &badidx);
      if (rc == HM_IO_OK)
        rc = hm_cifar_split(scratch, k, nlabels, nclasses, NULL, dataf + done * HM_CIFAR_PIXELS,
                            1.0f / 255.0f, labels + done * nlabels, &badrec, &badlabel, &badidx);
      else if (badrec < 0 || badrec >= k || badidx < 0 || badidx >= nlabels ||
               badlabel < nclasses[badidx])
        abort();
    }
    hm_reader_close(r);
  }
  free(r);
  free(scratch);
  free(data8);
  free(dataf);
  free(labels);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  static const int c10[1] = { 10 }, c100[2] = { 20, 100 };
  read_cifar(data, size, 1, c10);
  read_cifar(data, size, 2, c100);
  return 0;
}
