/* GPU readings through NVML: dlopen("libnvidia-ml.so.1"), the documented C API, no headers. */
#include "monitor/gpu.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The few NVML declarations used here, written from NVIDIA's NVML API
 * reference (nvml.h) rather than included, so that building needs no CUDA
 * toolkit:
 *   nvmlReturn_t is an enum (int-sized); NVML_SUCCESS = 0,
 *     NVML_ERROR_NOT_SUPPORTED = 3, NVML_ERROR_NO_PERMISSION = 4.
 *   nvmlDevice_t is an opaque pointer (struct nvmlDevice_st *).
 *   nvmlUtilization_t { unsigned int gpu; unsigned int memory; }  (percent)
 *   nvmlMemory_t { unsigned long long total; free; used; }          (bytes)
 *   nvmlMemory_v2_t { unsigned int version; unsigned long long total; reserved; free; used; }
 *     with version = sizeof(nvmlMemory_v2_t) | 2 << 24 (nvmlMemory_v2, 0x02000028)
 *   nvmlTemperatureSensors_t: NVML_TEMPERATURE_GPU = 0.
 *   nvmlReturn_t nvmlInit_v2(void);
 *   nvmlReturn_t nvmlShutdown(void);
 *   const char *nvmlErrorString(nvmlReturn_t);
 *   nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount);
 *   nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device);
 *   nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t, nvmlUtilization_t *);
 *   nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t, nvmlMemory_t *);
 *   nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t, nvmlMemory_v2_t *);  (drivers >= R510)
 *   nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t, unsigned int *milliwatts);
 *   nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t, nvmlTemperatureSensors_t, unsigned int *);
 */
typedef int nvml_return;
typedef struct nvml_device_st *nvml_device;
struct nvml_utilization {
    unsigned int gpu;
    unsigned int memory;
};
struct nvml_memory {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
};
struct nvml_memory_v2 {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
};
#define NVML_MEMORY_V2_VERSION  ((unsigned int)(sizeof(struct nvml_memory_v2) | (2u << 24)))
#define NVML_OK                 0
#define NVML_TEMPERATURE_GPU_ID 0

typedef nvml_return (*fn_void)(void);
typedef const char *(*fn_error_string)(nvml_return);
typedef nvml_return (*fn_count)(unsigned int *);
typedef nvml_return (*fn_handle)(unsigned int, nvml_device *);
typedef nvml_return (*fn_util)(nvml_device, struct nvml_utilization *);
typedef nvml_return (*fn_mem)(nvml_device, struct nvml_memory *);
typedef nvml_return (*fn_mem_v2)(nvml_device, struct nvml_memory_v2 *);
typedef nvml_return (*fn_uint)(nvml_device, unsigned int *);
typedef nvml_return (*fn_temp)(nvml_device, int, unsigned int *);

struct lc_gpu {
    void *lib;
    fn_void shutdown;
    fn_util get_util;
    fn_mem get_mem;
    fn_mem_v2 get_mem_v2; /* NULL on drivers before R510 */
    fn_uint get_power;
    fn_temp get_temp;
    unsigned n;
    nvml_device dev[LC_GPU_MAX];
    unsigned index[LC_GPU_MAX];
};

/* NVML's words for a return code, when the library has nvmlErrorString. */
static const char *nvml_words(fn_error_string es, nvml_return r, char *buf, size_t size)
{
    const char *s = es ? es(r) : NULL;
    if (s && *s)
        return s;
    snprintf(buf, size, "NVML error %d", r);
    return buf;
}

int lc_gpu_open(const char *library, bool required, struct lc_gpu **out, struct lc_error *err)
{
    *out = NULL;
    const char *name = library && *library ? library : LC_GPU_NVML_LIBRARY;
    dlerror();
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        if (!required)
            return 0;
        const char *why = dlerror();
        return lc_error_set(err, LC_ESYS, "gpu: required, but NVML (%s) could not be loaded: %s",
                            name, why ? why : "unknown reason");
    }
    struct lc_gpu *g = calloc(1, sizeof(*g));
    if (!g) {
        dlclose(lib);
        return lc_error_set(err, LC_ENOMEM, "out of memory opening NVML");
    }
    g->lib = lib;
    /* A cast from dlsym's void * to a function pointer: what POSIX dlsym requires of callers. */
    fn_void init = (fn_void)dlsym(lib, "nvmlInit_v2");
    fn_error_string es = (fn_error_string)dlsym(lib, "nvmlErrorString");
    fn_count count = (fn_count)dlsym(lib, "nvmlDeviceGetCount_v2");
    fn_handle handle = (fn_handle)dlsym(lib, "nvmlDeviceGetHandleByIndex_v2");
    g->shutdown = (fn_void)dlsym(lib, "nvmlShutdown");
    g->get_util = (fn_util)dlsym(lib, "nvmlDeviceGetUtilizationRates");
    g->get_mem = (fn_mem)dlsym(lib, "nvmlDeviceGetMemoryInfo");
    /* Optional: v1's `used` also counts the memory the driver reserves for itself
     * (615 MiB on an H200), so it disagrees with nvidia-smi, which reports v2's. */
    g->get_mem_v2 = (fn_mem_v2)dlsym(lib, "nvmlDeviceGetMemoryInfo_v2");
    g->get_power = (fn_uint)dlsym(lib, "nvmlDeviceGetPowerUsage");
    g->get_temp = (fn_temp)dlsym(lib, "nvmlDeviceGetTemperature");
    const char *missing = !init           ? "nvmlInit_v2"
                          : !count        ? "nvmlDeviceGetCount_v2"
                          : !handle       ? "nvmlDeviceGetHandleByIndex_v2"
                          : !g->shutdown  ? "nvmlShutdown"
                          : !g->get_util  ? "nvmlDeviceGetUtilizationRates"
                          : !g->get_mem   ? "nvmlDeviceGetMemoryInfo"
                          : !g->get_power ? "nvmlDeviceGetPowerUsage"
                          : !g->get_temp  ? "nvmlDeviceGetTemperature"
                                          : NULL;
    if (missing) {
        dlclose(lib);
        free(g);
        if (!required)
            return 0;
        return lc_error_set(err, LC_ESYS, "gpu: required, but NVML (%s) has no %s", name, missing);
    }
    char words[128];
    nvml_return r = init();
    if (r != NVML_OK) {
        int rc = 0;
        if (required) /* nvmlErrorString lives in the library: ask before dlclose */
            rc = lc_error_set(err, LC_ESYS, "gpu: required, but NVML (%s) could not start: %s",
                              name, nvml_words(es, r, words, sizeof(words)));
        dlclose(lib);
        free(g);
        return rc;
    }
    unsigned int n = 0;
    r = count(&n);
    if (r != NVML_OK)
        n = 0;
    for (unsigned int i = 0; i < n && g->n < LC_GPU_MAX; i++) {
        nvml_device d = NULL;
        /* NVML_ERROR_NO_PERMISSION and the like: a device we may not read is skipped. */
        if (handle(i, &d) == NVML_OK && d) {
            g->dev[g->n] = d;
            g->index[g->n] = i;
            g->n++;
        }
    }
    if (g->n == 0) {
        int rc = 0;
        if (required && r != NVML_OK)
            rc = lc_error_set(err, LC_ESYS, "gpu: required, but NVML (%s) cannot count GPUs: %s",
                              name, nvml_words(es, r, words, sizeof(words)));
        else if (required)
            rc = lc_error_set(err, LC_ESYS,
                              "gpu: required, but NVML (%s) found no GPU it may read (%u device%s)",
                              name, n, n == 1 ? "" : "s");
        g->shutdown();
        dlclose(lib);
        free(g);
        return rc;
    }
    *out = g;
    return 0;
}

unsigned lc_gpu_count(const struct lc_gpu *g)
{
    return g ? g->n : 0;
}

void lc_gpu_read(struct lc_gpu *g, unsigned i, struct lc_gpu_reading *out)
{
    memset(out, 0, sizeof(*out));
    if (!g || i >= g->n)
        return;
    nvml_device d = g->dev[i];
    out->index = g->index[i];
    struct nvml_utilization u;
    if (g->get_util(d, &u) == NVML_OK) {
        out->has_util = true;
        out->util_percent = u.gpu;
    }
    struct nvml_memory_v2 m2 = {.version = NVML_MEMORY_V2_VERSION};
    struct nvml_memory m;
    if (g->get_mem_v2 && g->get_mem_v2(d, &m2) == NVML_OK) {
        out->has_mem = true;
        out->mem_used_bytes = m2.used;
        out->mem_total_bytes = m2.total;
    } else if (g->get_mem(d, &m) == NVML_OK) {
        out->has_mem = true;
        out->mem_used_bytes = m.used;
        out->mem_total_bytes = m.total;
    }
    unsigned int mw;
    if (g->get_power(d, &mw) == NVML_OK) {
        out->has_power = true;
        out->power_watts = mw / 1000.0;
    }
    unsigned int c;
    if (g->get_temp(d, NVML_TEMPERATURE_GPU_ID, &c) == NVML_OK) {
        out->has_temp = true;
        out->temp_celsius = c;
    }
}

void lc_gpu_close(struct lc_gpu *g)
{
    if (!g)
        return;
    g->shutdown();
    dlclose(g->lib);
    free(g);
}
