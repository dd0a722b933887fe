/* The C module target CKVDeckCUDA (Package.swift) exists so Swift imports cuda/include/kvdeck_cuda.h
 * itself: the engine then calls the dlopen'd library through the header's own types and function
 * pointer types (NAME_fn), with no hand-written copy to drift. SwiftPM needs one source file per
 * C target; this one pins what all three consumers (nvcc's host compiler, Swift's clang importer,
 * and cuda/check/check.py's ctypes structures) rely on: 64-bit pointers and 4-byte ints, and the
 * layout of the two structures passed by value of size (the batch and the error). */
#include "kvdeck_cuda.h"

_Static_assert(sizeof(void *) == 8, "kvdeck's CUDA ABI assumes 64-bit pointers");
_Static_assert(sizeof(kvd_cuda_error) == 4 + KVD_CUDA_MESSAGE_BYTES, "kvd_cuda_error: int32 code then the message");
_Static_assert(sizeof(kvd_cuda_batch) == 8 * 13, "kvd_cuda_batch: 3 int32 counts (padded) and 10 pointers");
