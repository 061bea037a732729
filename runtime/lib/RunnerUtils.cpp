//===- RunnerUtils.cpp - printing helpers for test programs ---------------===//
//
// The functions that test programs call to print results (printMemrefF32,
// the vector.print helpers, rtclock, memrefCopy), with the behaviour and the
// exact text of upstream MLIR's mlir_runner_utils and mlir_c_runner_utils, so
// that a program compiled by attn-compile and run by attn-run prints what
// mlir-runner prints (test/lib/attn_check.py parses it). Written against the
// documented format only: no LLVM/MLIR at build or run time.
//
// One deliberate difference: a memref with a zero-sized dimension prints
// "[]" for it, where upstream reads (and prints) an element past the end.
//
// Everything goes through C stdio on stdout, so the memref printers and the
// vector.print helpers interleave in call order.
//
//===----------------------------------------------------------------------===//

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include <sys/time.h>

#define ATTN_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/// An unranked memref as the C interface passes it: the rank and a pointer
/// to the ranked descriptor {allocated, aligned, offset, sizes[rank],
/// strides[rank]}.
struct Unranked {
  int64_t rank;
  void *descriptor;
};

/// A view of a ranked descriptor of any rank.
template <typename T> struct Strided {
  explicit Strided(const Unranked &m) : rank(m.rank) {
    auto *words = static_cast<int64_t *>(m.descriptor);
    data = reinterpret_cast<T *>(words[1]);
    offset = words[2];
    sizes = words + 3;
    strides = words + 3 + rank;
  }
  int64_t rank;
  T *data;
  int64_t offset;
  const int64_t *sizes, *strides;
};

float halfToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu, mantissa = bits & 0x3ffu;
  uint32_t out;
  if (exponent == 0x1f) { // inf, NaN
    out = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) { // normal
    out = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) { // zero
    out = sign;
  } else { // subnormal: normalize
    int shift = 0;
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      ++shift;
    }
    out = sign | static_cast<uint32_t>(113 - shift) << 23 |
          ((mantissa & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &out, sizeof(f));
  return f;
}

float bfloatToFloat(uint16_t bits) {
  uint32_t out = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &out, sizeof(f));
  return f;
}

/// Element printers: what `std::cout << x` prints by default (%g with six
/// significant digits for floating point).
void printElement(float x) { std::printf("%g", static_cast<double>(x)); }
void printElement(double x) { std::printf("%g", x); }
void printElement(int32_t x) { std::printf("%" PRId32, x); }
void printElement(int64_t x) { std::printf("%" PRId64, x); }
void printElement(uint64_t x) { std::printf("%" PRIu64, x); }

struct Half {
  uint16_t bits;
};
struct BFloat {
  uint16_t bits;
};
void printElement(Half x) { printElement(halfToFloat(x.bits)); }
void printElement(BFloat x) { printElement(bfloatToFloat(x.bits)); }

void indent(int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    std::putchar(' ');
}

/// Prints dimension `level` (and the ones inside it) starting at `offset`:
/// rows are bracketed and comma-separated; an inner row starts on a new line
/// indented by its depth.
template <typename T>
void printLevel(const Strided<T> &m, int64_t level, int64_t offset) {
  if (level == m.rank) {
    printElement(m.data[offset]);
    return;
  }
  int64_t count = m.sizes[level], stride = m.strides[level];
  bool innerRows = m.rank - level > 1;
  std::putchar('[');
  for (int64_t i = 0; i < count; ++i) {
    if (i > 0)
      indent(level + 1);
    printLevel(m, level + 1, offset + i * stride);
    if (i + 1 < count) {
      std::fputs(", ", stdout);
      if (innerRows)
        std::putchar('\n');
    }
  }
  std::putchar(']');
}

template <typename T>
void printList(const Strided<T> &m, const int64_t *values) {
  for (int64_t i = 0; i < m.rank; ++i)
    std::printf(i ? ", %" PRId64 : "%" PRId64, values[i]);
}

template <typename T> void printMemref(const Unranked &unranked) {
  Strided<T> m(unranked);
  std::printf("Unranked Memref base@ = %#" PRIxPTR " rank = %" PRId64
              " offset = %" PRId64 " sizes = [",
              reinterpret_cast<uintptr_t>(m.data), m.rank, m.offset);
  printList(m, m.sizes);
  std::fputs("] strides = [", stdout);
  printList(m, m.strides);
  std::fputs("] data = \n", stdout);
  if (m.rank == 0)
    std::putchar('[');
  printLevel(m, 0, m.offset);
  if (m.rank == 0)
    std::putchar(']');
  std::putchar('\n');
  std::fflush(stdout);
}

} // namespace

// Each element type has two entry points: `printMemrefX(rank, descriptor)`,
// what a call from MLIR without llvm.emit_c_interface passes (the unranked
// memref expanded), and `_mlir_ciface_printMemrefX(Unranked *)`.
#define ATTN_PRINT_MEMREF(suffix, type)                                        \
  ATTN_EXPORT void _mlir_ciface_printMemref##suffix(Unranked *m) {             \
    printMemref<type>(*m);                                                     \
  }                                                                            \
  ATTN_EXPORT void printMemref##suffix(int64_t rank, void *descriptor) {       \
    printMemref<type>(Unranked{rank, descriptor});                             \
  }
ATTN_PRINT_MEMREF(F32, float)
ATTN_PRINT_MEMREF(F64, double)
ATTN_PRINT_MEMREF(I32, int32_t)
ATTN_PRINT_MEMREF(I64, int64_t)
ATTN_PRINT_MEMREF(Ind, uint64_t)
ATTN_PRINT_MEMREF(F16, Half)
ATTN_PRINT_MEMREF(BF16, BFloat)
#undef ATTN_PRINT_MEMREF

//===----------------------------------------------------------------------===//
// vector.print's helpers.
//===----------------------------------------------------------------------===//

ATTN_EXPORT void printI64(int64_t i) { std::printf("%" PRId64, i); }
ATTN_EXPORT void printU64(uint64_t u) { std::printf("%" PRIu64, u); }
ATTN_EXPORT void printF32(float f) {
  std::printf("%g", static_cast<double>(f));
}
ATTN_EXPORT void printF64(double d) { std::printf("%g", d); }
ATTN_EXPORT void printF16(uint16_t bits) { printElement(Half{bits}); }
ATTN_EXPORT void printBF16(uint16_t bits) { printElement(BFloat{bits}); }
ATTN_EXPORT void printString(const char *s) { std::fputs(s, stdout); }
ATTN_EXPORT void printOpen() { std::fputs("( ", stdout); }
ATTN_EXPORT void printClose() { std::fputs(" )", stdout); }
ATTN_EXPORT void printComma() { std::fputs(", ", stdout); }
ATTN_EXPORT void printNewline() { std::putchar('\n'); }

//===----------------------------------------------------------------------===//
// Timing and copies.
//===----------------------------------------------------------------------===//

/// Seconds since the epoch, microsecond resolution.
ATTN_EXPORT double rtclock() {
  timeval tv;
  if (gettimeofday(&tv, nullptr) != 0)
    return 0.0;
  return static_cast<double>(tv.tv_sec) + 1e-6 * tv.tv_usec;
}

/// Nanoseconds of a monotonic clock.
ATTN_EXPORT int64_t _mlir_ciface_nanoTime() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

ATTN_EXPORT void printFlops(double flops) {
  std::fprintf(stderr, "%lf GFLOPS\n", flops / 1.0e9);
}

/// memref.copy between layouts that are not both contiguous: element by
/// element, `elemSize` bytes each, in row-major order of the source shape.
ATTN_EXPORT void memrefCopy(int64_t elemSize, Unranked *src, Unranked *dst) {
  Strided<char> from(*src), to(*dst);
  int64_t rank = from.rank;
  for (int64_t d = 0; d < rank; ++d)
    if (from.sizes[d] == 0)
      return;
  std::vector<int64_t> index(rank, 0);
  while (true) {
    int64_t a = from.offset, b = to.offset;
    for (int64_t d = 0; d < rank; ++d) {
      a += index[d] * from.strides[d];
      b += index[d] * to.strides[d];
    }
    std::memcpy(to.data + b * elemSize, from.data + a * elemSize, elemSize);
    int64_t d = rank - 1;
    while (d >= 0 && ++index[d] == from.sizes[d])
      index[d--] = 0;
    if (d < 0)
      return;
  }
}
