/* Declarations-only stand-in for gemmini.h of ucb-bar/gemmini-rocc-tests at commit 0015b1af
 * (May 2021): activation and accumulator scale in the 8-operand gemmini_extended_config_ex,
 * gemmini_config_st(stride) sets only the store stride, loop_ws has 19 operands. As in
 * gemmini_decls.h, each macro forwards to a typed function defined by gemmini_trace.c.
 */
#ifndef TF_GEMMINI_DECLS_2021_H
#define TF_GEMMINI_DECLS_2021_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int8_t elem_t;
typedef int32_t acc_t;
typedef float acc_scale_t;
typedef float scale_t;

#define DIM 16
#define GARBAGE_ADDR ((uint32_t)(-1))
#define OUTPUT_STATIONARY 0
#define WEIGHT_STATIONARY 1
#define NO_ACTIVATION 0
#define RELU 1
#define RELU6 2

void tf_gemmini_config_ex8(uint64_t dataflow, uint64_t act, uint64_t sys_shift,
                           acc_scale_t acc_scale, uint64_t relu6_shift, uint64_t A_stride,
                           bool A_transpose, bool B_transpose);
void tf_gemmini_config_ld(uint64_t stride, scale_t scale, bool shrunk, uint64_t id);
void tf_gemmini_config_st1(uint64_t stride);
void tf_gemmini_mvin(int which, const void *dram_addr, uint32_t spad_addr, uint64_t cols,
                     uint64_t rows);
void tf_gemmini_mvout(void *dram_addr, uint32_t spad_addr, uint64_t cols, uint64_t rows);
void tf_gemmini_preload(uint32_t BD, uint32_t C, uint64_t BD_cols, uint64_t BD_rows,
                        uint64_t C_cols, uint64_t C_rows);
void tf_gemmini_compute(int accumulated, uint32_t A, uint32_t BD, uint64_t A_cols,
                        uint64_t A_rows, uint64_t BD_cols, uint64_t BD_rows);
void tf_gemmini_loop_ws19(uint64_t I, uint64_t J, uint64_t K, uint64_t pad_I, uint64_t pad_J,
                          uint64_t pad_K, const void *A, const void *B, const void *D, void *C,
                          uint64_t A_stride, uint64_t B_stride, uint64_t D_stride,
                          uint64_t C_stride, bool A_transpose, bool B_transpose, bool full_C,
                          bool low_D, bool ex_accumulate);
void tf_gemmini_flush(uint64_t skip);
void tf_gemmini_fence(void);

#define gemmini_extended_config_ex(dataflow, act, sys_shift, acc_scale, relu6_shift, A_stride, A_transpose, B_transpose) \
  tf_gemmini_config_ex8(dataflow, act, sys_shift, acc_scale, relu6_shift, A_stride, A_transpose, B_transpose)
#define gemmini_extended3_config_ld(stride, scale, shrunk, id) \
  tf_gemmini_config_ld(stride, scale, shrunk, id)
#define gemmini_config_st(stride) tf_gemmini_config_st1(stride)
#define gemmini_extended_mvin(dram_addr, spad_addr, cols, rows) \
  tf_gemmini_mvin(0, dram_addr, spad_addr, cols, rows)
#define gemmini_extended_mvin2(dram_addr, spad_addr, cols, rows) \
  tf_gemmini_mvin(1, dram_addr, spad_addr, cols, rows)
#define gemmini_extended_mvin3(dram_addr, spad_addr, cols, rows) \
  tf_gemmini_mvin(2, dram_addr, spad_addr, cols, rows)
#define gemmini_extended_mvout(dram_addr, spad_addr, cols, rows) \
  tf_gemmini_mvout(dram_addr, spad_addr, cols, rows)
#define gemmini_extended_preload(BD, C, BD_cols, BD_rows, C_cols, C_rows) \
  tf_gemmini_preload(BD, C, BD_cols, BD_rows, C_cols, C_rows)
#define gemmini_extended_compute_preloaded(A, BD, A_cols, A_rows, BD_cols, BD_rows) \
  tf_gemmini_compute(0, A, BD, A_cols, A_rows, BD_cols, BD_rows)
#define gemmini_extended_compute_accumulated(A, BD, A_cols, A_rows, BD_cols, BD_rows) \
  tf_gemmini_compute(1, A, BD, A_cols, A_rows, BD_cols, BD_rows)
#define gemmini_loop_ws(I, J, K, pad_I, pad_J, pad_K, A, B, D, C, A_stride, B_stride, D_stride, C_stride, A_transpose, B_transpose, full_C, low_D, ex_accumulate) \
  tf_gemmini_loop_ws19(I, J, K, pad_I, pad_J, pad_K, A, B, D, C, A_stride, B_stride, D_stride, C_stride, A_transpose, B_transpose, full_C, low_D, ex_accumulate)
#define gemmini_flush(skip) tf_gemmini_flush(skip)
#define gemmini_fence() tf_gemmini_fence()

#endif
