/* Declarations-only stand-in for gemmini.h of ucb-bar/gemmini-rocc-tests, dev branch: each macro
 * the tensflo C emitter may use, with its operand list as the current header documents it
 * (activation and accumulator scale belong to gemmini_extended_config_st; config_ex has 6
 * operands; loop_ws has 23). Every macro forwards to a typed function, so a wrong operand count
 * is a preprocessor error and a wrong operand type a compiler diagnostic. The functions are
 * defined by gemmini_trace.c, which records each call. Default configuration: DIM 16,
 * elem_t int8, acc_t int32, acc_scale_t float.
 */
#ifndef TF_GEMMINI_DECLS_H
#define TF_GEMMINI_DECLS_H

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
#define ACC_SCALE_IDENTITY 1.0
#define MVIN_SCALE_IDENTITY 1.0

void tf_gemmini_config_ex6(uint64_t dataflow, uint64_t sys_act, uint64_t sys_shift,
                           uint64_t A_stride, bool A_transpose, bool B_transpose);
void tf_gemmini_config_ld(uint64_t stride, scale_t scale, bool shrunk, uint64_t id);
void tf_gemmini_config_st3(uint64_t stride, uint64_t acc_act, acc_scale_t acc_scale);
void tf_gemmini_mvin(int which, const void *dram_addr, uint32_t spad_addr, uint64_t cols,
                     uint64_t rows);
void tf_gemmini_mvout(void *dram_addr, uint32_t spad_addr, uint64_t cols, uint64_t rows);
void tf_gemmini_preload(uint32_t BD, uint32_t C, uint64_t BD_cols, uint64_t BD_rows,
                        uint64_t C_cols, uint64_t C_rows);
void tf_gemmini_compute(int accumulated, uint32_t A, uint32_t BD, uint64_t A_cols,
                        uint64_t A_rows, uint64_t BD_cols, uint64_t BD_rows);
void tf_gemmini_loop_ws23(uint64_t I, uint64_t J, uint64_t K, uint64_t pad_I, uint64_t pad_J,
                          uint64_t pad_K, const void *A, const void *B, const void *D, void *C,
                          uint64_t A_stride, uint64_t B_stride, uint64_t D_stride,
                          uint64_t C_stride, bool A_transpose, bool B_transpose, bool full_C,
                          bool low_D, bool ex_accumulate, uint64_t act, uint64_t a_spad_id,
                          uint64_t b_spad_id, bool is_resadd);
void tf_gemmini_flush(uint64_t skip);
void tf_gemmini_fence(void);

#define gemmini_extended_config_ex(dataflow, sys_act, sys_shift, A_stride, A_transpose, B_transpose) \
  tf_gemmini_config_ex6(dataflow, sys_act, sys_shift, A_stride, A_transpose, B_transpose)
#define gemmini_config_ex(dataflow, sys_act, sys_shift) \
  gemmini_extended_config_ex(dataflow, sys_act, sys_shift, 1, 0, 0)
#define gemmini_extended3_config_ld(stride, scale, shrunk, id) \
  tf_gemmini_config_ld(stride, scale, shrunk, id)
#define gemmini_config_ld(stride) gemmini_extended3_config_ld(stride, MVIN_SCALE_IDENTITY, false, 0)
#define gemmini_extended_config_st(stride, acc_act, acc_scale) \
  tf_gemmini_config_st3(stride, acc_act, acc_scale)
#define gemmini_config_st(stride) \
  gemmini_extended_config_st(stride, NO_ACTIVATION, ACC_SCALE_IDENTITY)
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
#define gemmini_loop_ws(I, J, K, pad_I, pad_J, pad_K, A, B, D, C, A_stride, B_stride, D_stride, C_stride, A_transpose, B_transpose, full_C, low_D, ex_accumulate, act, a_spad_id, b_spad_id, is_resadd) \
  tf_gemmini_loop_ws23(I, J, K, pad_I, pad_J, pad_K, A, B, D, C, A_stride, B_stride, D_stride, C_stride, A_transpose, B_transpose, full_C, low_D, ex_accumulate, act, a_spad_id, b_spad_id, is_resadd)
#define gemmini_flush(skip) tf_gemmini_flush(skip)
#define gemmini_fence() tf_gemmini_fence()

#endif
