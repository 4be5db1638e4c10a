"""A functional emulator of Gemmini's ISA (default configuration, weight-stationary dataflow).

State: DRAM buffers, the scratchpad (16384 x 16 int8 in 4 banks), the accumulator (1024 x 16
int32), the three load configurations, the store configuration, the execute configuration and the
systolic array's weights. Each instruction runs as a few NumPy operations on whole blocks.

Numerics (as `gemmini.h`'s `ACC_SCALE` and `scale_and_sat`): an mvout from the accumulator at
normal width computes `float32(x) * acc_scale`, rounds half to even, saturates to [-128, 127] and
then applies ReLU if configured; at full width (address bit 29) it writes the int32 value as is.
Sums in the accumulator wrap around at 32 bits like the hardware's adders.

Anything the hardware would turn into garbage is an `EmulatorError` instead: addresses outside the
scratchpad or accumulator, an access crossing a scratchpad bank, bits 29/30 on a scratchpad
address, reading rows nobody wrote, a compute without a preload, DRAM accesses outside a buffer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .isa import (
    ACC_BIT,
    ACC_ROWS,
    ACCUMULATE_BIT,
    BANK_ROWS,
    DIM,
    ELEM_MAX,
    ELEM_MIN,
    FULL_WIDTH_BIT,
    GARBAGE_ADDR,
    MAX_BYTES,
    RELU,
    ROW_MASK,
    SP_ROWS,
    WEIGHT_STATIONARY,
)
from .program import Program
from .trace import (
    CFG_EX,
    CFG_LD,
    CFG_ST,
    COMPUTE_A,
    COMPUTE_P,
    FENCE,
    FLUSH,
    MVIN,
    MVOUT,
    PRELOAD,
    Trace,
    trace,
)

DTYPES: dict[str, type[np.signedinteger]] = {"int8": np.int8, "int32": np.int32}


class EmulatorError(Exception):
    """A program did something the hardware would not do correctly."""


def saturate_int8(x: np.ndarray) -> np.ndarray:
    return np.clip(x, ELEM_MIN, ELEM_MAX).astype(np.int8)


def scale_round_saturate(acc: np.ndarray, scale: float, act: int) -> np.ndarray:
    """`ACC_SCALE` then ReLU: float32 product, round half to even, saturate to int8."""
    y = np.rint(acc.astype(np.float32) * np.float32(scale))
    y = np.clip(y, ELEM_MIN, ELEM_MAX)
    if act == RELU:
        y = np.maximum(y, 0)
    return y.astype(np.int8)


@dataclass
class _Local:
    kind: str  # "sp", "acc" or "garbage"
    row: int = 0
    accumulate: bool = False
    full: bool = False


class Emulator:
    """Runs programs over DRAM buffers; `dram[name]` holds each buffer as a 2-D array."""

    def __init__(self, program: Program, inputs: Mapping[str, np.ndarray]) -> None:
        self.program = program
        self.dram: dict[str, np.ndarray] = {}
        for b in program.buffers:
            if b.name in inputs:
                value = np.asarray(inputs[b.name])
                if value.shape != (b.rows, b.cols):
                    raise EmulatorError(
                        f"buffer {b.name} is {b.rows}x{b.cols}, the input is {value.shape}")
                lo, hi = np.iinfo(DTYPES[b.dtype]).min, np.iinfo(DTYPES[b.dtype]).max
                if value.size and (value.min() < lo or value.max() > hi):
                    raise EmulatorError(f"input {b.name} has values outside {b.dtype}")
                self.dram[b.name] = value.astype(DTYPES[b.dtype]).copy()
            elif b.role == "out":
                self.dram[b.name] = np.zeros((b.rows, b.cols), DTYPES[b.dtype])
            else:
                raise EmulatorError(f"no value for input buffer {b.name}")
        extra = set(inputs) - {b.name for b in program.buffers}
        if extra:
            raise EmulatorError(f"{program.name} has no buffer {sorted(extra)[0]}")
        self.dtypes = {b.name: b.dtype for b in program.buffers}
        self.sp = np.zeros((SP_ROWS, DIM), np.int8)
        self.sp_valid = np.zeros(SP_ROWS, bool)
        self.acc = np.zeros((ACC_ROWS, DIM), np.int32)
        self.acc_valid = np.zeros(ACC_ROWS, bool)
        self.ld = [(0, 1.0, 0)] * 3  # (stride bytes, scale, shrunk) per mvin id
        self.st_stride = 0
        self.act, self.acc_scale, self.dataflow = 0, 1.0, WEIGHT_STATIONARY
        self.weights: np.ndarray | None = None
        self.pending: tuple | None = None  # (weights or None, c address, c_cols, c_rows)

    # ---------------------------------------------------------------------------------------------
    def run(self, stream: Trace | None = None) -> dict[str, np.ndarray]:
        """Execute the program; returns the output buffers."""
        stream = stream or trace(self.program)
        handlers: dict[int, Callable[..., None]] = {
            CFG_EX: self._config_ex, CFG_LD: self._config_ld, CFG_ST: self._config_st,
            MVIN: self._mvin, MVOUT: self._mvout, PRELOAD: self._preload,
            COMPUTE_P: self._compute_preloaded, COMPUTE_A: self._compute_accumulated}
        for n, event in enumerate(stream.events):
            op = event[0]
            if op in (FENCE, FLUSH):
                continue
            try:
                handlers[op](*event[3:])
            except EmulatorError as e:
                raise EmulatorError(f"instruction {n} {stream.describe(event)}: {e}") from None
        if self.pending is not None:
            raise EmulatorError("the program ends with a preload that no compute used")
        return {b.name: self.dram[b.name] for b in self.program.buffers if b.role == "out"}

    # ---------------------------------------------------------------------------------------------
    def _config_ex(self, dataflow, act, acc_scale, a_transpose, b_transpose) -> None:
        if dataflow != WEIGHT_STATIONARY:
            raise EmulatorError("only the weight-stationary dataflow (1) is emulated")
        if act not in (0, RELU):
            raise EmulatorError(f"activation {act} is not supported (0 none, 1 ReLU)")
        if a_transpose or b_transpose:
            raise EmulatorError("transposed operands are not supported")
        self.act, self.acc_scale = act, float(acc_scale)

    def _config_ld(self, stride, scale, shrunk, id) -> None:
        if id not in (0, 1, 2):
            raise EmulatorError(f"config_ld id must be 0, 1 or 2, got {id}")
        if stride < 0:
            raise EmulatorError(f"negative stride {stride}")
        self.ld[id] = (stride, float(scale), shrunk)

    def _config_st(self, stride) -> None:
        if stride < 0:
            raise EmulatorError(f"negative stride {stride}")
        self.st_stride = stride

    # ---------------------------------------------------------------------------------------------
    def _local(self, addr: int, rows: int, blocks: int = 1) -> _Local:
        if addr == GARBAGE_ADDR:
            return _Local("garbage")
        if not 0 <= addr < 1 << 32:
            raise EmulatorError(f"address {addr:#x} is not a 32-bit local address")
        if addr & ACC_BIT:
            row = addr & ROW_MASK
            if row + (blocks - 1) * DIM + rows > ACC_ROWS:
                raise EmulatorError(f"accumulator overflow: rows {row}..{row + (blocks - 1) * DIM + rows - 1}"
                                    f" (it has {ACC_ROWS})")
            return _Local("acc", row, bool(addr & ACCUMULATE_BIT), bool(addr & FULL_WIDTH_BIT))
        if addr & (ACCUMULATE_BIT | FULL_WIDTH_BIT):
            raise EmulatorError(f"wrong address bits: {addr:#x} sets bit 30/29 (accumulate, full "
                                "width) without bit 31 (accumulator)")
        last = addr + (blocks - 1) * DIM + rows - 1
        if last >= SP_ROWS:
            raise EmulatorError(f"scratchpad overflow: rows {addr}..{last} (it has {SP_ROWS})")
        for b in range(blocks):
            first = addr + b * DIM
            if first // BANK_ROWS != (first + rows - 1) // BANK_ROWS:
                raise EmulatorError(f"rows {first}..{first + rows - 1} cross a scratchpad bank "
                                    f"boundary (banks of {BANK_ROWS} rows)")
        return _Local("sp", addr)

    def _dram_index(self, buf: str, off: int, rows: int, cols: int, stride_bytes: int) -> np.ndarray:
        if buf not in self.dram:
            raise EmulatorError(f"no buffer {buf}")
        esize = np.dtype(DTYPES[self.dtypes[buf]]).itemsize
        if stride_bytes % esize:
            raise EmulatorError(f"stride {stride_bytes} B is not a multiple of {buf}'s {esize}-byte "
                                "elements")
        idx = off + np.arange(rows)[:, None] * (stride_bytes // esize) + np.arange(cols)[None, :]
        size = self.dram[buf].size
        if idx.min() < 0 or idx.max() >= size:
            raise EmulatorError(f"DRAM access {buf}[{idx.min()}..{idx.max()}] is outside {buf} "
                                f"({size} elements)")
        return idx

    @staticmethod
    def _shape(rows: int, cols: int, max_cols: int) -> None:
        if not 1 <= rows <= DIM:
            raise EmulatorError(f"rows must be 1..{DIM}, got {rows}")
        if not 1 <= cols <= max_cols:
            raise EmulatorError(f"cols must be 1..{max_cols}, got {cols}")

    def _check_valid(self, valid: np.ndarray, rows: np.ndarray | slice, what: str) -> None:
        ok = valid[rows]
        if not ok.all():
            first = np.arange(len(valid))[rows][~ok][0]
            raise EmulatorError(f"reads {what} row {first}, which was never written")

    def _mvin(self, buf, off, addr, cols, rows, id) -> None:
        stride, scale, shrunk = self.ld[id]
        dest_acc = addr != GARBAGE_ADDR and bool(addr & ACC_BIT)
        want = "int8" if (not dest_acc or shrunk) else "int32"
        if self.dtypes.get(buf) != want:
            where = "the accumulator" if dest_acc else "the scratchpad"
            raise EmulatorError(f"mvin into {where} reads {want} values "
                                f"({'shrunk' if shrunk else 'not shrunk'}), {buf} is "
                                f"{self.dtypes.get(buf)}")
        max_cols = MAX_BYTES // np.dtype(DTYPES[want]).itemsize
        self._shape(rows, cols, max_cols)
        blocks = -(-cols // DIM)
        loc = self._local(addr, rows, blocks)
        if loc.kind == "garbage":
            raise EmulatorError("mvin needs a destination address")
        data = self.dram[buf].reshape(-1)[self._dram_index(buf, off, rows, cols, stride)]
        padded = np.zeros((rows, blocks * DIM), data.dtype)
        padded[:, :cols] = data
        targets = loc.row + (np.arange(blocks) * DIM)[:, None] + np.arange(rows)[None, :]
        values = padded.reshape(rows, blocks, DIM).transpose(1, 0, 2)
        if loc.kind == "sp":
            if scale != 1.0:
                values = saturate_int8(np.rint(values.astype(np.float32) * np.float32(scale)))
            self.sp[targets] = values
            self.sp_valid[targets] = True
        else:
            if scale != 1.0:
                raise EmulatorError("scaled mvin into the accumulator is not supported")
            if loc.accumulate:
                self._check_valid(self.acc_valid, targets.reshape(-1), "accumulator")
                self.acc[targets] += values.astype(np.int32)
            else:
                self.acc[targets] = values.astype(np.int32)
            self.acc_valid[targets] = True

    def _mvout(self, buf, off, addr, cols, rows) -> None:
        self._shape(rows, cols, DIM)
        loc = self._local(addr, rows)
        if loc.kind == "garbage":
            raise EmulatorError("mvout needs a source address")
        rs = slice(loc.row, loc.row + rows)
        if loc.kind == "acc":
            if loc.accumulate:
                raise EmulatorError(f"mvout source {addr:#x} sets the accumulate bit (30)")
            self._check_valid(self.acc_valid, rs, "accumulator")
            block = self.acc[rs, :cols]
            values: np.ndarray
            if loc.full:
                want, values = "int32", block
            else:
                want, values = "int8", scale_round_saturate(block, self.acc_scale, self.act)
        else:
            self._check_valid(self.sp_valid, rs, "scratchpad")
            want, values = "int8", self.sp[rs, :cols]
        if self.dtypes.get(buf) != want:
            raise EmulatorError(f"mvout writes {want} values here, {buf} is {self.dtypes.get(buf)}")
        self.dram[buf].reshape(-1)[self._dram_index(buf, off, rows, cols, self.st_stride)] = values

    def _preload(self, bd, c, bd_cols, bd_rows, c_cols, c_rows) -> None:
        if self.pending is not None:
            raise EmulatorError("two preloads without a compute between them")
        weights = None
        b = self._local(bd, bd_rows)
        if b.kind == "acc":
            raise EmulatorError("weights are preloaded from the scratchpad, not the accumulator")
        if b.kind == "sp":
            self._shape(bd_rows, bd_cols, DIM)
            rs = slice(b.row, b.row + bd_rows)
            self._check_valid(self.sp_valid, rs, "scratchpad")
            weights = np.zeros((DIM, DIM), np.int32)
            weights[:bd_rows, :bd_cols] = self.sp[rs, :bd_cols]
        self._shape(c_rows, c_cols, DIM)
        self._local(c, c_rows)
        self.pending = (weights, c, c_cols, c_rows)

    def _compute_preloaded(self, *operands) -> None:
        self._compute(True, *operands)

    def _compute_accumulated(self, *operands) -> None:
        self._compute(False, *operands)

    def _compute(self, preloaded: bool, a, bd, a_cols, a_rows, bd_cols, bd_rows) -> None:
        if self.pending is None:
            raise EmulatorError("compute without a preceding preload")
        weights, c, c_cols, c_rows = self.pending
        self.pending = None
        if preloaded:
            if weights is None:
                raise EmulatorError("compute_preloaded after a preload of no weights "
                                    "(use compute_accumulated to keep the weights)")
            self.weights = weights
        else:
            if weights is not None:
                raise EmulatorError("compute_accumulated after a preload of new weights "
                                    "(use compute_preloaded)")
            if self.weights is None:
                raise EmulatorError("compute_accumulated before any weights were preloaded")
        self._shape(a_rows, a_cols, DIM)
        loc = self._local(a, a_rows)
        inputs = np.zeros((c_rows, DIM), np.int32)
        if loc.kind == "acc":
            raise EmulatorError("compute reads its input rows from the scratchpad")
        if loc.kind == "sp":
            rs = slice(loc.row, loc.row + a_rows)
            self._check_valid(self.sp_valid, rs, "scratchpad")
            n = min(a_rows, c_rows)
            inputs[:n, :a_cols] = self.sp[loc.row:loc.row + n, :a_cols]
        result = inputs @ self.weights
        out = self._local(c, c_rows)
        if out.kind == "garbage":
            return
        rs = slice(out.row, out.row + c_rows)
        if out.kind == "sp":
            self.sp[rs] = saturate_int8(result)
            self.sp_valid[rs] = True
        elif out.accumulate:
            self._check_valid(self.acc_valid, rs, "accumulator")
            self.acc[rs, :c_cols] += result[:, :c_cols].astype(np.int32)
        else:
            self.acc[rs] = 0
            self.acc[rs, :c_cols] = result[:, :c_cols]
            self.acc_valid[rs] = True


def run(program: Program, inputs: Mapping[str, np.ndarray], stream: Trace | None = None
        ) -> dict[str, np.ndarray]:
    """Run `program` on `inputs` (buffer name -> 2-D array); returns the output buffers."""
    return Emulator(program, inputs).run(stream)
