/* Calls a target=cuda entry point, then asks libattn_runtime whether it ran:
   the mgpu* ABI returns nothing, so the status is the only way to know. */
#include "attention-f16-d64.h"
#include "attn/Runtime.h"

#include <stdio.h>

static void init(attn_memref_4d_f16 *m, uint16_t *data) {
  int64_t sizes[4] = {1, 1, 16, 64};
  m->allocated = m->aligned = data;
  m->offset = 0;
  for (int i = 0; i < 4; ++i)
    m->sizes[i] = sizes[i];
  m->strides[3] = 1;
  for (int i = 2; i >= 0; --i)
    m->strides[i] = m->strides[i + 1] * sizes[i + 1];
}

int main(void) {
  static uint16_t q[16 * 64], k[16 * 64], v[16 * 64], o[16 * 64];
  attn_memref_4d_f16 mq, mk, mv, mo;
  init(&mq, q);
  init(&mk, k);
  init(&mv, v);
  init(&mo, o);
  _mlir_ciface_attn_d64(&mq, &mk, &mv, &mo, &mo);
  fflush(stderr);
  int status = attnGetStatus();
  printf("status: %d\nerror: %s\n", status, attnGetLastError());
  return status != ATTN_STATUS_SUCCESS;
}
