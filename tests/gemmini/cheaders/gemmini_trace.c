/* Definitions of the functions the declarations-only gemmini headers forward to: each call
 * prints one line "NAME operand ..." (pointers as integers, floats with 9 digits) on stdout, the
 * trace a test replays on the tensflo emulator. Defines the functions of both header
 * generations; a program links only those its header declares.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define U(x) ((unsigned long long)(x))
#define P(x) ((unsigned long long)(uintptr_t)(x))

void tf_gemmini_config_ex6(uint64_t dataflow, uint64_t sys_act, uint64_t sys_shift,
                           uint64_t A_stride, bool A_transpose, bool B_transpose) {
  printf("config_ex6 %llu %llu %llu %llu %d %d\n", U(dataflow), U(sys_act), U(sys_shift),
         U(A_stride), A_transpose, B_transpose);
}

void tf_gemmini_config_ex8(uint64_t dataflow, uint64_t act, uint64_t sys_shift, float acc_scale,
                           uint64_t relu6_shift, uint64_t A_stride, bool A_transpose,
                           bool B_transpose) {
  printf("config_ex8 %llu %llu %llu %.9g %llu %llu %d %d\n", U(dataflow), U(act), U(sys_shift),
         (double)acc_scale, U(relu6_shift), U(A_stride), A_transpose, B_transpose);
}

void tf_gemmini_config_ld(uint64_t stride, float scale, bool shrunk, uint64_t id) {
  printf("config_ld %llu %.9g %d %llu\n", U(stride), (double)scale, shrunk, U(id));
}

void tf_gemmini_config_st3(uint64_t stride, uint64_t acc_act, float acc_scale) {
  printf("config_st3 %llu %llu %.9g\n", U(stride), U(acc_act), (double)acc_scale);
}

void tf_gemmini_config_st1(uint64_t stride) { printf("config_st1 %llu\n", U(stride)); }

void tf_gemmini_mvin(int which, const void *dram_addr, uint32_t spad_addr, uint64_t cols,
                     uint64_t rows) {
  printf("mvin %d %llu %llu %llu %llu\n", which, P(dram_addr), U(spad_addr), U(cols), U(rows));
}

void tf_gemmini_mvout(void *dram_addr, uint32_t spad_addr, uint64_t cols, uint64_t rows) {
  printf("mvout %llu %llu %llu %llu\n", P(dram_addr), U(spad_addr), U(cols), U(rows));
}

void tf_gemmini_preload(uint32_t BD, uint32_t C, uint64_t BD_cols, uint64_t BD_rows,
                        uint64_t C_cols, uint64_t C_rows) {
  printf("preload %llu %llu %llu %llu %llu %llu\n", U(BD), U(C), U(BD_cols), U(BD_rows),
         U(C_cols), U(C_rows));
}

void tf_gemmini_compute(int accumulated, uint32_t A, uint32_t BD, uint64_t A_cols,
                        uint64_t A_rows, uint64_t BD_cols, uint64_t BD_rows) {
  printf("compute %d %llu %llu %llu %llu %llu %llu\n", accumulated, U(A), U(BD), U(A_cols),
         U(A_rows), U(BD_cols), U(BD_rows));
}

static void loop_ws_common(uint64_t I, uint64_t J, uint64_t K, uint64_t pad_I, uint64_t pad_J,
                           uint64_t pad_K, const void *A, const void *B, const void *D, void *C,
                           uint64_t A_stride, uint64_t B_stride, uint64_t D_stride,
                           uint64_t C_stride, bool A_transpose, bool B_transpose, bool full_C,
                           bool low_D, bool ex_accumulate) {
  printf(" %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %d %d %d %d %d",
         U(I), U(J), U(K), U(pad_I), U(pad_J), U(pad_K), P(A), P(B), P(D), P(C), U(A_stride),
         U(B_stride), U(D_stride), U(C_stride), A_transpose, B_transpose, full_C, low_D,
         ex_accumulate);
}

void tf_gemmini_loop_ws19(uint64_t I, uint64_t J, uint64_t K, uint64_t pad_I, uint64_t pad_J,
                          uint64_t pad_K, const void *A, const void *B, const void *D, void *C,
                          uint64_t A_stride, uint64_t B_stride, uint64_t D_stride,
                          uint64_t C_stride, bool A_transpose, bool B_transpose, bool full_C,
                          bool low_D, bool ex_accumulate) {
  printf("loop_ws19");
  loop_ws_common(I, J, K, pad_I, pad_J, pad_K, A, B, D, C, A_stride, B_stride, D_stride,
                 C_stride, A_transpose, B_transpose, full_C, low_D, ex_accumulate);
  printf("\n");
}

void tf_gemmini_loop_ws23(uint64_t I, uint64_t J, uint64_t K, uint64_t pad_I, uint64_t pad_J,
                          uint64_t pad_K, const void *A, const void *B, const void *D, void *C,
                          uint64_t A_stride, uint64_t B_stride, uint64_t D_stride,
                          uint64_t C_stride, bool A_transpose, bool B_transpose, bool full_C,
                          bool low_D, bool ex_accumulate, uint64_t act, uint64_t a_spad_id,
                          uint64_t b_spad_id, bool is_resadd) {
  printf("loop_ws23");
  loop_ws_common(I, J, K, pad_I, pad_J, pad_K, A, B, D, C, A_stride, B_stride, D_stride,
                 C_stride, A_transpose, B_transpose, full_C, low_D, ex_accumulate);
  printf(" %llu %llu %llu %d\n", U(act), U(a_spad_id), U(b_spad_id), is_resadd);
}

void tf_gemmini_flush(uint64_t skip) { printf("flush %llu\n", U(skip)); }

void tf_gemmini_fence(void) { printf("fence\n"); }
