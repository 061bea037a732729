# One precompiled header for the MLIR headers that most of our sources
# include. Parsing and instantiating them is most of the cost of each source
# file: on gcc 12, AttnToGPUSm90.cpp takes 53 s to compile, and its includes
# alone take 49 s. CI builds the project twice on two cores (plain, and the
# clang sanitizer build the fuzzer shares; docs/reliability.md), so this is
# most of its time.
#
# Every target reuses the one PCH of `attn_pch` (REUSE_FROM), which is valid
# because the project's compile flags are global (add_compile_options,
# add_definitions). Targets with compile definitions of their own keep
# parsing the headers: clang rejects a PCH built with different macros.
option(ATTN_ENABLE_PCH "Precompile the common MLIR headers (faster builds)" ON)

set(ATTN_PCH_HEADERS
  <mlir/IR/Builders.h>
  <mlir/IR/BuiltinOps.h>
  <mlir/IR/IRMapping.h>
  <mlir/IR/Matchers.h>
  <mlir/IR/PatternMatch.h>
  <mlir/Pass/Pass.h>
  <mlir/Pass/PassManager.h>
  <mlir/Transforms/DialectConversion.h>
  <mlir/Transforms/GreedyPatternRewriteDriver.h>
  <mlir/Dialect/Arith/IR/Arith.h>
  <mlir/Dialect/Arith/Utils/Utils.h>
  <mlir/Dialect/Func/IR/FuncOps.h>
  <mlir/Dialect/GPU/IR/GPUDialect.h>
  <mlir/Dialect/LLVMIR/LLVMDialect.h>
  <mlir/Dialect/LLVMIR/NVVMDialect.h>
  <mlir/Dialect/Linalg/IR/Linalg.h>
  <mlir/Dialect/Math/IR/Math.h>
  <mlir/Dialect/MemRef/IR/MemRef.h>
  <mlir/Dialect/NVGPU/IR/NVGPUDialect.h>
  <mlir/Dialect/SCF/IR/SCF.h>
  <mlir/Dialect/Tensor/IR/Tensor.h>
  <mlir/Dialect/Vector/IR/VectorOps.h>)

# The C++ targets defined in DIR and below, into OUT.
function(attn_collect_targets dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    attn_collect_targets("${sub}" sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Whether TARGET can reuse the PCH: our add_mlir_* object libraries, and the
# static libraries and executables that link the MLIR library (not attn-run,
# which only dlopens). Not shared or module libraries (the plugin): CMake
# defines <target>_EXPORTS for them, and clang refuses a PCH built without
# that macro.
function(attn_can_reuse_pch target out)
  get_target_property(type ${target} TYPE)
  get_target_property(libs ${target} LINK_LIBRARIES)
  set(${out} FALSE PARENT_SCOPE)
  if(type STREQUAL "OBJECT_LIBRARY" OR
     (type MATCHES "^(STATIC_LIBRARY|EXECUTABLE)$" AND "MLIR" IN_LIST libs))
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

# Makes every target under DIRS that compiles C++ sources of its own and can
# reuse the PCH do so. Call it after those directories are added.
function(attn_use_precompiled_headers)
  if(NOT ATTN_ENABLE_PCH)
    return()
  endif()
  set(stub "${CMAKE_BINARY_DIR}/attn_pch.cpp")
  file(WRITE "${stub}.tmp" "// The translation unit that builds attn's PCH.\n")
  configure_file("${stub}.tmp" "${stub}" COPYONLY)
  add_library(attn_pch OBJECT "${stub}")
  set_target_properties(attn_pch PROPERTIES POSITION_INDEPENDENT_CODE ON)
  # The flags LLVM's add_llvm_* functions give each of our targets
  # (-fno-exceptions, ...): a PCH is only used with matching flags.
  llvm_update_compile_flags(attn_pch)
  target_precompile_headers(attn_pch PRIVATE ${ATTN_PCH_HEADERS})
  foreach(dir IN LISTS ARGN)
    attn_collect_targets("${dir}" targets)
    foreach(target IN LISTS targets)
      get_target_property(sources ${target} SOURCES)
      get_target_property(defs ${target} COMPILE_DEFINITIONS)
      list(FILTER sources INCLUDE REGEX "\\.cpp$")
      attn_can_reuse_pch(${target} can_reuse)
      if(sources AND can_reuse AND NOT defs)
        target_precompile_headers(${target} REUSE_FROM attn_pch)
      endif()
    endforeach()
  endforeach()
endfunction()
