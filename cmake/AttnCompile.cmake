# attn_add_kernel_library(<name> SOURCES a.mlir [b.mlir ...]
#                         [TARGET cpu|cuda] [CHIP sm_90a] [NO_FUSE]
#                         [PIPELINE_OPTIONS "tile=true ..."])
#
# Compiles each .mlir source with attn-compile to an object file plus a header
# (<stem>.h, declaring the _mlir_ciface_ entry points) and links the objects
# into the shared library <name>. Linking <name> adds the headers' directory
# to the consumer's include path, and for TARGET cuda links libattn_runtime.
#
# attn-compile is the in-tree target, the installed Attn::attn-compile, or
# ATTN_COMPILE_EXECUTABLE, in that order.
include_guard(GLOBAL)

function(attn_add_kernel_library name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_FUSE" "TARGET;CHIP"
                        "SOURCES;PIPELINE_OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "attn_add_kernel_library: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "attn_add_kernel_library(${name}): no SOURCES")
  endif()
  if(NOT ARG_TARGET)
    set(ARG_TARGET cpu)
  endif()
  if(NOT ARG_TARGET MATCHES "^(cpu|cuda)$")
    message(FATAL_ERROR "attn_add_kernel_library(${name}): TARGET must be "
                        "cpu or cuda, not '${ARG_TARGET}'")
  endif()
  if(NOT ARG_CHIP)
    set(ARG_CHIP sm_90a)
  endif()

  if(TARGET attn-compile)
    set(compiler $<TARGET_FILE:attn-compile>)
    set(compiler_dep attn-compile)
  elseif(TARGET Attn::attn-compile)
    set(compiler $<TARGET_FILE:Attn::attn-compile>)
    set(compiler_dep Attn::attn-compile)
  else()
    find_program(ATTN_COMPILE_EXECUTABLE attn-compile REQUIRED)
    set(compiler ${ATTN_COMPILE_EXECUTABLE})
    set(compiler_dep ${ATTN_COMPILE_EXECUTABLE})
  endif()

  set(flags --target=${ARG_TARGET} --chip=${ARG_CHIP} --emit=obj)
  if(ARG_NO_FUSE)
    list(APPEND flags --no-fuse)
  endif()
  if(ARG_PIPELINE_OPTIONS)
    list(JOIN ARG_PIPELINE_OPTIONS " " opts)
    list(APPEND flags "--pipeline-options=${opts}")
  endif()

  set(outdir ${CMAKE_CURRENT_BINARY_DIR}/${name}.attn)
  set(objects)
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(src ${src} ABSOLUTE)
    get_filename_component(stem ${src} NAME_WE)
    set(obj ${outdir}/${stem}.o)
    add_custom_command(
      OUTPUT ${obj} ${outdir}/${stem}.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
      COMMAND ${compiler} ${flags} ${src} -o ${obj}
      DEPENDS ${src} ${compiler_dep}
      COMMENT "attn-compile ${stem}.mlir (${ARG_TARGET})"
      VERBATIM)
    list(APPEND objects ${obj})
  endforeach()

  add_library(${name} SHARED ${objects})
  set_source_files_properties(${objects} PROPERTIES
    EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} INTERFACE ${outdir})
  target_link_libraries(${name} PRIVATE m)
  if(ARG_TARGET STREQUAL "cuda")
    if(TARGET attn_runtime)
      target_link_libraries(${name} PUBLIC attn_runtime)
    elseif(TARGET Attn::attn_runtime)
      target_link_libraries(${name} PUBLIC Attn::attn_runtime)
    else()
      find_library(ATTN_RUNTIME_LIBRARY attn_runtime REQUIRED)
      target_link_libraries(${name} PUBLIC ${ATTN_RUNTIME_LIBRARY})
    endif()
  endif()
endfunction()
