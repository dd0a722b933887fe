// Error reporting and the device queries: the parts that must work on a machine with no GPU,
// so a caller learns why the CUDA backend cannot run instead of crashing.
#include <string.h>
#include "common.cuh"

namespace kvd {

int32_t fail(kvd_cuda_error *err, int32_t code, const char *fmt, ...) {
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

int32_t code_for(cudaError_t e) {
    switch (e) {
    case cudaErrorMemoryAllocation: return KVD_CUDA_ERR_OUT_OF_MEMORY;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInitializationError:
    case cudaErrorDevicesUnavailable:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice: return KVD_CUDA_ERR_NO_DEVICE;
    case cudaErrorInvalidValue: return KVD_CUDA_ERR_INVALID;
    default: return KVD_CUDA_ERR_CUDA;
    }
}

} // namespace kvd

using namespace kvd;

extern "C" int32_t kvd_cuda_abi_version(void) { return KVD_CUDA_ABI_VERSION; }

extern "C" int32_t kvd_cuda_device_count(int32_t *count, kvd_cuda_error *err) {
    if (!count) return fail(err, KVD_CUDA_ERR_INVALID, "kvd_cuda_device_count: count is NULL");
    *count = 0;
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        cudaGetLastError(); // clear the sticky error so a later query starts clean
        return fail(err, KVD_CUDA_ERR_NO_DEVICE, "no usable CUDA device: %s (%s)", cudaGetErrorString(e),
                    cudaGetErrorName(e));
    }
    *count = n;
    if (n == 0) return fail(err, KVD_CUDA_ERR_NO_DEVICE, "the CUDA driver sees no device");
    return ok(err);
}

extern "C" int32_t kvd_cuda_device_info_get(int32_t device, kvd_cuda_device_info *info, kvd_cuda_error *err) {
    if (!info) return fail(err, KVD_CUDA_ERR_INVALID, "kvd_cuda_device_info_get: info is NULL");
    memset(info, 0, sizeof *info);
    int32_t n = 0;
    int32_t rc = kvd_cuda_device_count(&n, err);
    if (rc != KVD_CUDA_OK) return rc;
    if (device < 0 || device >= n)
        return fail(err, KVD_CUDA_ERR_INVALID, "device %d does not exist (%d visible)", device, n);
    cudaDeviceProp p;
    KVD_CUDA_TRY(err, "cudaGetDeviceProperties", cudaGetDeviceProperties(&p, device));
    snprintf(info->name, sizeof info->name, "%s", p.name);
    info->major = p.major;
    info->minor = p.minor;
    info->multiprocessors = p.multiProcessorCount;
    int v = 0;
    KVD_CUDA_TRY(err, "cudaDeviceGetAttribute(memory bus width)", cudaDeviceGetAttribute(&v, cudaDevAttrGlobalMemoryBusWidth, device));
    info->memory_bus_bits = v;
    KVD_CUDA_TRY(err, "cudaDeviceGetAttribute(memory clock)", cudaDeviceGetAttribute(&v, cudaDevAttrMemoryClockRate, device));
    info->memory_clock_khz = v;
    KVD_CUDA_TRY(err, "cudaDriverGetVersion", cudaDriverGetVersion(&v));
    info->driver_version = v;
    KVD_CUDA_TRY(err, "cudaRuntimeGetVersion", cudaRuntimeGetVersion(&v));
    info->runtime_version = v;
    KVD_CUDA_TRY(err, "cudaSetDevice", cudaSetDevice(device));
    size_t free_b = 0, total_b = 0;
    KVD_CUDA_TRY(err, "cudaMemGetInfo", cudaMemGetInfo(&free_b, &total_b));
    info->free_bytes = (int64_t)free_b;
    info->total_bytes = (int64_t)total_b;
    return ok(err);
}
