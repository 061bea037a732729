# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "ATTN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "consumer",
                   "lit.site.cfg.py", "lib", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attn_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(
    ("%mlir_c_runner_utils",
     os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so")))
config.substitutions.append(
    ("%mlir_runner_utils",
     os.path.join(config.mlir_lib_dir, "libmlir_runner_utils.so")))
config.substitutions.append(
    ("%attn_plugin", os.path.join(config.attn_lib_dir, "AttnPlugin.so")))
config.substitutions.append(("%attn_src_root", config.attn_src_root))
config.substitutions.append(("%attn_obj_root", config.attn_obj_root))
config.substitutions.append(("%cmake", config.cmake_command))
# Sanitizer build: see the end of this file.
asan = config.enable_sanitizers.upper() in ("ON", "1", "TRUE", "YES")
# Programs that tests build and link against our instrumented libraries are
# instrumented the same way (an uninstrumented program cannot load them).
config.substitutions.append(
    ("%cxx", config.cxx_compiler +
     (" " + config.sanitizer_link_flags if asan else "")))
config.substitutions.append(
    ("%attn-check", config.python_executable + " " +
     os.path.join(config.attn_src_root, "test", "lib", "attn_check.py")))
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# Sanitizer build (-DATTN_ENABLE_SANITIZERS=ON, scripts/sanitizers.sh): every
# library, tool, plugin and runtime of ours carries ASan+UBSan; the MLIR/LLVM
# shared libraries do not. docs/reliability.md explains each setting below.
if asan:
    config.available_features.add("asan")
    config.available_features.add("ubsan")
    # The caller's settings win; by default leaks are reported (LSan) and
    # every UBSan report is fatal (the code is built -fno-sanitize-recover).
    # allow_user_poisoning=0: LLVM's BumpPtrAllocator, inlined into our
    # instrumented code, poisons the unused rest of each slab it starts; the
    # uninstrumented libMLIR then carves objects out of that slab without
    # unpoisoning them, and its next write (a memmove ASan intercepts) is a
    # false use-after-poison.
    config.environment["ASAN_OPTIONS"] = os.environ.get(
        "ASAN_OPTIONS", "detect_leaks=1:allow_user_poisoning=0")
    config.environment["UBSAN_OPTIONS"] = os.environ.get(
        "UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if "LSAN_OPTIONS" in os.environ:
        config.environment["LSAN_OPTIONS"] = os.environ["LSAN_OPTIONS"]
    config.environment["ASAN_SYMBOLIZER_PATH"] = os.path.join(
        config.llvm_tools_dir, "llvm-symbolizer")
    # CMake projects that tests configure (test/Install's consumer,
    # attn-compile's cmake-kernel-library) link our instrumented static
    # libraries or tools' output: same compiler, same flags. CMake reads
    # these variables when it configures a fresh build directory.
    config.environment["CC"] = config.c_compiler
    config.environment["CXX"] = config.cxx_compiler
    for var in ("CFLAGS", "CXXFLAGS", "LDFLAGS"):
        config.environment[var] = config.sanitizer_link_flags
    # A stock tool (mlir-opt) that dlopens AttnPlugin.so: the ASan runtime
    # must be loaded before anything else, so mlir-opt runs with the runtime
    # our tools link preloaded (gcc's libasan.so, clang's -shared-libsan
    # libclang_rt.asan). Leak checking stays on for it too.
    import subprocess
    ldd = subprocess.run(
        ["ldd", os.path.join(config.attn_tools_dir, "attn-opt")],
        capture_output=True, text=True).stdout
    runtime = next((line.split("=>")[1].split()[0]
                    for line in ldd.splitlines()
                    if ("libasan" in line or "libclang_rt.asan" in line)
                    and "=>" in line and "not found" not in line), None)
    if not runtime:
        lit_config.fatal("sanitizer build: no ASan runtime in `ldd attn-opt`")
    preloaded_mlir_opt = ToolSubst("mlir-opt", command="env LD_PRELOAD=%s %s" % (
        runtime, os.path.join(config.llvm_tools_dir, "mlir-opt")))

tool_dirs = [config.attn_tools_dir, config.llvm_tools_dir]
tools = ["attn-opt", "attn-run", preloaded_mlir_opt if asan else "mlir-opt",
         "mlir-translate", "mlir-runner", "llc", "not"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

if config.ptxas and os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))
    cuobjdump = os.path.join(os.path.dirname(config.ptxas), "cuobjdump")
    if os.path.exists(cuobjdump):
        config.available_features.add("cuobjdump")
        config.substitutions.append(("%cuobjdump", cuobjdump))
# GPU tests run only where asked: no CI machine has a GPU.
if os.environ.get("ATTN_CUDA_GPU") == "1":
    config.available_features.add("cuda-gpu")
    config.environment["CUDA"] = os.path.dirname(
        os.path.dirname(config.ptxas or "/usr/local/cuda/bin/ptxas"))
