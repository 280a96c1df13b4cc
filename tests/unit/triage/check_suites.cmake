cmake_minimum_required(VERSION 3.25)
# cmake -DBINARY=<gtest binary> -DSUITES=<a;b;c> -P check_suites.cmake
# Fails unless every test suite the binary holds is one ctest registers (CMakeLists.txt reads them
# from the sources; a TEST written another way would otherwise never run).
execute_process(COMMAND "${BINARY}" --gtest_list_tests OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BINARY} --gtest_list_tests failed (${rc})")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(count 0)
foreach(line IN LISTS lines)
    # Suite lines end with a dot and do not start with a space; "Prefix/Suite." for parameterised ones.
    if(line MATCHES "^([A-Za-z0-9_]+/)?([A-Za-z0-9_]+)\\.$")
        math(EXPR count "${count} + 1")
        if(NOT CMAKE_MATCH_2 IN_LIST SUITES)
            message(FATAL_ERROR "test suite ${CMAKE_MATCH_2} is in the binary but not registered with ctest")
        endif()
    endif()
endforeach()
if(count EQUAL 0)
    message(FATAL_ERROR "no test suite listed by ${BINARY}")
endif()
message(STATUS "${count} test suites, all registered")
