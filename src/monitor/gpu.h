/* NVIDIA GPUs through NVML, loaded with dlopen at run time (no build-time dependency). */
#ifndef LC_MONITOR_GPU_H
#define LC_MONITOR_GPU_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/* The NVML library opened by default (the driver's, with its ABI version). */
#define LC_GPU_NVML_LIBRARY "libnvidia-ml.so.1"

/* GPUs beyond this many are not sampled. */
#define LC_GPU_MAX 16

/* One GPU's reading; a metric the device does not support has its has_* false. */
struct lc_gpu_reading {
    unsigned index; /* NVML's device index */
    bool has_util;
    double
        util_percent; /* nvmlUtilization_t.gpu: % of the last sample period with a kernel running */
    bool has_mem;
    uint64_t mem_used_bytes; /* nvmlMemory_t.used */
    uint64_t mem_total_bytes;
    bool has_power;
    double power_watts; /* nvmlDeviceGetPowerUsage (milliwatts) / 1000 */
    bool has_temp;
    double temp_celsius; /* NVML_TEMPERATURE_GPU */
};

/* An open NVML session with its devices. */
struct lc_gpu;

/*
 * Load NVML (`library`: a file name or path; NULL: LC_GPU_NVML_LIBRARY),
 * initialise it (nvmlInit_v2) and take a handle for each device
 * (nvmlDeviceGetCount_v2, nvmlDeviceGetHandleByIndex_v2; a device NVML may
 * not talk to is skipped). *out receives the session (free with
 * lc_gpu_close), or NULL when there is nothing to sample.
 *
 * When `required` is false, a missing library, a missing symbol, a failed
 * initialisation and zero devices all return 0 with *out NULL, silently.
 * When it is true they are errors (LC_ESYS, exit code 3), with messages such
 * as "gpu: required, but NVML (libnvidia-ml.so.1) could not be loaded:
 * <dlerror>". LC_ENOMEM in either case.
 */
int lc_gpu_open(const char *library, bool required, struct lc_gpu **out,
                struct lc_error *err) LC_WARN_UNUSED;

/* The number of devices with a handle (1..LC_GPU_MAX). */
unsigned lc_gpu_count(const struct lc_gpu *g);

/*
 * Read device i (0 <= i < lc_gpu_count): utilisation, memory, power and
 * temperature, each independently (an unsupported query leaves its has_*
 * false). NVML is thread-safe: this may run on another thread than open.
 */
void lc_gpu_read(struct lc_gpu *g, unsigned i, struct lc_gpu_reading *out);

/* nvmlShutdown, dlclose and free. NULL is a no-op. */
void lc_gpu_close(struct lc_gpu *g);

#endif
