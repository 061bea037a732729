# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

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
config.substitutions.append(("%cxx", config.cxx_compiler))
config.substitutions.append(
    ("%attn-check", config.python_executable + " " +
     os.path.join(config.attn_src_root, "test", "lib", "attn_check.py")))
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.attn_tools_dir, config.llvm_tools_dir]
tools = ["attn-opt", "mlir-opt", "mlir-translate", "mlir-runner", "llc", "not"]
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
if config.enable_sanitizers in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("asan")
