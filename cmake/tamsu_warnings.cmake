# Warnings as errors on OUR targets only; system headers (Boost, spdlog) never break the build.
function(tamsu_target_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wpedantic -Wshadow=local -Wnon-virtual-dtor)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        # GCC 12 at -O3 reports impossible overlaps and sizes inside libstdc++'s std::string (gcc bugs
        # 105329, 105651): false positives in the standard library's inlined code, not in ours.
        target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-Wno-restrict -Wno-array-bounds -Wno-stringop-overflow>)
    endif()
endfunction()
