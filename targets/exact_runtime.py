"""The call-time check of exact-int code, copied by source into generated modules.

`int64_inputs` reads each argument once: it converts int arguments to int64 arrays (a list with an
int beyond int64 cannot be, nor an array of object or uint64 beyond int64: the check then fails),
takes their largest magnitude (`max(-min, max)`) and every argument's lengths, and evaluates the function's magnitude bound (`run_bound`, copied from
`tensflo.ir.tensir.magnitude`). Self-contained: only Python and a local NumPy import.
"""

from __future__ import annotations

from tensflo.ir.tensir.magnitude import run_bound


def int64_inputs(spec, args):
    """(the arguments as int64 / float64 arrays, or a framework's int tensors as given, read by
    its own `min` and `max`; the bound of every int intermediate); the bound is 2**63 when an
    argument does not fit int64. `spec`: ((elem, rank) per parameter, code)."""
    import numpy as np

    kinds, code = spec
    top = 9223372036854775807
    out, mags, dims = [], [], []
    for (elem, rank), x in zip(kinds, args, strict=True):
        if rank == 0:
            m = abs(int(x)) if elem == "int" else 0
            out.append(x)
            mags.append(m)
            dims.append(())
            if m > top:
                return args, top + 1
            continue
        native = (not isinstance(x, (list, tuple, np.ndarray)) and hasattr(x, "shape")
                  and hasattr(x, "dtype"))  # a framework's tensor: read where it lives
        kind = str(getattr(x, "dtype", "")).rsplit(".", 1)[-1]
        if native and (elem != "int" or kind.startswith(("int", "uint", "bool"))):
            shape = tuple(int(d) for d in x.shape)
            size = 1
            for d in shape:
                size *= d
            m = max(-int(x.min()), int(x.max())) if elem == "int" and size else 0
            if m > top:
                return args, top + 1
            out.append(x)
            mags.append(m)
            dims.append(shape + (0,) * (rank - len(shape)))
            continue
        if elem != "int":
            a = np.asarray(x, dtype=np.float64 if elem == "float" else np.bool_)
            m = 0
        else:
            if isinstance(x, (list, tuple)):  # ints convert exactly or raise OverflowError
                try:
                    a = np.asarray(x, dtype=np.int64)
                except OverflowError:
                    return args, top + 1
            else:
                a = np.asarray(x)
            if a.size == 0:
                m = 0
            elif a.dtype.kind in "iub":
                m = max(-int(a.min()), int(a.max()))
            elif a.dtype.kind == "f" and bool(np.isfinite(a).all()):
                m = int(np.ceil(max(-float(a.min()), float(a.max()))))
            else:  # ints beyond int64 (object or lossy float arrays), or not numbers
                return args, top + 1
            if m > top:
                return args, top + 1
        out.append(a)
        mags.append(m)
        dims.append(a.shape + (0,) * (rank - a.ndim))
    return tuple(out), run_bound(code, mags, dims)
