"""Gemmini's default configuration and local-address encoding (as in `gemmini_params.h`).

A local address is 32 bits: bit 31 selects the accumulator, bit 30 makes a write accumulate
instead of overwrite, bit 29 reads the accumulator at full width (int32) on `mvout`. The low bits
are the row. All ones (`GARBAGE_ADDR`) means "no operand".
"""

from __future__ import annotations

DIM = 16
"""Systolic array size: a block is DIM x DIM; a scratchpad/accumulator row holds DIM values."""
ADDR_LEN = 32
BANK_NUM = 4
BANK_ROWS = 4096
SP_ROWS = BANK_NUM * BANK_ROWS
"""Scratchpad rows (16384 x 16 int8 = 256 KiB)."""
ACC_ROWS = 1024
"""Accumulator rows (1024 x 16 int32 = 64 KiB)."""
MAX_BYTES = 64
"""Largest DMA request."""
MAX_BLOCK_LEN = MAX_BYTES // DIM
"""Blocks one `mvin` may move into the scratchpad (columns <= MAX_BLOCK_LEN * DIM)."""
MAX_BLOCK_LEN_ACC = MAX_BYTES // (DIM * 4)
"""Blocks one `mvin` may move into the accumulator at full width (int32)."""

ACC_BIT = 1 << 31
ACCUMULATE_BIT = 1 << 30
FULL_WIDTH_BIT = 1 << 29
ROW_MASK = FULL_WIDTH_BIT - 1
GARBAGE_ADDR = 0xFFFFFFFF

WEIGHT_STATIONARY = 1
OUTPUT_STATIONARY = 0
NO_ACTIVATION = 0
RELU = 1

ELEM_MIN, ELEM_MAX = -128, 127
ELEM_BYTES = {"int8": 1, "int32": 4}
C_TYPES = {"int8": "elem_t", "int32": "acc_t"}


def sp_addr(row: int) -> int:
    """A scratchpad address."""
    return row


def acc_addr(row: int, accumulate: bool = False, full_width: bool = False) -> int:
    """An accumulator address; `accumulate` adds on write, `full_width` reads int32 on mvout."""
    return ACC_BIT | (ACCUMULATE_BIT if accumulate else 0) | (FULL_WIDTH_BIT if full_width else 0) | row


def describe(addr: int) -> str:
    """A readable form of a local address, for error messages."""
    if addr == GARBAGE_ADDR:
        return "GARBAGE_ADDR"
    if addr & ACC_BIT:
        flags = [f for bit, f in ((ACCUMULATE_BIT, "accumulate"), (FULL_WIDTH_BIT, "full width"))
                 if addr & bit]
        return f"accumulator row {addr & ROW_MASK}" + (f" ({', '.join(flags)})" if flags else "")
    return f"scratchpad row {addr}"
