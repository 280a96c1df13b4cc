# Warnings as errors on OUR targets only; system headers (Boost, spdlog) never break the build.
function(tamsu_target_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wpedantic -Wshadow=local -Wnon-virtual-dtor)
endfunction()
