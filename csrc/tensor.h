/*
** tensor.h: the Tensor and Storage structs shared by every C file of harmonium.core,
** plus the helpers bindings use to check arguments, allocate results and run in parallel.
*/
#ifndef HM_TENSOR_H
#define HM_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "lua.h"
#include "lauxlib.h"

#define HM_MAXDIM 16          /* most dimensions a tensor may have */
#define HM_ALIGN 64           /* data alignment inside a storage (AVX-512 line) */
#define HM_TENSOR_MT "harmonium.Tensor"
#define HM_SHAPEBUF 256       /* enough for "[a x b x ...]" of HM_MAXDIM dims */

/* Element types. Float is the default and the fast path; double exists for gradient
** checks; byte and long hold images, masks, labels and indices. */
typedef enum { HM_BYTE = 0, HM_LONG = 1, HM_FLOAT = 2, HM_DOUBLE = 3 } hm_Type;
#define HM_NTYPES 4

/*
** A storage is the head of a Lua full userdata; its data follow in the same block,
** aligned to HM_ALIGN. The garbage collector thus sees every byte a tensor holds.
*/
typedef struct Storage {
  size_t nbytes;              /* usable bytes at data */
  char *data;                 /* aligned pointer into this same userdata */
} Storage;

/*
** A tensor is a view: sizes, strides (in elements) and an offset into a storage.
** The tensor userdata keeps its storage alive through user value 1.
*/
typedef struct Tensor {
  Storage *storage;
  int64_t offset;             /* in elements */
  int type;                   /* hm_Type */
  int ndim;                   /* 0 only for an empty tensor with no shape */
  int64_t size[HM_MAXDIM];
  int64_t stride[HM_MAXDIM];
} Tensor;

/* ---- plain helpers (no lua_State) ---- */
size_t hm_elsize (int type);
const char *hm_typename (int type);          /* "hm.FloatTensor", ... */
int64_t Tensor_nelement (const Tensor *t);
int Tensor_iscontiguous (const Tensor *t);
int Tensor_samesize (const Tensor *a, const Tensor *b);
void *Tensor_data (const Tensor *t);         /* address of the first element */
void Tensor_shapestr (const Tensor *t, char *buf, size_t n);   /* "[2 x 3]" */
double Tensor_get (const Tensor *t, int64_t linear);  /* by row-major linear index */
void Tensor_set (const Tensor *t, int64_t linear, double v);
/* Strided copy with type conversion; src and dst hold the same number of elements
** and are walked in row-major order. */
void Tensor_copy (Tensor *dst, const Tensor *src);

/* ---- Lua-side helpers ---- */
Tensor *hm_checktensor (lua_State *L, int arg);
Tensor *hm_testtensor (lua_State *L, int arg);
/* checks a tensor argument of a given type; error names the argument and both types */
Tensor *hm_checktensortype (lua_State *L, int arg, int type);
/* Push a new contiguous tensor (uninitialised data). */
Tensor *hm_newtensor (lua_State *L, int type, int ndim, const int64_t *size);
Tensor *hm_newtensorlike (lua_State *L, const Tensor *t, int type);
/* Push a new view sharing the storage of the tensor at arg (same sizes/strides). */
Tensor *hm_newview (lua_State *L, int arg);
/* Resize the tensor at arg to a shape: a tensor already of that shape is left as it is (strides
** kept, so it may stay non-contiguous); otherwise it becomes contiguous, keeping its storage
** when large enough. */
Tensor *hm_resize (lua_State *L, int arg, int ndim, const int64_t *size);
Tensor *hm_resizeas (lua_State *L, int arg, const Tensor *like);
/* Push the tensor at arg if contiguous, else a contiguous copy of it; return what was pushed. */
Tensor *hm_pushcontiguous (lua_State *L, int arg);
/* Raise "bad argument #arg to 'f' (size mismatch: what1 is [..], what2 is [..])". */
int hm_sizeerror (lua_State *L, int arg, const char *what1, const Tensor *a,
                  const char *what2, const Tensor *b);
/* Check a 1-based dimension argument and return it 0-based. */
int hm_checkdim (lua_State *L, int arg, const Tensor *t);
/* Check that a tensor is float or double (the floating types math needs). */
void hm_checkfloating (lua_State *L, int arg, const Tensor *t);

/*
** Registration. Most tensor functions exist twice: as a method (t:add(u) works in place on t)
** and as a module function (hm.add(a, b) returns a new tensor). Both forms are the same C
** function; hm_isfunctionform(L) tells which one was called.
*/
typedef struct hm_Reg {
  const char *name;
  lua_CFunction func;
  int where;                  /* HM_METHOD, HM_FUNCTION or both */
} hm_Reg;
#define HM_METHOD 1
#define HM_FUNCTION 2
#define HM_BOTH 3
/* F and M are stack indices of the module table and the method table. */
void hm_register (lua_State *L, int F, int M, const hm_Reg *regs);
int hm_isfunctionform (lua_State *L);

/* Module openers, one per C file, called by luaopen_harmonium_core. */
void hm_open_tensor (lua_State *L, int F, int M);
void hm_open_math (lua_State *L, int F, int M);
void hm_open_reduce (lua_State *L, int F, int M);
void hm_open_blas (lua_State *L, int F, int M);
void hm_open_lapack (lua_State *L, int F, int M);
void hm_open_random (lua_State *L, int F, int M);
void hm_open_serialize (lua_State *L, int F, int M);
void hm_open_io (lua_State *L, int F, int M);
void hm_open_image (lua_State *L, int F, int M);
void hm_open_conv (lua_State *L, int F, int M);
void hm_open_nn (lua_State *L, int F, int M);

/* ---- memory (alloc.c): cache large blocks so big tensors do not fault in fresh pages ---- */
void hm_install_allocator (lua_State *L);

/* ---- threads (parallel.c) ----
** One small pool of our own whose workers sleep on a condition variable (no spinning),
** so it never fights OpenBLAS's pool for the cores. fn runs on [begin, end) chunks. */
typedef void (*hm_RangeFn) (void *ctx, int64_t begin, int64_t end);
void hm_parallel_for (int64_t n, int64_t grain, hm_RangeFn fn, void *ctx);
int hm_getnumthreads (void);
void hm_setnumthreads (int n);
#define HM_PARALLEL_GRAIN 32768   /* elements below which an op stays on one thread */

#endif
