/* A stand-in for libnvidia-ml.so.1 with NVML's documented C signatures, for the GPU e2e test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Built by tests/e2e/test_monitor_gpu.sh with `cc -shared -fPIC`. FAKE_NVML_MODE picks the
 * behaviour: "ok" (two GPUs; the second cannot report power), "init_fails" (the driver is not
 * loaded), "no_devices", "no_permission" (device 0 may not be read). FAKE_NVML_LOG names a file
 * that gets one line per nvmlInit_v2 and nvmlShutdown call. FAKE_NVML_UTIL sets device 0's
 * utilisation in percent (default 37; device 1 reports one more).
 */
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct {
    unsigned int gpu;
    unsigned int memory;
} nvmlUtilization_t;
typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;
typedef struct {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_v2_t;

#define NVML_SUCCESS                 0
#define NVML_ERROR_INVALID_ARGUMENT  2
#define NVML_ERROR_NOT_SUPPORTED     3
#define NVML_ERROR_NO_PERMISSION     4
#define NVML_ERROR_DRIVER_NOT_LOADED 9

static struct nvmlDevice_st {
    int index;
} devices[2] = {{0}, {1}};

static const char *mode(void)
{
    const char *m = getenv("FAKE_NVML_MODE");
    return m ? m : "ok";
}

static void log_call(const char *what)
{
    const char *path = getenv("FAKE_NVML_LOG");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%s\n", what);
        fclose(f);
    }
}

nvmlReturn_t nvmlInit_v2(void)
{
    log_call("init");
    return strcmp(mode(), "init_fails") == 0 ? NVML_ERROR_DRIVER_NOT_LOADED : NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
    log_call("shutdown");
    return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t r)
{
    return r == NVML_ERROR_DRIVER_NOT_LOADED ? "Driver Not Loaded" : "Unknown Error";
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    *count = strcmp(mode(), "no_devices") == 0 ? 0 : 2;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (index > 1)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (index == 0 && strcmp(mode(), "no_permission") == 0)
        return NVML_ERROR_NO_PERMISSION;
    *device = &devices[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u)
{
    const char *set = getenv("FAKE_NVML_UTIL");
    unsigned base = set && *set ? (unsigned)strtoul(set, NULL, 10) : 37;
    u->gpu = base + (unsigned)d->index;
    u->memory = 5;
    return NVML_SUCCESS;
}

/* v1 counts the driver's reserved memory as used; device 0 also answers v2, which does not. */
#define FAKE_RESERVED (256ULL << 20)

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m)
{
    m->total = 80ULL << 30;
    m->used = (1ULL + (unsigned long long)d->index) << 30;
    if (d->index == 0)
        m->used += FAKE_RESERVED;
    m->free = m->total - m->used;
    return NVML_SUCCESS;
}

/* Device 1 plays a driver before R510: v2 is not supported there, so v1 must be read. */
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d, nvmlMemory_v2_t *m)
{
    if (d->index != 0)
        return NVML_ERROR_NOT_SUPPORTED;
    if (m->version != (unsigned int)(sizeof(nvmlMemory_v2_t) | (2u << 24)))
        return NVML_ERROR_INVALID_ARGUMENT;
    m->total = 80ULL << 30;
    m->reserved = FAKE_RESERVED;
    m->used = 1ULL << 30;
    m->free = m->total - m->used - m->reserved;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *milliwatts)
{
    if (d->index == 1)
        return NVML_ERROR_NOT_SUPPORTED;
    *milliwatts = 123456;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *celsius)
{
    if (sensor != 0) /* NVML_TEMPERATURE_GPU */
        return NVML_ERROR_INVALID_ARGUMENT;
    *celsius = 61 + (unsigned)d->index;
    return NVML_SUCCESS;
}
