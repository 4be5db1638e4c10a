"""A native two-thread loop for the generated functions: no Python between the threads.

A worker thread, started once per process, waits for work by spinning on an atomic generation
counter (1 us with `pause`, then yielding the core until `SPIN_US`, so that a caller sharing its
core on a loaded machine still runs) and then sleeping on a condition variable. A job is `fn` on a
list of chunks (ranges, each with its output): `run_chunks` posts it, and the calling thread takes
chunks from the front while the worker takes them from the back, until none is left; so a worker
slowed by the machine runs fewer of them, and one that has not started (on a busy machine it may
wait for a core) runs none: the caller takes them all. `tf_run2(task, slots, out0, lo0, hi0, out1,
lo1, hi1)` is a job of two given halves. A worker woken from its sleep tends to be placed on its
waker's core (the scheduler's wake affinity), where it waits behind the caller and misses every job
until the load balancer moves it (measured: after a 50 ms busy subprocess, 8 calls in a row of an
int32 blend at 10^6 ran at one-thread speed, 0.43 against 0.23 ms). A worker that ran its chunks on
the caller's core (time-sliced with the caller's: on a loaded machine the caller may be preempted
as soon as it posts), or finished its last more than half the caller's own time after the caller
(it may have waited for its vCPU; when the caller's chunks took over 1 us), is late: the caller may
be preempted before it takes a chunk, and the worker on its core then takes them all. So after a
job where the worker ran no chunk or finished late, the next call first keeps the worker off the
calling core (`pthread_setaffinity_np`: every allowed core but the caller's; no call when it is
already off that core). `tf_steals()` counts the jobs whose worker ran no chunk, `tf_lates()` those
it finished late, `tf_worker_tid()` is the worker's thread id. Every chunk runs the same compiled
function `f_task(slots, out, lo, hi)`, a trampoline the runtime adds per function that reads `f`'s
arguments from an array of 8-byte slots. `tf_scalar(shape, task, join, slots, dims, out, size,
split)` is a scalar result's whole call: `f_shape`'s checks through its trampoline (`add_task(...,
ranged=False)`), then the fold on one thread or in `CHUNKS` chunks on two, their partials joined in
order by `f_join`; `tf_array(shape, task, slots, dims, rank, guess, out, split, num, den)` is an
array result's (rows in `CHUNKS` chunks, or two parts at num/den), into an output allocated for a
guessed shape (-1, nothing run, when the checks give another). The C code is compiled once with the
system's C compiler (`cc -O2 -pthread`) into a cache directory; without a compiler the runtime
keeps its Python thread. A second caller while the worker is busy runs every chunk itself (never
two jobs at once).

`handoff_seconds()` is the measured round trip of an empty job (post, run, wait): the cost the
runtime weighs a split against.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from llvmlite import ir

SPIN_US = 20_000
"""How long the idle worker spins (yielding its core to any other thread) before it sleeps; a
call arriving later pays a wake-up, which on a VM whose idle vCPU was descheduled lasts for
several calls (after a 50 ms pause, two-thread calls of an int32 max at 10^6 took 0.09-0.17 ms
against 0.035 warm). With 200 us, a side-by-side round after a g++ process ran an int32 max at
10^6 in 0.045-0.05 ms (on one thread, or two cold); with 20 ms, 0.034-0.041 (g++ 0.042). Intel's
OpenMP spins 200 ms by default (KMP_BLOCKTIME)."""

CHUNKS = 16
"""How many chunks a split scalar fold or array result is cut into (fewer for fewer elements or
rows): the two threads take them from either end, so that a thread slowed by the machine does
fewer of them."""

SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define PAUSE() __builtin_ia32_pause()
#else
#define PAUSE() ((void)0)
#endif

#define MAX_CHUNKS 64
_Static_assert(CHUNKS >= 2 && CHUNKS <= MAX_CHUNKS, "CHUNKS: 2 to MAX_CHUNKS");

typedef int32_t (*task_t)(int64_t *, void *, int64_t, int64_t);

/* A job: `fn` on each of `k` chunks, chunk i over [lo[i], hi[i]) into out[i], its code into
   rc[i]. The caller claims chunks from the front, the worker from the back. */
typedef struct {
    int k;
    char *out[MAX_CHUNKS];
    int64_t lo[MAX_CHUNKS], hi[MAX_CHUNKS];
    int32_t rc[MAX_CHUNKS];
} chunks_t;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int gen, done, misplaced;
static atomic_long steals, lates, worker_tid;
static pthread_t worker_thread;
static cpu_set_t allowed;
static atomic_long state;  /* 2g+1: job g posted; 2g+2: job g entered (by the worker or back) */
static atomic_long claim;  /* front << 32 | back: the posted job's chunks [front, back) are free */
static task_t job_fn;
static int64_t *job_slots;
static chunks_t *job;
static int job_ran;  /* the chunks the worker ran */
static int job_cpu;  /* the core the worker entered the job on */
static long spin_ns = SPIN_NS;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* The index of a free chunk, taken from the front (the caller) or the back; -1 when none is. */
static int take(int front) {
    long c = atomic_load_explicit(&claim, memory_order_acquire);
    for (;;) {
        long f = c >> 32, b = c & 0xffffffffL;
        if (f >= b)
            return -1;
        if (atomic_compare_exchange_weak(&claim, &c, front ? c + (1L << 32) : c - 1))
            return (int)(front ? f : b - 1);
    }
}

static void *worker(void *arg) {
    (void)arg;
    atomic_store(&worker_tid, (long)syscall(SYS_gettid));
    int seen = 0;
    for (;;) {
        long start = now_ns();
        int g;
        while ((g = atomic_load_explicit(&gen, memory_order_acquire)) == seen) {
            long waited = now_ns() - start;
            if (waited < 1000)
                PAUSE();
            else if (waited < spin_ns)
                sched_yield();  /* let a caller sharing this core run */
            else {
                pthread_mutex_lock(&mu);
                while ((g = atomic_load_explicit(&gen, memory_order_acquire)) == seen)
                    pthread_cond_wait(&cv, &mu);
                pthread_mutex_unlock(&mu);
                break;
            }
        }
        seen = g;
        long posted = 2L * g + 1;
        if (atomic_compare_exchange_strong(&state, &posted, posted + 1)) {
            job_cpu = sched_getcpu();
            int ran = 0;
            for (int i; (i = take(0)) >= 0; ran++)
                job->rc[i] = job_fn(job_slots, job->out[i], job->lo[i], job->hi[i]);
            job_ran = ran;
            atomic_store_explicit(&done, g, memory_order_release);
        }
    }
    return 0;
}

static void start(void) {
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        CPU_ZERO(&allowed);
    pthread_create(&t, &a, worker, 0);
    worker_thread = t;
}

/* The first failed chunk's code, in chunk order (0: none failed). */
static int32_t first_rc(const chunks_t *c) {
    for (int i = 0; i < c->k; i++)
        if (c->rc[i])
            return c->rc[i];
    return 0;
}

/* `fn` on every chunk of `c`, on the calling thread and the worker: both take free chunks, the
   caller from the front and the worker from the back, until none is left (`steal`: else the
   caller takes none and waits, to time the hand-off). */
static int32_t run_chunks(int steal, task_t fn, int64_t *slots, chunks_t *c) {
    pthread_once(&once, start);  /* every chunk runs once, on some thread, and sets its rc */
    if (pthread_mutex_trylock(&busy) != 0) {  /* another caller holds the worker */
        for (int i = 0; i < c->k; i++)
            c->rc[i] = fn(slots, c->out[i], c->lo[i], c->hi[i]);
        return first_rc(c);
    }
    if (atomic_exchange(&misplaced, 0)) {
        /* the worker missed the last job or finished late: it was likely woken onto this
           caller's core (the scheduler places a woken thread near its waker), or kept on the
           core this caller moved to; keep it off this core */
        cpu_set_t m = allowed, now;
        int cpu = sched_getcpu();
        if (cpu >= 0 && CPU_ISSET(cpu, &m) && CPU_COUNT(&m) > 1
            && (pthread_getaffinity_np(worker_thread, sizeof now, &now) != 0
                || CPU_ISSET(cpu, &now))) {
            CPU_CLR(cpu, &m);
            pthread_setaffinity_np(worker_thread, sizeof m, &m);
        }
    }
    job_fn = fn; job_slots = slots; job = c; job_ran = 0;
    atomic_store_explicit(&claim, (long)c->k, memory_order_release);
    pthread_mutex_lock(&mu);
    int g = atomic_load_explicit(&gen, memory_order_relaxed) + 1;
    atomic_store_explicit(&state, 2L * g + 1, memory_order_release);
    atomic_store_explicit(&gen, g, memory_order_release);
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    long began = now_ns();
    for (int i; steal && (i = take(1)) >= 0;)
        c->rc[i] = fn(slots, c->out[i], c->lo[i], c->hi[i]);
    long posted = 2L * g + 1;
    if (steal && atomic_compare_exchange_strong(&state, &posted, posted + 1)) {
        /* the worker has not started (a busy machine): the caller ran every chunk */
        atomic_store(&misplaced, 1);
        atomic_fetch_add(&steals, 1);
        pthread_mutex_unlock(&busy);
        return first_rc(c);
    }
    long waited = now_ns(), mine = waited - began, late = 0;
    while (atomic_load_explicit(&done, memory_order_acquire) != g) {
        late = now_ns() - waited;
        if (late < 1000)
            PAUSE();
        else
            sched_yield();  /* after 1 us: the worker may be waiting for this core */
    }
    if (steal && job_ran == 0) {  /* it started after the caller had taken every chunk */
        atomic_store(&misplaced, 1);
        atomic_fetch_add(&steals, 1);
    } else if (steal && (job_cpu == sched_getcpu() || (mine > 1000 && late > mine / 2))) {
        atomic_store(&misplaced, 1);
        atomic_fetch_add(&lates, 1);
    }
    pthread_mutex_unlock(&busy);
    return first_rc(c);
}

/* [0, n) in k chunks of sizes differing by at most one, each into out + i * stride. */
static void even_chunks(chunks_t *c, int64_t n, int k, char *out, int64_t stride) {
    c->k = k;
    for (int i = 0; i < k; i++) {
        c->out[i] = out + i * stride;
        c->lo[i] = n / k * i + (i < n % k ? i : n % k);
        c->hi[i] = i + 1 < k ? n / k * (i + 1) + (i + 1 < n % k ? i + 1 : n % k) : n;
    }
}

int32_t tf_run2(task_t fn, int64_t *slots, void *out0, int64_t lo0, int64_t hi0,
                void *out1, int64_t lo1, int64_t hi1) {
    chunks_t c = {.k = 2, .out = {out0, out1}, .lo = {lo0, lo1}, .hi = {hi0, hi1}};
    return run_chunks(1, fn, slots, &c);
}

/* A scalar result in one call, into out: `shape` (the trampoline of `f_shape`: the domain
   checks, and dims[0], the length of the range `fn` folds), then `fn` over the whole range, or,
   when `split` and the range has two elements or more, over up to `CHUNKS` even chunks on two
   threads, each into its own partial, the partials joined in order by `join` (`f_join`: out[0]
   combined with out[1] into out[0], where out[1] is `size` bytes on), so that the result does
   not depend on which thread ran which chunk. */
int32_t tf_scalar(task_t shape, task_t fn, task_t join, int64_t *slots, int64_t *dims, char *out,
                  int64_t size, int32_t split) {
    int32_t rc = shape(slots, dims, 0, 0);
    if (rc) return rc;
    int64_t n = dims[0];
    if (!split || n < 2) return fn(slots, out, 0, INT64_MAX);
    int64_t parts[MAX_CHUNKS * 2];  /* up to 16 bytes each */
    chunks_t c;
    even_chunks(&c, n, n < CHUNKS ? (int)n : CHUNKS, (char *)parts, size);
    rc = run_chunks(1, fn, slots, &c);
    for (int i = c.k - 2; i >= 0 && !rc; i--)
        rc = join(slots, (char *)parts + i * size, 0, 0);
    if (!rc)
        memcpy(out, parts, size);
    return rc;
}

/* An array result in one call, into `out`, allocated for the shape the caller guessed (its
   last call's): `shape` (the trampoline of `f_shape`: the domain checks, dims[0..rank-1] the
   output's shape); when that is the guess, `fn` over all rows, or, when `split` and there are two
   rows or more, on two threads: over up to `CHUNKS` even chunks of rows when num/den is 1/2, else
   over [0, mid) and [mid, rows), mid = rows * num / den. Else -1, with the dims filled and `fn`
   not run. */
int32_t tf_array(task_t shape, task_t fn, int64_t *slots, int64_t *dims, int32_t rank,
                 const int64_t *guess, char *out, int32_t split, int64_t num, int64_t den) {
    int32_t rc = shape(slots, dims, 0, 0);
    if (rc) return rc;
    for (int32_t k = 0; k < rank; k++)
        if (dims[k] != guess[k]) return -1;
    int64_t rows = dims[0];
    if (!split || rows < 2) return fn(slots, out, 0, INT64_MAX);
    chunks_t c;
    if (2 * num == den) {
        even_chunks(&c, rows, rows < CHUNKS ? (int)rows : CHUNKS, out, 0);
    } else {
        int64_t mid = rows * num / den;
        c = (chunks_t){.k = 2, .out = {out, out}, .lo = {0, mid}, .hi = {mid, rows}};
    }
    return run_chunks(1, fn, slots, &c);
}

/* How many split calls ran no chunk on the worker (it had not started: the caller took all). */
int64_t tf_steals(void) {
    return atomic_load(&steals);
}

/* How many split calls the worker finished late, or ran on the caller's core. */
int64_t tf_lates(void) {
    return atomic_load(&lates);
}

/* The worker's thread id (0 before it started). */
int64_t tf_worker_tid(void) {
    return atomic_load(&worker_tid);
}

static int32_t nothing(int64_t *s, void *o, int64_t lo, int64_t hi) {
    (void)s; (void)o; (void)lo; (void)hi;
    return 0;
}

/* Median of `reps` round trips of an empty job, in nanoseconds (the worker spinning). */
int64_t tf_handoff_ns(int reps) {
    int64_t t[256];
    if (reps > 256) reps = 256;
    chunks_t c = {.k = 1};
    for (int k = 0; k < reps; k++) {
        long s = now_ns();
        run_chunks(0, nothing, 0, &c);  /* the worker always takes the job */
        t[k] = now_ns() - s;
    }
    for (int i = 1; i < reps; i++)
        for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
            int64_t x = t[j]; t[j] = t[j - 1]; t[j - 1] = x;
        }
    return t[reps / 2];
}
"""

PYTHON_SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The calls of `tf_scalar` and `tf_array` as a CPython extension module (`fast()`): the same
   functions without ctypes' argument conversion and buffers. */

static int int64_args(PyObject *const *args, Py_ssize_t n, Py_ssize_t want, int64_t *a) {
    if (n != want) {
        PyErr_Format(PyExc_TypeError, "expected %zd arguments, got %zd", want, n);
        return -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        a[k] = PyLong_AsLongLong(args[k]);
        if (a[k] == -1 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

/* scalar(shape, task, join, slots, size, split, kind): the result of `tf_scalar` as an int
   (kind 0: int32, 1: int64, 4: bool) or a float (2: float32, 3: float64), or (code,) for a
   failed check */
static PyObject *py_scalar(PyObject *self, PyObject *const *args, Py_ssize_t n) {
    (void)self;
    int64_t a[7];
    if (int64_args(args, n, 7, a) < 0)
        return NULL;
    int64_t dims[1];
    union { int64_t i64; int32_t i32; double f64; float f32; uint8_t u8; } out;
    int32_t rc;
    Py_BEGIN_ALLOW_THREADS
    rc = tf_scalar((task_t)a[0], (task_t)a[1], (task_t)a[2], (int64_t *)a[3], dims,
                   (char *)&out, a[4], (int32_t)a[5]);
    Py_END_ALLOW_THREADS
    if (rc)
        return Py_BuildValue("(i)", rc);
    switch (a[6]) {
    case 0: return PyLong_FromLong(out.i32);
    case 1: return PyLong_FromLongLong(out.i64);
    case 2: return PyFloat_FromDouble(out.f32);
    case 3: return PyFloat_FromDouble(out.f64);
    case 4: return PyBool_FromLong(out.u8);
    }
    PyErr_SetString(PyExc_ValueError, "scalar: unknown result kind");
    return NULL;
}

/* array(shape, task, slots, rank, guess, out, split, num, den): `tf_array`'s code */
static PyObject *py_array(PyObject *self, PyObject *const *args, Py_ssize_t n) {
    (void)self;
    int64_t a[9], dims[9];
    if (int64_args(args, n, 9, a) < 0)
        return NULL;
    if (a[3] < 0 || a[3] > 8) {
        PyErr_SetString(PyExc_ValueError, "array: rank over 8");
        return NULL;
    }
    int32_t rc;
    Py_BEGIN_ALLOW_THREADS
    rc = tf_array((task_t)a[0], (task_t)a[1], (int64_t *)a[2], dims, (int32_t)a[3],
                  (const int64_t *)a[4], (char *)a[5], (int32_t)a[6], a[7], a[8]);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(rc);
}

static PyMethodDef methods[] = {
    {"scalar", (PyCFunction)(void (*)(void))py_scalar, METH_FASTCALL, "tf_scalar"},
    {"array", (PyCFunction)(void (*)(void))py_array, METH_FASTCALL, "tf_array"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "tensflo_llvm_pool", NULL, -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_tensflo_llvm_pool(void) {
    return PyModule_Create(&module);
}
"""
"""Appended to `SOURCE` when CPython's headers are installed: the pool is then also an extension
module (`fast()`), whose calls cost about 1 us less than the same calls through ctypes."""

SCALAR_KINDS = {"int32": 0, "int64": 1, "float32": 2, "float64": 3, "bool": 4}
"""`fast().scalar`'s result kinds by NumPy dtype name."""

TASK_SUFFIX = "_task"

TASK = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                        ctypes.c_int64)
"""The pool's task signature (`task_t`: `f_task`, `f_join`, `f_shape_task`) as a ctypes function
type, to call one from Python or to pass a Python function as one."""


def add_task(module: ir.Module, main: ir.Function, ranged: bool = True) -> ir.Function:
    """`i32 <main>_task(i64* slots, i8* out, i64 lo, i64 hi)`: calls `main` with its leading
    arguments read from `slots` (pointers, i64, double and i8 each in one 8-byte slot), then
    `out`, `lo` and `hi`; not `ranged` (`f_shape`, whose last argument is the dims): `out` only."""
    i64, i8p = ir.IntType(64), ir.IntType(8).as_pointer()
    types = main.function_type.args
    leading, out_t = (types[:-3], types[-3]) if ranged else (types[:-1], types[-1])
    fn = ir.Function(module, ir.FunctionType(ir.IntType(32), [i64.as_pointer(), i8p, i64, i64]),
                     main.name + TASK_SUFFIX)
    slots, out, lo, hi = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    args = []
    for k, t in enumerate(leading):
        word = b.load(b.gep(slots, [ir.Constant(i64, k)], inbounds=True))
        if isinstance(t, ir.PointerType):
            args.append(b.inttoptr(word, t))
        elif isinstance(t, ir.DoubleType):
            args.append(b.bitcast(word, t))
        elif t == i64:
            args.append(word)
        else:
            args.append(b.trunc(word, t))
    b.ret(b.call(main, [*args, b.bitcast(out, out_t), *((lo, hi) if ranged else ())]))
    return fn


@cache
def _built() -> tuple[Path, bool] | None:
    """The compiled pool and whether it is also an extension module; None when no C compiler is
    available or it fails. Built once per source, compiler and Python into a cache directory."""
    cc = next((p for p in map(shutil.which, ("cc", "gcc", "clang")) if p), None)
    if cc is None:
        return None
    text = f"#define CHUNKS {CHUNKS}\n" + SOURCE.replace("SPIN_NS", str(SPIN_US * 1000))
    include = sysconfig.get_paths().get("include", "")
    if include and (Path(include) / "Python.h").exists():
        key = f"{text}{PYTHON_SOURCE}{cc}{include}{sys.version}{sysconfig.get_config_var('EXT_SUFFIX')}"
        so = _compile(cc, text + PYTHON_SOURCE, key, [f"-I{include}"])
        if so is not None:
            return so, True
    so = _compile(cc, text, text + cc, [])
    return None if so is None else (so, False)


def _compile(cc: str, text: str, key: str, flags: list[str]) -> Path | None:
    """`text` compiled into a shared object in the cache directory (reused when there)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"tensflo-{os.getuid()}"
    so = folder / f"llvm_pool_{digest}.so"
    if not so.exists():
        folder.mkdir(parents=True, exist_ok=True)
        src = folder / f"llvm_pool_{digest}.c"
        src.write_text(text)
        tmp = folder / f"llvm_pool_{digest}.{os.getpid()}.so"
        try:
            subprocess.run([cc, "-O2", "-shared", "-fPIC", "-pthread", *flags, str(src), "-o",
                            str(tmp)], check=True, capture_output=True, timeout=120)
        except (OSError, subprocess.SubprocessError):
            return None
        os.replace(tmp, so)
    return so


@cache
def fast() -> Any:
    """The pool as a CPython extension module (`PYTHON_SOURCE`: `scalar`, `array`), sharing
    `library()`'s worker; None without CPython's headers (the runtime then calls through
    ctypes)."""
    built = _built()
    if built is None or not built[1] or library() is None:
        return None
    spec = importlib.util.spec_from_file_location("tensflo_llvm_pool", built[0])
    if spec is None or spec.loader is None:
        return None
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError:  # headers that do not match this interpreter
        return None
    return module


@cache
def library() -> Any:
    """The compiled pool (ctypes), or None when no C compiler is available or it fails."""
    built = _built()
    if built is None:
        return None
    so = built[0]
    lib = ctypes.CDLL(str(so))
    lib.tf_run2.restype = ctypes.c_int32
    lib.tf_run2.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                            ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]
    lib.tf_scalar.restype = ctypes.c_int32
    lib.tf_scalar.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32]
    lib.tf_array.restype = ctypes.c_int32
    lib.tf_array.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                             ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32,
                             ctypes.c_int64, ctypes.c_int64]
    lib.tf_steals.restype = ctypes.c_int64
    lib.tf_steals.argtypes = []
    lib.tf_lates.restype = ctypes.c_int64
    lib.tf_lates.argtypes = []
    lib.tf_worker_tid.restype = ctypes.c_int64
    lib.tf_worker_tid.argtypes = []
    lib.tf_handoff_ns.restype = ctypes.c_int64
    lib.tf_handoff_ns.argtypes = [ctypes.c_int]
    return lib


@cache
def handoff_seconds() -> float | None:
    """Median round trip of an empty job through the native worker (None: no native pool)."""
    lib = library()
    if lib is None:
        return None
    lib.tf_handoff_ns(16)  # start the worker
    return float(lib.tf_handoff_ns(101)) * 1e-9


__all__ = ["CHUNKS", "SCALAR_KINDS", "SPIN_US", "TASK", "TASK_SUFFIX", "add_task", "fast",
           "handoff_seconds", "library"]
